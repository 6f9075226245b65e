import Export
import Metrics
import Foundation
import NN
import Search
import Tensor
import TestSupport
import Testing

/// The ONNX exporter below the command line: the protobuf bytes against encodings worked out by
/// hand from the wire-format rules, batch-norm folding against the unfolded layers, and the graph
/// an IR and a plain network become. ONNX Runtime itself runs the exported files in CLITests.
@Suite struct ONNXExportTests {
    // MARK: Wire format

    @Test func varintsFloatsAndLengthDelimitedFieldsHaveTheirWireBytes() {
        var w = ProtobufWriter()
        w.int(1, 300)                 // key 1<<3|0 = 0x08; 300 = 0b10_0101100 → ac 02
        #expect(w.bytes == [0x08, 0xac, 0x02])

        w = ProtobufWriter()
        w.int(2, -1)                  // int64 −1: ten bytes, two's complement, not zigzag
        #expect(w.bytes == [0x10] + [UInt8](repeating: 0xff, count: 9) + [0x01])

        w = ProtobufWriter()
        w.float(2, 1)                 // key 2<<3|5 = 0x15, then 1.0f little-endian 00 00 80 3f
        #expect(w.bytes == [0x15, 0x00, 0x00, 0x80, 0x3f])

        w = ProtobufWriter()
        w.string(4, "Conv")           // key 4<<3|2 = 0x22, length 4
        #expect(w.bytes == [0x22, 0x04] + Array("Conv".utf8))

        w = ProtobufWriter()
        w.packedInts(8, [3, 270])     // 270 = 0b10_0001110 → 8e 02; payload 3 bytes
        #expect(w.bytes == [0x42, 0x03, 0x03, 0x8e, 0x02])

        w = ProtobufWriter()
        w.message(20) { $0.int(1, 150) }   // key 20<<3|2 = 162 → a2 01; inner 08 96 01
        #expect(w.bytes == [0xa2, 0x01, 0x03, 0x08, 0x96, 0x01])
    }

    @Test func aTensorIsDimsTypeNameAndLittleEndianRawData() {
        var w = ProtobufWriter()
        w.message(5) { ONNXTensor(name: "w", dims: [2], values: [1, -2]).encode(into: &$0) }
        let expected: [UInt8] = [0x2a, 0x12,                       // initializer (5), 18 bytes
                                 0x0a, 0x01, 0x02,                 // dims packed [2]
                                 0x10, 0x01,                       // data_type FLOAT
                                 0x42, 0x01, 0x77,                 // name "w"
                                 0x4a, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]   // raw_data 1, −2
        #expect(w.bytes == expected)
    }

    @Test func irVersionsFollowTheOpsetReleases() {
        #expect(ONNXExport.irVersion(forOpset: 11) == 6)
        #expect(ONNXExport.irVersion(forOpset: 13) == 7)
        #expect(ONNXExport.irVersion(forOpset: 17) == 8)
        #expect(ONNXExport.irVersion(forOpset: 19) == 9)
        #expect(ONNXExport.irVersion(forOpset: 21) == 10)
    }

    // MARK: Folding

    static func random(_ t: Tensor, _ rng: inout RNG) { for i in 0..<t.count { t[i] = rng.uniform() * 2 - 1 } }

    /// Largest |a − b| over the largest |b|.
    static func relativeDifference(_ a: Tensor, _ b: Tensor) -> Float {
        var diff: Float = 0, scale: Float = 0
        for i in 0..<b.count { diff = max(diff, abs(a[i] - b[i])); scale = max(scale, abs(b[i])) }
        return diff / scale
    }

