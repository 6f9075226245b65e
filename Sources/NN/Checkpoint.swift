import Foundation
import Tensor

/// A network's weights, running statistics and optimiser buffers in one safetensors file, with
/// free-form metadata (the architecture JSON and the training state) in its header.
///
/// Names: `model.<path>` for parameters and running statistics (PyTorch state_dict style paths),
/// `optim.<path>.momentum_buffer` for SGD momentum.
public enum Checkpoint {
    public static let formatKey = "format"
    public static let formatValue = "facenas-checkpoint/1"

    public static func save(_ network: Layer, optimizerState: Bool = true, metadata: [String: String], to path: String) throws {
        var tensors: [(name: String, tensor: Tensor)] = []
        for (n, p) in network.namedParameters() { tensors.append((name: "model." + n, tensor: p.value)) }
        for (n, t) in network.namedState() { tensors.append((name: "model." + n, tensor: t)) }
        if optimizerState {
            for (n, p) in network.namedParameters() {
                if let m = p.momentum { tensors.append((name: "optim." + n + ".momentum_buffer", tensor: m)) }
            }
        }
        var meta = metadata
        meta[formatKey] = formatValue
        try Safetensors.write(tensors, metadata: meta, to: path)
    }

    /// Loads weights (and momentum buffers when present and `optimizerState`) into `network`,
    /// whose structure must match the file's exactly. Returns the metadata.
    @discardableResult
    public static func load(_ path: String, into network: Layer, optimizerState: Bool = true) throws -> [String: String] {
        let file = try Safetensors.read(path)
        func assign(_ name: String, _ dst: Tensor) throws {
            guard let src = file.tensors[name] else {
                throw CheckpointError(path: path, message: "missing tensor \(name); the checkpoint was written for another architecture")
            }
            guard src.shape == dst.shape else {
                throw CheckpointError(path: path, message: "tensor \(name) has shape \(src.shape), the network expects \(dst.shape)")
            }
            dst.data.update(from: src.data, count: dst.count)
        }
        for (n, p) in network.namedParameters() { try assign("model." + n, p.value) }
        for (n, t) in network.namedState() { try assign("model." + n, t) }
        if optimizerState {
            for (n, p) in network.namedParameters() {
                let key = "optim." + n + ".momentum_buffer"
                if file.tensors[key] != nil {
                    let m = Tensor(zeros: p.value.shape)
                    try assign(key, m)
                    p.momentum = m
                } else {
                    p.momentum = nil
                }
            }
        }
        return file.metadata
    }

    public static func metadata(_ path: String) throws -> [String: String] {
        try Safetensors.readMetadata(path)
    }
}

public struct CheckpointError: Error, CustomStringConvertible {
    public let path: String, message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { "\(path): \(message)" }
}
