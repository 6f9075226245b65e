import Foundation
import Tensor

/// The tensors a checkpoint holds: named parameters (with their momentum buffers) and named
/// state. Whatever is trained — a network, a margin head, both — lists its parts here under a
/// prefix, so nothing has to pose as a layer to be saved.
public struct CheckpointEntries {
    public var parameters: [(name: String, parameter: Parameter)] = []
    public var state: [(name: String, tensor: Tensor)] = []

    public init() {}

    /// Every parameter and state tensor below `layer`, under `prefix` ("backbone." → "backbone.0.weight").
    public init(_ layer: Layer, prefix: String = "") { append(layer, prefix: prefix) }

    public mutating func append(_ layer: Layer, prefix: String = "") {
        parameters += layer.namedParameters(prefix: prefix).map { (name: $0.0, parameter: $0.1) }
        state += layer.namedState(prefix: prefix).map { (name: $0.0, tensor: $0.1) }
    }

    /// A part that is not a layer (a loss head's centres and statistics).
    public mutating func append(parameters ps: [Parameter], state st: [StateTensor], prefix: String) {
        parameters += ps.map { (name: prefix + $0.name, parameter: $0) }
        state += st.map { (name: prefix + $0.name, tensor: $0.value) }
    }
}

/// Weights, running statistics and optimiser buffers in one safetensors file, with free-form
/// metadata (the architecture JSON and the training state) in its header.
///
/// Names: `model.<path>` for parameters and running statistics (PyTorch state_dict style paths),
/// `optim.<path>.momentum_buffer` for SGD momentum. Parameters come first, then state, then
/// momentum, each in the order listed.
public enum Checkpoint {
    public static let formatKey = "format"
    public static let formatValue = "facenas-checkpoint/1"

    public static func save(_ entries: CheckpointEntries, optimizerState: Bool = true, metadata: [String: String], to path: String) throws {
        var tensors: [(name: String, tensor: Tensor)] = []
        for (n, p) in entries.parameters { tensors.append((name: "model." + n, tensor: p.value)) }
        for (n, t) in entries.state { tensors.append((name: "model." + n, tensor: t)) }
        if optimizerState {
            for (n, p) in entries.parameters {
                if let m = p.momentum { tensors.append((name: "optim." + n + ".momentum_buffer", tensor: m)) }
            }
        }
        var meta = metadata
        meta[formatKey] = formatValue
        try Safetensors.write(tensors, metadata: meta, to: path)
    }

    public static func save(_ network: Layer, optimizerState: Bool = true, metadata: [String: String], to path: String) throws {
        try save(CheckpointEntries(network), optimizerState: optimizerState, metadata: metadata, to: path)
    }

    /// Loads weights (and momentum buffers when present and `optimizerState`) into `entries`,
    /// whose names and shapes must match the file's. Returns the metadata.
    @discardableResult
    public static func load(_ path: String, into entries: CheckpointEntries, optimizerState: Bool = true) throws -> [String: String] {
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
        for (n, p) in entries.parameters { try assign("model." + n, p.value) }
        for (n, t) in entries.state { try assign("model." + n, t) }
        if optimizerState {
            for (n, p) in entries.parameters {
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

    @discardableResult
    public static func load(_ path: String, into network: Layer, optimizerState: Bool = true) throws -> [String: String] {
        try load(path, into: CheckpointEntries(network), optimizerState: optimizerState)
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
