import Datasets
import Metrics
import Foundation

/// `verify --pixels --bin FILE…`: the raw-pixel baseline, scored like a model on the same sets.
enum VerifyWithPixels {
    static func run(bins: [String], json: String?, plot: String?) throws {
        var results: [(name: String, result: VerificationResult)] = []
        for file in bins {
            results.append((FaceValidationSet.setName(file), try PixelVerification.evaluate(bin: file)))
        }
        try VerifyOutput.emit(results, embedding: "raw pixels", json: json, plot: plot)
    }
}
