/// A tensor read from another tool's model file, already converted to float32.
public struct SourceTensor: Sendable {
    public var shape: [Int]
    public var values: [Float]
    public init(shape: [Int], values: [Float]) { self.shape = shape; self.values = values }
}

/// Named tensors in the order the file lists them: the common form a PyTorch state dict and an
/// ONNX graph are both brought to before an IResNet is recognised in them.
public struct SourceStateDict: Sendable {
    public private(set) var keys: [String] = []
    private var tensors: [String: SourceTensor] = [:]

    public init() {}

    public subscript(key: String) -> SourceTensor? { tensors[key] }

    /// Adds `tensor` under `key`; a key already present is replaced in place (its order kept).
    public mutating func set(_ key: String, _ tensor: SourceTensor) {
        if tensors.updateValue(tensor, forKey: key) == nil { keys.append(key) }
    }

    public func contains(_ key: String) -> Bool { tensors[key] != nil }
}
