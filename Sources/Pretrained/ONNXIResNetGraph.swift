import ModelFormats
import Search

/// Reads an IResNet out of an ONNX graph as `torch.onnx.export` writes one in evaluation mode
/// (insightface's torch2onnx.py, opsets 11–17) and gives its tensors insightface's names, so the
/// state-dict recognition does the rest.
///
/// Export folds each batch norm that follows a convolution into that convolution's weight and
/// bias. FaceNAS keeps those batch norms, so a folded one comes back as the identity plus the
/// bias (γ = 1, β = bias, mean 0, variance 1 − ε): the same function, to float rounding.
struct ONNXIResNetGraph {
    /// Batch-norm ε of every FaceNAS layer; a node with another ε has it moved into its variance.
    static let epsilon: Float = 1e-5

    var dict = SourceStateDict()
    var shortcut = IRShortcut.conv
    var stemScale: Float = 1
    var normalization = "outside the graph: x = (pixel/255 - 0.5)/0.5 (mean 127.5, std 127.5, as insightface's model-zoo loader feeds graphs without Sub/Mul)"

    private let graph: ONNXGraph
    private let file: String
    private var alias: [String: String] = [:]
    private var consumers: [String: [ONNXNode]] = [:]

    init(_ model: ONNXModel, file: String) throws {
        graph = model.graph
        self.file = file
        // Identity and Dropout (evaluation mode) pass their input through; look past them.
        for n in graph.nodes where ["Identity", "Dropout"].contains(n.opType) {
            if let i = n.inputs.first, let o = n.outputs.first { alias[o] = resolve(i) }
        }
        for n in graph.nodes where !["Identity", "Dropout"].contains(n.opType) {
            for i in n.inputs where !i.isEmpty { consumers[resolve(i), default: []].append(n) }
        }
        let initializers = Set(graph.initializers.map(\.name))
        guard let input = graph.inputs.first(where: { !initializers.contains($0.name) }) else {
            throw PretrainedError(file: file, "the graph has no input that is not an initializer")
        }
        try walk(from: input.name)
    }

    private func resolve(_ v: String) -> String {
        var v = v
        while let a = alias[v] { v = a }
        return v
    }

    private func fail(_ n: ONNXNode?, _ expected: String) -> PretrainedError {
        guard let n else { return PretrainedError(file: file, "the graph ends early: expected \(expected)") }
        return PretrainedError(file: file, "node \(n.index) \"\(n.name)\" (\(n.opType)): expected \(expected)")
    }

    /// The one node reading `v`, which must be of type `op`.
    private func only(_ v: String, _ op: String, after what: String) throws -> ONNXNode {
        let c = consumers[resolve(v)] ?? []
        guard c.count == 1, c[0].opType == op else {
            throw fail(c.first, "a single \(op) after \(what)" + (c.count > 1 ? ", found \(c.count) readers" : ""))
        }
        return c[0]
    }

    private func constant(_ n: ONNXNode, input k: Int, _ what: String) throws -> ONNXTensor {
        guard k < n.inputs.count, let t = graph.constant(named: resolve(n.inputs[k])) else { throw fail(n, "a constant \(what) as input \(k)") }
        return t
    }

    private func floats(_ t: ONNXTensor, _ n: ONNXNode) throws -> [Float] {
        do { return try t.floats() } catch { throw PretrainedError(file: file, "node \(n.index) \"\(n.name)\": \(error)") }
    }

    private func tensor(_ t: ONNXTensor, _ n: ONNXNode) throws -> SourceTensor { SourceTensor(shape: t.dims, values: try floats(t, n)) }

    // MARK: Walking

