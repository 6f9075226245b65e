import Foundation
import Metrics
import NN
import Search
import Tensor

/// Where an imported model came from, written into the checkpoint's metadata as JSON so that any
/// later result can be traced to the exact file and to how its inputs must be prepared.
public struct ImportOrigin: Codable, Sendable, Equatable {
    public var file: String
    public var sha256: String
    /// pytorch-zip, pytorch-legacy (either possibly a Lightning checkpoint) or onnx.
    public var format: String
    public var layout: String
    public var channelOrder: String
    public var normalization: String
    /// The ONNX producer or the Lightning version, when the file says.
    public var producer: String?
    public var skippedKeys: [String]

    enum CodingKeys: String, CodingKey {
        case file, sha256, format, layout, producer
        case channelOrder = "channel_order", normalization, skippedKeys = "skipped_keys"
    }
}

/// A pretrained backbone in FaceNAS form: the network with every tensor filled, ready to be saved
/// as a face checkpoint that `verify`, `identify`, `embed`, `query` and `export` read.
public struct ImportedModel {
    public let architecture: Architecture
    public let network: Sequential
    public let layout: IResNetLayout
    public let bgr: Bool
    public let origin: ImportOrigin
    public let skipped: [(key: String, reason: String)]

    /// Fills a freshly built network from `dict`. `stemScale` multiplies the stem convolution's
    /// weights: an input normalisation that only rescales (an ONNX graph's own Sub/Mul) folds there.
    init(recognised r: RecognisedIResNet, dict: SourceStateDict, file: String, bgr: Bool, stemScale: Float = 1,
         origin: ImportOrigin) throws {
        var rng = RNG(seed: 0)
        let net = NetworkBuilder.build(r.architecture, rng: &rng)
        let entries = CheckpointEntries(net)
        var used = Set<String>()
        func fill(_ path: String, _ dst: Tensor, optional: Bool) throws {
            guard let key = r.sources[path], let src = dict[key] else {
                if optional { dst.fill(0); return }
                let expected = IResNetNames.pairs(r.architecture, layout: r.layout).first { path.hasPrefix($0.path + ".") }
                    .map { "\($0.source)\(path.dropFirst($0.path.count))" } ?? path
                throw PretrainedError(file: file, "no key \(expected): the \(r.layout.rawValue) IResNet with stages \(r.architecture.stages!.map(String.init).joined(separator: ",")) needs it for \(path)")
            }
            guard src.values.count == dst.count, src.shape.filter({ $0 != 1 }) == dst.shape.filter({ $0 != 1 }) else {
                throw PretrainedError(file: file, "key \(key): shape \(src.shape), expected \(dst.shape) for \(path)")
            }
            if let bad = src.values.firstIndex(where: { !$0.isFinite }) {
                throw PretrainedError(file: file, "key \(key): a non-finite value (\(src.values[bad])) at flat index \(bad)")
            }
            src.values.withUnsafeBufferPointer { dst.data.update(from: $0.baseAddress!, count: dst.count) }
            used.insert(key)
        }
        for (path, p) in entries.parameters { try fill(path, p.value, optional: false) }
        for (path, t) in entries.state { try fill(path, t, optional: path.hasSuffix("num_batches_tracked")) }
        let skippedKeys = Set(r.skipped.map(\.key))
        if let extra = dict.keys.first(where: { !used.contains($0) && !skippedKeys.contains($0) }) {
            throw PretrainedError(file: file, "key \(extra): no tensor of the recognised network takes it")
        }
        if stemScale != 1, let stem = entries.parameters.first(where: { $0.name == "stem.conv.weight" })?.parameter {
            for i in 0..<stem.value.count { stem.value.data[i] *= stemScale }
        }
        architecture = r.architecture; network = net; layout = r.layout; self.bgr = bgr
        self.origin = origin; skipped = r.skipped
    }

    public var parameterCount: Int { network.namedParameters().reduce(0) { $0 + $1.1.value.count } }

    /// Writes the backbone as a face checkpoint (weights and running statistics, no optimiser state)
    /// with the architecture, channel order and origin in its metadata; atomic, like every checkpoint.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let meta: [String: String] = [
            "task": "face", "architecture": try architecture.jsonString(), "bgr": bgr ? "1" : "0",
            "origin": String(decoding: try encoder.encode(origin), as: UTF8.self),
        ]
        try Checkpoint.save(CheckpointEntries(network, prefix: FaceModel.backbonePrefix), optimizerState: false, metadata: meta, to: path)
    }
}
