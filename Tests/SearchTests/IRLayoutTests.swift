import TestSupport
import Foundation
import NN
import Search
import Tensor
import Testing

/// AdaFace's IR layout as architecture fields: the 1×1 max-pool shortcut where a strided block
/// keeps its channels, and the embedding BN without affine parameters.
@Suite struct IRLayoutTests {
    /// Counts of AdaFace's IR (PyTorch `sum(p.numel())` of its Backbone, printed by
    /// Tests/PretrainedTests/Fixtures/iresnet_reference.py): 2E fewer for the embedding BN and
    /// 64·64 + 2·64 fewer for stage 1's first shortcut than insightface's.
    @Test(arguments: [([2, 2, 2, 2], 24_020_352), ([3, 4, 14, 3], 43_585_600), ([3, 13, 30, 3], 65_150_912)])
    func adafaceParameterCounts(stages: [Int], expected: Int) {
        let a = Architecture(irStages: stages, width: 64, dropout: 0.4, shortcut: .pool, embeddingAffine: false)
        #expect(IRSpace().parameterCount(a) == expected)
        #expect(ArchitectureSummary.table(a).hasSuffix("params: \(expected)"))
        var rng = RNG(seed: 1)
        if stages == [2, 2, 2, 2] { #expect(IRTemplate.build(a, rng: &rng).parameterCount == expected) }
    }

    @Test func insightfaceIR100Count() {
        #expect(IRSpace().parameterCount(Architecture(irStages: [3, 13, 30, 3], width: 64)) == 65_156_160)
    }

    @Test func poolShortcutOnlyWhereChannelsAgree() {
        let a = Architecture(irStages: [2, 1, 1, 1], width: 8, inputSize: 32, shortcut: .pool)
        let blocks = IRTemplate.blocks(a)
        #expect(blocks[0].hasPoolShortcut && !blocks[0].hasConvShortcut)
        #expect(!blocks[1].hasPoolShortcut && !blocks[1].hasConvShortcut)
        #expect(blocks[2].hasConvShortcut && !blocks[2].hasPoolShortcut)
        var rng = RNG(seed: 2)
        let net = IRTemplate.build(a, rng: &rng)
        let names = Set(net.namedParameters().map(\.0))
        #expect(!names.contains("stages.0.0.shortcut.conv.weight"))
        #expect(names.contains("stages.1.0.shortcut.conv.weight"))
        #expect(!names.contains("head.features.weight") == false)
    }

    @Test func noAffineEmbeddingKeepsOnlyStatistics() {
        let a = Architecture(irStages: [1, 1, 1, 1], width: 4, inputSize: 16, embeddingSize: 8, embeddingAffine: false)
        var rng = RNG(seed: 3)
        let net = IRTemplate.build(a, rng: &rng)
        #expect(!net.namedParameters().map(\.0).contains { $0.hasPrefix("head.features.") })
        #expect(Set(net.namedState().map(\.0).filter { $0.hasPrefix("head.features.") })
                == ["head.features.running_mean", "head.features.running_var", "head.features.num_batches_tracked"])
    }

    @Test func jsonRoundTripAndDefaults() throws {
        let a = Architecture(irStages: [2, 2, 2, 2], width: 16, dropout: 0.4, shortcut: .pool, embeddingAffine: false)
        let json = try a.jsonString()
        #expect(json.contains("\"shortcut\" : \"pool\"") && json.contains("\"embedding_affine\" : false"))
        #expect(try Architecture.decode(Data(json.utf8), source: "a.json") == a)
        // insightface's layout writes neither field, so older files keep their bytes.
        let plainJSON = try Architecture(irStages: [2, 2, 2, 2], width: 16).jsonString()
        #expect(!plainJSON.contains("shortcut") && !plainJSON.contains("embedding_affine"))
        let bad = json.replacingOccurrences(of: "\"pool\"", with: "\"maxpool\"")
        #expect(throws: ArchitectureError.self) { try Architecture.decode(Data(bad.utf8), source: "b.json") }
        do { _ = try Architecture.decode(Data(bad.utf8), source: "b.json") } catch {
            #expect("\(error)" == "b.json: shortcut \"maxpool\" (expected conv or pool)")
        }
    }

    /// The pool-shortcut block, stride 2, channels kept: every input and parameter gradient exact.
    @Test func poolShortcutBlockGradient() {
        var rng = RNG(seed: 51)
        let block = IRTemplate.block(inChannels: 4, outChannels: 4, stride: 2, ops: (.standard, .standard), kernels: (3, 3),
                                     shortcut: .pool, rng: &rng)
        #expect(block.shortcut is Subsample)
        IRGradientTests.check(block, input: randomTensor([2, 4, 7, 7], seed: 52))
    }

    /// A whole small AdaFace-layout network. In evaluation mode every element is exact. In training
    /// mode the batch statistics couple all 8 images, and with the max-pool shortcut carrying the
    /// stem's PReLU output unnormalised to the sums, a few central differences at h = 3e-3 land
    /// between 1% and 3% of the analytic value (the same network passes exactly in evaluation
    /// mode, and the pool block alone passes exactly in training mode above), so that check allows 3%.
    @Test(arguments: [(IRShortcut.pool, false), (.pool, true)])
    func wholeSmallAdaFaceNetwork(shortcut: IRShortcut, affine: Bool) {
        let a = Architecture(irStages: [1, 1, 1, 1], width: 4, inputSize: 16, embeddingSize: 8, dropout: 0,
                             shortcut: shortcut, embeddingAffine: affine)
        var rng = RNG(seed: 61)
        let net = IRTemplate.build(a, rng: &rng)
        IRGradientTests.perturb(net, seed: 62)
        let x = randomTensor([8, 3, 16, 16], seed: 63)
        let eval = GradientCheck(h: 3e-3, tolerance: 1e-2, training: false).expectExact(net, input: x)
        #expect(eval.checked == 8 * 3 * 16 * 16 + IRSpace().parameterCount(a))
        let train = GradientCheck(h: 3e-3, tolerance: 3e-2).run(net, input: x)
        #expect(train.failures.isEmpty, "\(train.failures.prefix(5))")
        #expect(train.kinks * 100 <= train.checked, "\(train.kinks) kinks of \(train.checked)")
    }
}
