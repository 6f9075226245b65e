import Foundation
import NN
import Search
import Tensor
import Testing

@Suite struct IRTemplateTests {
    /// insightface's iresnet counts at width 64, 112×112, E = 512, all standard 3×3.
    @Test(arguments: [([2, 2, 2, 2], 24_025_600), ([3, 4, 6, 3], 34_139_328), ([3, 4, 14, 3], 43_590_848)])
    func insightfaceParameterCounts(stages: [Int], expected: Int) {
        let a = Architecture(irStages: stages, width: 64)
        #expect(IRSpace().parameterCount(a) == expected)
        #expect(ArchitectureSummary.parameterCount(a) == expected)
        #expect(ArchitectureSummary.table(a).hasSuffix("params: \(expected)"))
    }

    /// IR-18 built for real: the counters agree with the layers, and the MACs are 2.61 G.
    @Test func ir18BuiltNetworkMatchesCounters() {
        let a = Architecture(irStages: [2, 2, 2, 2], width: 64)
        var rng = RNG(seed: 1)
        let net = IRTemplate.build(a, rng: &rng)
        #expect(net.parameterCount == 24_025_600)
        #expect(IRSpace().macs(a) == 2_609_954_816)
        #expect(net.macs([3, 112, 112]) == IRSpace().macs(a))
        #expect(net.outputShape([2, 3, 112, 112]) == [2, 512])
        #expect(IRTemplate.flattenedFeatures(a) == 512 * 7 * 7)
    }

    /// Mixed ops and kernels, odd widths, other input sizes and embedding widths: the analytic
    /// counts equal the built network's, and a real forward gives [n, E].
    @Test(arguments: [([1, 1, 1, 1], 5, 32, 7, 3), ([2, 1, 3, 1], 6, 48, 10, 11), ([1, 2, 1, 2], 3, 16, 4, 5)])
    func builtNetworkMatchesCounters(stages: [Int], width: Int, size: Int, embedding: Int, seed: UInt64) {
        var rng = RNG(seed: seed)
        let n = 2 * stages.reduce(0, +)
        let ops = (0..<n).map { _ in rng.int(2) == 0 ? ConvOp.separable : .standard }
        let ks = (0..<n).map { _ in rng.int(2) == 0 ? 3 : 5 }
        let a = Architecture(irStages: stages, width: width, inputSize: size, embeddingSize: embedding, dropout: 0.2, ops: ops, kernels: ks)
        #expect(throws: Never.self) { try a.validate() }
        let net = IRTemplate.build(a, rng: &rng)
        #expect(net.parameterCount == IRSpace().parameterCount(a))
        #expect(net.macs([3, size, size]) == IRSpace().macs(a))
        #expect(ArchitectureSummary.macs(a) == IRSpace().macs(a))
        let x = Tensor(zeros: [3, 3, size, size])
        for i in 0..<x.count { x[i] = rng.normal() }
        let y = net.forward(x, training: true)
        #expect(y.shape == [3, embedding])
        #expect(y.array.allSatisfy { $0.isFinite })
        // One table row per searchable conv, plus stem, 4 conv shortcuts and the embedding.
        #expect(ArchitectureSummary.rows(a).count == n + 6)
    }