    private mutating func walk(from input: String) throws {
        var v = try inputNormalization(input)
        let stemConv = try only(v, "Conv", after: "the input")
        v = try convolution(stemConv, weight: "conv1", bn: "bn1", kernel: 3, stride: 1)
        let prelu = try only(v, "PRelu", after: "the stem convolution")
        dict.set("prelu.weight", try tensor(try constant(prelu, input: 1, "slope"), prelu))
        v = prelu.outputs[0]
        guard let width = dict["conv1.weight"]?.shape.first else { throw fail(stemConv, "a 4-D weight") }
        var positions = [0, 0, 0, 0]
        while true {
            let readers = consumers[resolve(v)] ?? []
            let bns = readers.filter { $0.opType == "BatchNormalization" }
            guard bns.count == 1 else { throw fail(readers.first, "a BatchNormalization opening a block or the head") }
            let next = consumers[resolve(bns[0].outputs[0])] ?? []
            if next.count == 1 && next[0].opType == "Conv" && readers.count == 2 {
                v = try block(input: v, bn: bns[0], width: width, positions: &positions)
            } else {
                try head(input: v, bn: bns[0])
                return
            }
        }
    }

    /// Sub/Mul/Add/Div by constants before the first convolution (MXNet-converted models hold their
    /// normalisation inside the graph). FaceNAS feeds x/127.5 − 1, so only a rescaling of that can be
    /// folded (into the stem weights); an offset would also shift the zero padding.
    private mutating func inputNormalization(_ input: String) throws -> String {
        var v = input, a: Double = 1, b: Double = 0
        var ops: [String] = []
        while let c = consumers[resolve(v)], c.count == 1, ["Sub", "Mul", "Add", "Div"].contains(c[0].opType) {
            let n = c[0]
            guard n.inputs.count == 2, resolve(n.inputs[0]) == resolve(v) else { throw fail(n, "the input first, a constant second") }
            let values = try floats(try constant(n, input: 1, "normalisation constant"), n)
            guard let k = values.first, values.allSatisfy({ $0 == k }) else {
                throw fail(n, "one value for every channel (a per-channel normalisation cannot be folded into FaceNAS's input)")
            }
            switch n.opType {
            case "Sub": b -= Double(k)
            case "Add": b += Double(k)
            case "Mul": a *= Double(k); b *= Double(k)
            default: a /= Double(k); b /= Double(k)
            }
            ops.append("\(n.opType) \(k)")
            v = n.outputs[0]
        }
        guard !ops.isEmpty else { return v }
        // The graph computes a·x + b of pixels x; FaceNAS's input is u = x/127.5 − 1, so a·x + b = 127.5a·u + (127.5a + b).
        guard abs(127.5 * a + b) <= 1e-6 * max(1, abs(b)) else {
            throw PretrainedError(file: file, "the graph normalises its input as \(ops.joined(separator: ", ")) (x·\(a) + \(b)); only a rescaling of (x − 127.5) can be folded into the stem")
        }
        stemScale = Float(127.5 * a)
        normalization = "inside the graph: \(ops.joined(separator: ", ")); folded into the stem convolution as a scale of \(stemScale) on FaceNAS's x/127.5 - 1"
        return v
    }

    /// A convolution (and the batch norm after it, explicit or folded) under insightface's names.
    private mutating func convolution(_ n: ONNXNode, weight: String, bn: String, kernel: Int?, stride: Int?) throws -> String {
        let w = try constant(n, input: 0 + 1, "weight")
        guard w.dims.count == 4 else { throw fail(n, "a 4-D weight, found dims \(w.dims)") }
        let k = w.dims[2], s = n.ints("strides") ?? [1, 1], pads = n.ints("pads") ?? [0, 0, 0, 0]
        guard (n.int("group") ?? 1) == 1, (n.ints("dilations") ?? [1, 1]).allSatisfy({ $0 == 1 }), w.dims[3] == k,
              s.count == 2, s[0] == s[1], pads.count == 4, pads.allSatisfy({ $0 == k / 2 }),
              kernel.map({ $0 == k }) ?? true, stride.map({ $0 == s[0] }) ?? true else {
            throw fail(n, "a \(kernel.map { "\($0)×\($0) " } ?? "")convolution with stride \(stride.map(String.init) ?? "1 or 2"), padding k/2, no groups or dilation (found \(k)×\(w.dims[3]), strides \(s), pads \(pads))")
        }
        dict.set("\(weight).weight", try tensor(w, n))
        let bias = n.inputs.count > 2 ? try floats(try constant(n, input: 2, "bias"), n) : nil
        let out = n.outputs[0]
        if let c = consumers[resolve(out)], c.count == 1, c[0].opType == "BatchNormalization" {
            try batchNorm(c[0], bn, convBias: bias)
            return c[0].outputs[0]
        }
        setIdentityBatchNorm(bn, channels: w.dims[0], bias: bias)
        return out
    }

