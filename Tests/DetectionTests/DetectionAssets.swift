import Foundation
import ImageIO
@testable import Detection

/// Where the tests find what `make test-deps` fetches (none of it is in git): the converted MTCNN
/// weights (FACENAS_MTCNN_WEIGHTS, else models/mtcnn in the package) and the three real photos
/// (FACENAS_DETECT_PHOTOS, else .cache/mtcnn/photos). Without them the tests that need them skip
/// with a note saying how to get them.
enum DetectionAssets {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let environment = ProcessInfo.processInfo.environment

    static let weightsFolder = environment["FACENAS_MTCNN_WEIGHTS"] ?? packageRoot + "/models/mtcnn"
    static let photosFolder = environment["FACENAS_DETECT_PHOTOS"] ?? packageRoot + "/.cache/mtcnn/photos"
    static let photoNames = ["t1.jpg", "astronaut.png", "messi5.jpg"]

    static let weights: MTCNNWeights? = try? MTCNNWeights.load(from: weightsFolder)

    static func available(for what: String, photos: Bool = false) -> Bool {
        guard weights != nil else {
            print("note: skipping \(what): no MTCNN weights in \(weightsFolder); run `make mtcnn-weights`")
            return false
        }
        if photos, let missing = photoNames.first(where: { !FileManager.default.fileExists(atPath: photosFolder + "/" + $0) }) {
            print("note: skipping \(what): \(photosFolder)/\(missing) missing; run `make test-photos`")
            return false
        }
        return true
    }

    /// The reference numbers facenet-pytorch computed (Fixtures/mtcnn_reference.py made them).
    nonisolated(unsafe) static let reference: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/mtcnn_reference.json")
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any] ?? [:]
    }()
}