    /// Checkpoint names, the insightface shortcut layout, and which parameters decay or train.
    @Test func namesShortcutsAndOptimiserFlags() {
        var ops = Array(repeating: ConvOp.standard, count: 16)
        ops[7] = .separable   // block 3 = stage 1 block 1, conv_b
        let a = Architecture(irStages: [2, 2, 2, 2], width: 4, inputSize: 32, embeddingSize: 8, ops: ops)
        var rng = RNG(seed: 2)
        let net = IRTemplate.build(a, rng: &rng)
        let params = Dictionary(uniqueKeysWithValues: net.namedParameters())
        for name in ["stem.conv.weight", "stem.bn.weight", "stem.prelu.weight", "stages.0.0.branch.bn1.weight",
                     "stages.0.0.branch.conv_a.weight", "stages.0.0.branch.prelu.weight", "stages.0.0.branch.conv_b.weight",
                     "stages.0.0.branch.bn3.bias", "stages.0.0.shortcut.conv.weight", "stages.0.0.shortcut.bn.weight",
                     "stages.1.1.branch.conv_b.dw.weight", "stages.1.1.branch.conv_b.pw.weight", "stages.3.0.shortcut.conv.weight",
                     "head.bn.weight", "head.fc.weight", "head.fc.bias", "head.features.weight", "head.features.bias"] {
            #expect(params[name] != nil, "missing \(name)")
        }
        // First block of every stage (stage 0 included) has the conv shortcut, the others none.
        let shortcuts = params.keys.filter { $0.hasSuffix("shortcut.conv.weight") }.sorted()
        #expect(shortcuts == (0..<4).map { "stages.\($0).0.shortcut.conv.weight" })
        #expect(params["stages.0.0.shortcut.conv.weight"]!.value.shape == [4, 4, 1, 1])
        #expect(params["stages.3.0.branch.conv_b.weight"]!.value.shape == [32, 32, 3, 3])
        #expect(params["head.fc.weight"]!.value.shape == [8, 32 * 2 * 2])
        // AdaFace's split: decay on everything but batch norm (PReLU slopes and the linear bias
        // included); the embedding BN's γ is held.
        for (name, p) in params {
            let isBatchNorm = ["bn", "bn1", "bn2", "bn3", "features"].contains(name.split(separator: ".").dropLast().last.map(String.init) ?? "")
            #expect(p.decays == !isBatchNorm, "\(name) decays \(p.decays)")
            #expect(p.trainable == (name != "head.features.weight"), "\(name)")
        }
        // Strides: 32 → 16 → 8 → 4 → 2.
        #expect(IRTemplate.blocks(a).map(\.outputSize) == [16, 16, 8, 8, 4, 4, 2, 2])
        #expect(IRTemplate.convs(a).filter { $0.stride == 2 }.map(\.index) == [1, 5, 9, 13])
    }

    /// AdaFace's initialisation: Kaiming-normal fan-out, BN 1/0, PReLU 0.25, linear bias 0.
    @Test func initialisation() {
        let a = Architecture(irStages: [1, 1, 1, 1], width: 32, inputSize: 16, embeddingSize: 64)
        var rng = RNG(seed: 3)
        let params = Dictionary(uniqueKeysWithValues: IRTemplate.build(a, rng: &rng).namedParameters())
        func std(_ t: Tensor) -> Double { (t.array.reduce(0.0) { $0 + Double($1 * $1) } / Double(t.count)).squareRoot() }
        let w = params["stages.3.0.branch.conv_b.weight"]!.value   // [256, 256, 3, 3], fan-out 256·9
        #expect(abs(std(w) / (2.0 / (256 * 9)).squareRoot() - 1) < 0.01)
        let fc = params["head.fc.weight"]!.value                     // [64, 256], fan-out 64
        #expect(abs(std(fc) / (2.0 / 64).squareRoot() - 1) < 0.02)
        #expect(params["head.fc.bias"]!.value.array.allSatisfy { $0 == 0 })
        #expect(params["stages.1.0.branch.prelu.weight"]!.value.array.allSatisfy { $0 == 0.25 })
        #expect(params["head.features.weight"]!.value.array.allSatisfy { $0 == 1 })
        #expect(params["stages.2.0.branch.bn2.bias"]!.value.array.allSatisfy { $0 == 0 })
    }

    /// A checkpoint of an IR net (weights, BN statistics) loads into a freshly built one and
    /// gives the same embeddings; the dispatcher builds the same network as the template.
    @Test func checkpointRoundTripThroughNetworkBuilder() throws {
        let a = Architecture(irStages: [1, 1, 2, 1], width: 4, inputSize: 16, embeddingSize: 8,
                             ops: (0..<10).map { $0 % 2 == 0 ? .separable : .standard })
        var rng = RNG(seed: 5)
        let net = NetworkBuilder.build(a, rng: &rng)
        let x = Tensor(zeros: [3, 3, 16, 16])
        for i in 0..<x.count { x[i] = rng.normal() }
        _ = net.forward(x, training: true)   // moves the running statistics
        let y = net.forward(x, training: false).array
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ir-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(net, optimizerState: false, metadata: ["architecture": try a.jsonString()], to: path)
        var other = RNG(seed: 99)
        let fresh = NetworkBuilder.build(try Architecture.decode(Data(try Checkpoint.metadata(path)["architecture"]!.utf8), source: path), rng: &other)
        #expect(fresh.forward(x, training: false).array != y)
        _ = try Checkpoint.load(path, into: fresh, optimizerState: false)
        #expect(fresh.forward(x, training: false).array == y)
    }
}