    private mutating func batchNorm(_ n: ONNXNode, _ name: String, convBias: [Float]? = nil) throws {
        guard n.inputs.count == 5 else { throw fail(n, "BatchNormalization with scale, bias, mean and variance") }
        let gamma = try tensor(try constant(n, input: 1, "scale"), n), beta = try tensor(try constant(n, input: 2, "bias"), n)
        var mean = try tensor(try constant(n, input: 3, "mean"), n), variance = try tensor(try constant(n, input: 4, "variance"), n)
        let eps = n.float("epsilon") ?? 1e-5
        for c in 0..<variance.values.count { variance.values[c] += eps - Self.epsilon }
        if let convBias, convBias.count == mean.values.count {
            for c in 0..<convBias.count { mean.values[c] -= convBias[c] }
        }
        dict.set("\(name).weight", gamma); dict.set("\(name).bias", beta)
        dict.set("\(name).running_mean", mean); dict.set("\(name).running_var", variance)
    }

    private mutating func setIdentityBatchNorm(_ name: String, channels: Int, bias: [Float]?) {
        dict.set("\(name).weight", SourceTensor(shape: [channels], values: Array(repeating: 1, count: channels)))
        dict.set("\(name).bias", SourceTensor(shape: [channels], values: bias ?? Array(repeating: 0, count: channels)))
        dict.set("\(name).running_mean", SourceTensor(shape: [channels], values: Array(repeating: 0, count: channels)))
        dict.set("\(name).running_var", SourceTensor(shape: [channels], values: Array(repeating: 1 - Self.epsilon, count: channels)))
    }

    private mutating func block(input v: String, bn: ONNXNode, width: Int, positions: inout [Int]) throws -> String {
        let convA = try only(bn.outputs[0], "Conv", after: "a block's first batch norm")
        guard let out = (try? constant(convA, input: 1, "weight"))?.dims.first,
              let stage = [1, 2, 4, 8].firstIndex(where: { $0 * width == out }) else {
            throw fail(convA, "a block convolution with \(width), \(2 * width), \(4 * width) or \(8 * width) outputs")
        }
        let name = "layer\(stage + 1).\(positions[stage])"
        positions[stage] += 1
        try batchNorm(bn, "\(name).bn1")
        var x = try convolution(convA, weight: "\(name).conv1", bn: "\(name).bn2", kernel: nil, stride: 1)
        let prelu = try only(x, "PRelu", after: "\(name).conv1")
        dict.set("\(name).prelu.weight", try tensor(try constant(prelu, input: 1, "slope"), prelu))
        let convB = try only(prelu.outputs[0], "Conv", after: "\(name).prelu")
        x = try convolution(convB, weight: "\(name).conv2", bn: "\(name).bn3", kernel: nil, stride: nil)
        let add = try only(x, "Add", after: "\(name).conv2")
        guard add.inputs.count == 2 else { throw fail(add, "a two-input Add") }
        let other = resolve(add.inputs[0]) == resolve(x) ? add.inputs[1] : add.inputs[0]
        if resolve(other) != resolve(v) {
            try shortcutPath(to: other, from: v, name: name)
        }
        return add.outputs[0]
    }

