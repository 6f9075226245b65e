import ArgumentParser
import Datasets
import Metrics
import Foundation

/// `verify --model CKPT --bin FILE…`: each `.bin` is checked against its protocol (by file name),
/// embedded with flip fusion at the model's input size, and scored with the 10-fold protocol.
enum VerifyWithModel {
    static func run(model path: String, bins: [String], json: String?, plot: String?) throws {
        let model = try FaceModel(path: path)
        let embedder = model.embedder()
        var results: [(name: String, result: VerificationResult)] = []
        for file in bins {
            let set = try FaceValidationSet(path: file)
            if let p = EvaluationProtocol.forVerificationFile(file) { try p.checkPairs(set.pairsInFile, file: file) }
            try model.checkInputSize(of: set.images, what: "the verification")
            let bar = ProgressBar(label: set.name, total: set.images.count)
            let start = Date()
            let e = embedder.embed(set.images) { done, _ in bar.update(done, elapsed: Date().timeIntervalSince(start), info: "") }
            results.append((set.name, try FaceVerification.evaluate(embeddings: e, isSame: set.isSame, name: file)))
        }
        try VerifyOutput.emit(results, embedding: "model", model: path, json: json, plot: plot)
    }
}
