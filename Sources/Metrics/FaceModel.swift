import Datasets
import Foundation
import NN
import Search
import Tensor

/// A trained face backbone read from a checkpoint: what `verify`, `identify`, `embed` and `query`
/// run. Both files a face training writes work: `best.safetensors` (backbone only) and the
/// resumable `checkpoint.safetensors` (backbone, margin head and optimiser state); the backbone's
/// tensors are named `model.backbone.*` in both.
public struct FaceModel {
    public let path: String
    public let architecture: Architecture
    public let network: Sequential
    /// Channel order the model was trained on (AdaFace feeds BGR, insightface RGB).
    public let bgr: Bool

    /// The backbone's tensors are `model.backbone.*` in every face checkpoint.
    public static let backbonePrefix = "backbone."

    public init(path: String) throws {
        let meta = try Checkpoint.metadata(path)
        guard let archJSON = meta["architecture"] else {
            throw CheckpointError(path: path, message: "no architecture in the checkpoint metadata; not a facenas checkpoint")
        }
        guard meta["task"] == "face" else {
            throw CheckpointError(path: path, message: "a \(meta["task"] ?? "non-face") checkpoint; expected one written by `facenas train --task face`")
        }
        let a = try Architecture.decode(Data(archJSON.utf8), source: path)
        try ArchitectureFit.check(a, file: path)
        var rng = RNG(seed: 0)
        let net = NetworkBuilder.build(a, rng: &rng)
        try Checkpoint.load(path, into: CheckpointEntries(net, prefix: Self.backbonePrefix), optimizerState: false)
        self.path = path
        architecture = a
        network = net
        bgr = meta["bgr"] == "1"
    }

    /// An embedder for this model at its input size.
    public func embedder(flip: Bool = true, batchSize: Int = 32) -> FaceEmbedder {
        FaceEmbedder(network: network, inputSize: architecture.inputSize, bgr: bgr, flip: flip, batchSize: batchSize)
    }

    /// Fails with one line when `source`'s first readable image is not the model's input size:
    /// resizing silently would score a different protocol than the one asked for.
    public func checkInputSize(of source: any FaceImageSource, what: String) throws {
        try FaceModel.checkImageSize(of: source, expected: architecture.inputSize, what: what, model: "the model \(path)")
    }

    /// `model` names what takes the inputs ("the model best.safetensors", "the architecture").
    public static func checkImageSize(of source: any FaceImageSource, expected: Int, what: String, model: String) throws {
        guard let first = firstImageSize(of: source), first.width != expected || first.height != expected else { return }
        throw FaceModelError(message: "\(source.location(of: first.index)): \(what) images are \(first.width)×\(first.height) but \(model) takes \(expected)×\(expected) inputs")
    }

    /// The size of the first of `source`'s first eight images whose header can be read (no decoding).
    public static func firstImageSize(of source: any FaceImageSource) -> (index: Int, width: Int, height: Int)? {
        for index in 0..<min(source.count, 8) {
            if let (_, bytes) = try? source.encodedImage(at: index), let (w, h) = EncodedImageFormat.dimensions(of: bytes) {
                return (index, w, h)
            }
        }
        return nil
    }
}

public struct FaceModelError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