    @Test func aFoldedConvolutionEqualsConvolutionThenBatchNorm() {
        var rng = RNG(seed: 11)
        for (kernel, stride, bias) in [(3, 1, false), (5, 2, true), (1, 1, false)] {
            let conv = Conv2D(6, 10, kernel: kernel, stride: stride, bias: bias), bn = BatchNorm(channels: 10)
            conv.initialize(.pytorchDefault, rng: &rng)
            randomizeInferenceState(bn, rng: &rng)
            let x = Tensor(zeros: [2, 6, 9, 9])
            Self.random(x, &rng)
            let reference = bn.forward(conv.forward(x, training: false), training: false).copy()

            var w = conv.weight.value.array, b = conv.bias?.value.array
            BatchNormFolding.fold(bn, weights: &w, bias: &b)
            let folded = Conv2D(6, 10, kernel: kernel, stride: stride, bias: true)
            folded.weight.value.data.update(from: w, count: w.count)
            folded.bias!.value.data.update(from: b!, count: 10)
            #expect(Self.relativeDifference(folded.forward(x, training: false), reference) < 1e-5, "k \(kernel) s \(stride)")
        }
    }

    @Test func aFoldedDepthwiseConvolutionAndLinearEqualTheirPairs() {
        var rng = RNG(seed: 12)
        let dw = DepthwiseConv2D(channels: 5, kernel: 5, stride: 2), bn = BatchNorm(channels: 5)
        dw.initialize(.pytorchDefault, rng: &rng)
        randomizeInferenceState(bn, rng: &rng)
        let x = Tensor(zeros: [3, 5, 11, 11])
        Self.random(x, &rng)
        let reference = bn.forward(dw.forward(x, training: false), training: false).copy()
        var w = dw.weight.value.array, b: [Float]? = nil
        BatchNormFolding.fold(bn, weights: &w, bias: &b)
        dw.weight.value.data.update(from: w, count: w.count)
        let y = dw.forward(x, training: false)
        for c in 0..<5 { for i in 0..<36 { for n in 0..<3 { y[(n * 5 + c) * 36 + i] += b![c] } } }
        #expect(Self.relativeDifference(y, reference) < 1e-5)

        let fc = Linear(12, 7), bn1 = BatchNorm(channels: 7)
        fc.initialize(.pytorchDefault, rng: &rng)
        randomizeInferenceState(bn1, rng: &rng)
        let v = Tensor(zeros: [4, 12])
        Self.random(v, &rng)
        let ref1 = bn1.forward(fc.forward(v, training: false), training: false).copy()
        var fw = fc.weight.value.array, fb = fc.bias.map { $0.value.array }
        BatchNormFolding.fold(bn1, weights: &fw, bias: &fb)
        fc.weight.value.data.update(from: fw, count: fw.count)
        fc.bias!.value.data.update(from: fb!, count: 7)
        #expect(Self.relativeDifference(fc.forward(v, training: false), ref1) < 1e-5)
    }

    // MARK: Graphs

    static func irArchitecture() -> Architecture {
        Architecture(irStages: [1, 2, 1, 1], width: 8, inputSize: 32, embeddingSize: 16, dropout: 0.2,
                     ops: [.standard, .separable, .separable, .standard, .standard, .separable, .separable, .standard, .standard, .separable],
                     kernels: [3, 5, 5, 3, 3, 3, 5, 5, 3, 5])
    }

