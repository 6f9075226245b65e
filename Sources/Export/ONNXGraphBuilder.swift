import Metrics
import NN
import Tensor

/// Translates a FaceNAS network into an ONNX inference graph, node by node.
///
/// Nested `Sequential`s are one chain of layers (composition is associative), so a batch norm
/// directly after a convolution or a linear layer is found even across container borders
/// (a separable conv's pointwise half, then the block's BN) and folded into that layer
/// (`BatchNormFolding`). A batch norm anywhere else (before a zero-padded convolution, or before
/// the flatten of the embedding head) stays a BatchNormalization node. Dropout is the identity
/// at inference and leaves no node.
struct ONNXGraphBuilder {
    /// A graph value and its shape with batch 1.
    struct Value { var name: String; var shape: [Int] }

    private(set) var graph: ONNXGraph
    private(set) var foldedBatchNorms = 0

    init(name: String) { graph = ONNXGraph(name: name) }

    /// Emits `network` applied to `input`; returns the final value.
    mutating func emit(_ network: Layer, input: Value) throws -> Value {
        try emitChain(Self.chain(network, path: ""), input: input)
    }

    /// Renames the graph's final value (the last node's output) to `name`.
    mutating func renameOutput(_ value: Value, to name: String) throws {
        guard let i = graph.nodes.lastIndex(where: { $0.outputs.contains(value.name) }) else {
            throw ONNXExportError(message: "the network has no layer that computes anything; nothing to export")
        }
        graph.nodes[i].outputs = graph.nodes[i].outputs.map { $0 == value.name ? name : $0 }
    }

    /// The leaves under `layer`, nested sequentials opened, each with its checkpoint path.
    static func chain(_ layer: Layer, path: String) -> [(path: String, layer: Layer)] {
        guard let s = layer as? Sequential else { return [(path, layer)] }
        return s.children.flatMap { chain($0.layer, path: path.isEmpty ? $0.name : path + "." + $0.name) }
    }

    private mutating func emitChain(_ leaves: [(path: String, layer: Layer)], input: Value) throws -> Value {
        var x = input, i = 0
        while i < leaves.count {
            let (path, layer) = leaves[i]
            let next = i + 1 < leaves.count ? leaves[i + 1] : nil
            var bn = next?.layer as? BatchNorm
            switch layer {
            case let conv as Conv2D:
                if bn?.channels != conv.outChannels { bn = nil }
                x = try convolution(path: path, input: x, weight: conv.weight.value, bias: conv.bias?.value, kernel: conv.kernel,
                                    stride: conv.stride, padding: conv.padding, groups: 1, outShape: conv.outputShape(x.shape), bn: bn)
            case let dw as DepthwiseConv2D:
                if bn?.channels != dw.channels { bn = nil }
                x = try convolution(path: path, input: x, weight: dw.weight.value, bias: nil, kernel: dw.kernel, stride: dw.stride,
                                    padding: dw.padding, groups: dw.channels, outShape: dw.outputShape(x.shape), bn: bn)
            case let fc as Linear:
                if bn?.channels != fc.outFeatures { bn = nil }
                x = try linear(path: path, input: x, fc, bn: bn)
            case let norm as BatchNorm:
                bn = nil
                x = try batchNorm(path: path, input: x, norm)
            case let prelu as PReLU:
                bn = nil
                let slopeShape = x.shape.count == 4 ? [prelu.channels, 1, 1] : [prelu.channels]
                let slope = try initializer(path + ".weight", dims: slopeShape, values: prelu.alpha.value.array)
                x = node("PRelu", path: path, inputs: [x.name, slope], shape: x.shape)
            case is ReLU:
                bn = nil
                x = node("Relu", path: path, inputs: [x.name], shape: x.shape)
            case let pool as GlobalAvgPool:
                bn = nil
                let pooled = node("GlobalAveragePool", path: path + ".pool", inputs: [x.name], shape: [x.shape[0], x.shape[1], 1, 1])
                x = node("Flatten", path: path, inputs: [pooled.name], shape: pool.outputShape(x.shape),
                         attributes: [ONNXAttribute("axis", .int(1))])
            case let flatten as Flatten:
                bn = nil
                x = node("Flatten", path: path, inputs: [x.name], shape: flatten.outputShape(x.shape), attributes: [ONNXAttribute("axis", .int(1))])
            case let pool as Subsample:
                bn = nil
                let attributes = [ONNXAttribute("kernel_shape", .ints([1, 1])), ONNXAttribute("strides", .ints([pool.stride, pool.stride]))]
                x = node("MaxPool", path: path, inputs: [x.name], shape: pool.outputShape(x.shape), attributes: attributes)
            case is Dropout:
                bn = nil
            case let block as Residual:
                bn = nil
                let b = try emitChain(Self.chain(block.branch, path: path + ".branch"), input: x)
                let s = try block.shortcut.map { try emitChain(Self.chain($0, path: path + ".shortcut"), input: x) } ?? x
                guard b.shape == s.shape else {
                    throw ONNXExportError(message: "\(path): residual branch gives \(b.shape) but the shortcut gives \(s.shape)")
                }
                x = node("Add", path: path + ".add", inputs: [b.name, s.name], shape: b.shape)
            default:
                throw ONNXExportError(message: "layer \(path.isEmpty ? "(top)" : path) (\(layer.summary), \(type(of: layer))) has no ONNX form in this exporter; nothing was written")
            }
            if bn != nil { foldedBatchNorms += 1; i += 2 } else { i += 1 }
        }
        return x
    }