    /// A block's shortcut: a 1×1 convolution (with its batch norm) or a 1×1 max-pool, reading the block input.
    private mutating func shortcutPath(to value: String, from input: String, name: String) throws {
        guard var node = graph.producer(of: resolve(value)) else { throw PretrainedError(file: file, "\(name): the shortcut value \(value) has no producer") }
        if node.opType == "MaxPool" {
            guard (node.ints("kernel_shape") ?? []) == [1, 1], resolve(node.inputs[0]) == resolve(input) else { throw fail(node, "a 1×1 max-pool of the block input") }
            shortcut = .pool
            return
        }
        var bn: ONNXNode?
        if node.opType == "BatchNormalization", let conv = graph.producer(of: resolve(node.inputs[0])) { bn = node; node = conv }
        guard node.opType == "Conv", resolve(node.inputs[0]) == resolve(input) else { throw fail(node, "a 1×1 convolution of the block input as the shortcut") }
        _ = try convolution(node, weight: "\(name).downsample.0", bn: "\(name).downsample.1", kernel: 1, stride: nil)
        if let bn, !dict.contains("\(name).downsample.1.weight") { try batchNorm(bn, "\(name).downsample.1") }
    }

    private mutating func head(input v: String, bn: ONNXNode) throws {
        try batchNorm(bn, "bn2")
        let readers = consumers[resolve(bn.outputs[0])] ?? []
        guard readers.count == 1, ["Flatten", "Reshape"].contains(readers[0].opType) else {
            throw fail(readers.first, "Flatten (or Reshape) after the last batch norm")
        }
        let flat = readers[0]
        let fcReaders = consumers[resolve(flat.outputs[0])] ?? []
        guard fcReaders.count == 1 else { throw fail(fcReaders.first, "one Gemm or MatMul after Flatten") }
        let fc = fcReaders[0]
        var out: String
        switch fc.opType {
        case "Gemm":
            var w = try tensor(try constant(fc, input: 1, "weight"), fc)
            guard w.shape.count == 2, (fc.float("alpha") ?? 1) == 1, (fc.float("beta") ?? 1) == 1, (fc.int("transA") ?? 0) == 0 else {
                throw fail(fc, "Gemm with a 2-D weight, alpha = beta = 1 and no transA")
            }
            if (fc.int("transB") ?? 0) == 0 { w = transposed(w) }
            dict.set("fc.weight", w)
            let bias = fc.inputs.count > 2 ? try floats(try constant(fc, input: 2, "bias"), fc) : Array(repeating: 0, count: w.shape[0])
            dict.set("fc.bias", SourceTensor(shape: [w.shape[0]], values: bias))
            out = fc.outputs[0]
        case "MatMul":
            let w = transposed(try tensor(try constant(fc, input: 1, "weight"), fc))
            dict.set("fc.weight", w)
            out = fc.outputs[0]
            if let c = consumers[resolve(out)], c.count == 1, c[0].opType == "Add" {
                let k = resolve(c[0].inputs[0]) == resolve(out) ? 1 : 0
                dict.set("fc.bias", SourceTensor(shape: [w.shape[0]], values: try floats(try constant(c[0], input: k, "bias"), c[0])))
                out = c[0].outputs[0]
            } else {
                dict.set("fc.bias", SourceTensor(shape: [w.shape[0]], values: Array(repeating: 0, count: w.shape[0])))
            }
        default:
            throw fail(fc, "Gemm or MatMul (the embedding layer) after Flatten")
        }
        let embedding = dict["fc.weight"]!.shape[0]
        if let c = consumers[resolve(out)], c.count == 1, c[0].opType == "BatchNormalization" {
            try batchNorm(c[0], "features")
            out = c[0].outputs[0]
        } else {
            setIdentityBatchNorm("features", channels: embedding, bias: nil)
        }
        if let c = consumers[resolve(out)], let n = c.first {
            throw fail(n, "nothing after the embedding (FaceNAS normalises embeddings itself)")
        }
    }

    private func transposed(_ t: SourceTensor) -> SourceTensor {
        guard t.shape.count == 2 else { return t }
        let (r, c) = (t.shape[0], t.shape[1])
        var v = [Float](repeating: 0, count: r * c)
        for i in 0..<r { for j in 0..<c { v[j * r + i] = t.values[i * c + j] } }
        return SourceTensor(shape: [c, r], values: v)
    }
}