    static func build(_ net: Layer, _ a: Architecture, output: String = "embedding", opset: Int = 17, batch: Int? = nil) throws -> (ONNXModel, ONNXExport.Summary) {
        let recipe = ONNXExport.InputRecipe(channelOrder: "RGB", mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
        return try ONNXExport.build(net, inputShape: [a.inChannels, a.inputSize, a.inputSize], outputName: output,
                                    options: .init(opset: opset, batch: batch), metadata: [], doc: "", recipe: recipe)
    }

    /// Only the BNs before a padded conv (bn1 of each block) and the head's BN stay nodes; every
    /// other BN is folded; dropout leaves nothing; names are the checkpoint paths.
    @Test func anIRNetworkBecomesConvPReluAddGemmWithUnfoldableBatchNormsLeft() throws {
        let a = Self.irArchitecture()
        var rng = RNG(seed: 1)
        let net = NetworkBuilder.build(a, rng: &rng)
        let (model, s) = try Self.build(net, a)
        let g = model.graph
        let count = { (op: String) in g.nodes.filter { $0.opType == op }.count }
        let convs = IRTemplate.convs(a).reduce(0) { $0 + ($1.op == .separable ? 2 : 1) } + 1 + 4   // + stem + 4 shortcuts
        #expect(count("Conv") == convs)
        #expect(count("BatchNormalization") == a.depth + 1)
        #expect(g.nodes.filter { $0.opType == "BatchNormalization" }.map(\.name).last == "head.bn")
        #expect(count("PRelu") == a.depth + 1 && count("Add") == a.depth && count("Gemm") == 1 && count("Flatten") == 1)
        #expect(g.nodes.count == convs + 3 * a.depth + 4)   // + BNs, PRelus, Adds, Flatten, Gemm
        #expect(s.foldedBatchNorms == 1 + 3 * a.depth - a.depth + 4 + 1)   // stem, bn2 + bn3 per block, shortcuts, features
        #expect(g.nodes.first?.name == "stem.conv" && g.nodes.first?.inputs == ["input", "stem.conv.weight", "stem.conv.bias"])
        #expect(g.nodes.last?.outputs == ["embedding"] && g.nodes.last?.name == "head.fc")
        #expect(g.outputs.first?.shape == [.named("N"), .fixed(16)])
        #expect(g.inputs.first?.shape == [.named("N"), .fixed(3), .fixed(32), .fixed(32)])
        // Every node input is the graph input, an initializer or an earlier node's output.
        var known = Set(["input"] + g.initializers.map(\.name))
        for n in g.nodes {
            for i in n.inputs { #expect(known.contains(i), "\(n.name) reads \(i) before it exists") }
            known.formUnion(n.outputs)
        }
        #expect(s.parameters == g.initializers.reduce(0) { $0 + $1.values.count })

        let fixed = try Self.build(net, a, opset: 13, batch: 7).0
        #expect(fixed.graph.inputs.first?.shape.first == .fixed(7) && fixed.irVersion == 7 && fixed.opsetVersion == 13)
    }

    @Test func aPlainNetworkFoldsEveryBatchNorm() throws {
        let a = Architecture(inChannels: 1, classes: 10, inputSize: 28, depth: 6, width: 4,
                             ops: [.standard, .separable, .standard, .separable, .standard, .separable], kernels: [3, 5, 7, 3, 5, 7])
        var rng = RNG(seed: 2)
        let net = NetworkBuilder.build(a, rng: &rng)
        let (model, s) = try Self.build(net, a, output: "logits")
        let ops = model.graph.nodes.map(\.opType)
        #expect(!ops.contains("BatchNormalization") && s.foldedBatchNorms == a.depth + 1)
        #expect(ops.filter { $0 == "Relu" }.count == a.depth)
        #expect(Array(ops.suffix(3)) == ["GlobalAveragePool", "Flatten", "Gemm"])
        #expect(model.graph.outputs.first?.shape == [.named("N"), .fixed(10)])
    }

    final class Mystery: Layer {
        var summary: String { "mystery" }
        func forward(_ x: Tensor, training: Bool) -> Tensor { x }
        func backward(_ dy: Tensor) -> Tensor { dy }
    }

    @Test func whatTheExporterCannotExpressIsAnErrorNamingTheLayer() throws {
        let a = Self.irArchitecture()
        var rng = RNG(seed: 3)
        let net = NetworkBuilder.build(a, rng: &rng)
        (net.layers[2] as! Sequential).append(Mystery(), name: "extra")
        #expect { try Self.build(net, a) } throws: { "\($0)".contains("layer head.extra (mystery, Mystery) has no ONNX form") }

        let clean = NetworkBuilder.build(a, rng: &rng)
        let conv = try #require(clean.namedParameters().first { $0.0 == "stages.1.0.branch.conv_b.weight" }?.1)
        conv.value[5] = .nan
        #expect { try Self.build(clean, a) } throws: { "\($0)".contains("tensor stages.1.0.branch.conv_b.weight holds a non-finite value") }

        #expect { try Self.build(NetworkBuilder.build(a, rng: &rng), a, opset: 9) } throws: { "\($0)".contains("opset 9 is not supported") }
    }
}