    // MARK: Nodes

    private mutating func node(_ op: String, path: String, inputs: [String], shape: [Int], attributes: [ONNXAttribute] = []) -> Value {
        graph.nodes.append(ONNXNode(opType: op, name: path, inputs: inputs, outputs: [path], attributes: attributes))
        return Value(name: path, shape: shape)
    }

    /// Adds a float initializer after checking its values are finite; returns its name.
    private mutating func initializer(_ name: String, dims: [Int], values: [Float]) throws -> String {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ONNXExportError(message: "tensor \(name) holds a non-finite value (\(values[bad]) at flat index \(bad)); a diverged model cannot be exported")
        }
        graph.initializers.append(ONNXTensor(name: name, dims: dims, values: values))
        return name
    }

    private mutating func convolution(path: String, input: Value, weight: Tensor, bias: Tensor?, kernel: Int, stride: Int,
                                      padding: Int, groups: Int, outShape: [Int], bn: BatchNorm?) throws -> Value {
        guard input.shape.count == 4 else {
            throw ONNXExportError(message: "\(path): a convolution on a rank-\(input.shape.count) value \(input.shape)")
        }
        var w = weight.array, b = bias?.array
        if let bn { BatchNormFolding.fold(bn, weights: &w, bias: &b) }
        var inputs = [input.name, try initializer(path + ".weight", dims: weight.shape, values: w)]
        if let b { inputs.append(try initializer(path + ".bias", dims: [weight.shape[0]], values: b)) }
        let attributes = [ONNXAttribute("kernel_shape", .ints([kernel, kernel])), ONNXAttribute("strides", .ints([stride, stride])),
                          ONNXAttribute("pads", .ints([padding, padding, padding, padding])),
                          ONNXAttribute("dilations", .ints([1, 1])), ONNXAttribute("group", .int(groups))]
        return node("Conv", path: path, inputs: inputs, shape: outShape, attributes: attributes)
    }

    private mutating func linear(path: String, input: Value, _ fc: Linear, bn: BatchNorm?) throws -> Value {
        guard input.shape.count == 2 else {
            throw ONNXExportError(message: "\(path): a linear layer on a rank-\(input.shape.count) value \(input.shape) (expected [n, \(fc.inFeatures)])")
        }
        var w = fc.weight.value.array, b = fc.bias.map { $0.value.array }
        if let bn { BatchNormFolding.fold(bn, weights: &w, bias: &b) }
        var inputs = [input.name, try initializer(path + ".weight", dims: [fc.outFeatures, fc.inFeatures], values: w)]
        if let b { inputs.append(try initializer(path + ".bias", dims: [fc.outFeatures], values: b)) }
        return node("Gemm", path: path, inputs: inputs, shape: fc.outputShape(input.shape), attributes: [ONNXAttribute("transB", .int(1))])
    }

    private mutating func batchNorm(path: String, input: Value, _ bn: BatchNorm) throws -> Value {
        let c = [bn.channels]
        let inputs = [input.name,
                      try initializer(path + ".weight", dims: c, values: bn.gamma.value.array),
                      try initializer(path + ".bias", dims: c, values: bn.beta.value.array),
                      try initializer(path + ".running_mean", dims: c, values: bn.runningMean.array),
                      try initializer(path + ".running_var", dims: c, values: bn.runningVariance.array)]
        return node("BatchNormalization", path: path, inputs: inputs, shape: input.shape,
                    attributes: [ONNXAttribute("epsilon", .float(bn.epsilon))])
    }
}

public struct ONNXExportError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
