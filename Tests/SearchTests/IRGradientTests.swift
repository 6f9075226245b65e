import TestSupport
import NN
import Search
import Tensor
import Testing

/// Central-difference checks of the IR block in every op × kernel combination, with the stride-2
/// conv shortcut and with the stride-1 identity shortcut, and of a whole small IR network in
/// training mode: every input and parameter element compared, none skipped as a kink.
///
/// PReLU kinks: in training-mode BN a weight step moves a whole normalised channel, so with
/// PReLU inputs spread around 0 many cross it and bias the differences. The BN before each PReLU
/// is therefore set to γ ≈ 0.3 and β = ±2 by channel: its outputs stay at least ~1 away from 0
/// (|z| would need to exceed 3), alternate channels run on the positive and the negative
/// branch, and the slopes (0.1–0.4) and their gradients are the real thing.
@Suite struct IRGradientTests {
    static let combos: [(ConvOp, Int)] = [(.standard, 3), (.standard, 5), (.separable, 3), (.separable, 5)]

    /// Sets PReLU slopes, keeps PReLU inputs off 0 (see the suite comment), moves other BN parameters off 1/0.
    static func perturb(_ layer: Layer, seed: UInt64) {
        var rng = RNG(seed: seed)
        for (name, p) in layer.namedParameters() where p.value.rank == 1 {
            let beforePReLU = name.hasSuffix("branch.bn2.weight") || name.hasSuffix("branch.bn2.bias")
                || name == "stem.bn.weight" || name == "stem.bn.bias"
            for i in 0..<p.value.count {
                let u = rng.uniform(-0.3, 0.3)
                if name.hasSuffix("prelu.weight") { p.value[i] = 0.25 + u / 2 }
                else if beforePReLU { p.value[i] = name.hasSuffix("weight") ? 0.3 + u / 10 : (i % 2 == 0 ? 2 : -2) + u }
                else { p.value[i] += u }
            }
        }
    }

    static func check(_ block: Residual, input: Tensor, seed: UInt64 = 7) {
        perturb(block, seed: seed)
        GradientCheck(h: 1e-2, tolerance: 1e-2).expectExact(block, input: input)
    }

    @Test(arguments: combos)
    func strideTwoWithConvShortcut(op: ConvOp, kernel: Int) {
        var rng = RNG(seed: 21)
        let block = IRTemplate.block(inChannels: 4, outChannels: 6, stride: 2, ops: (op, op), kernels: (kernel, kernel), rng: &rng)
        #expect(block.shortcut != nil)
        Self.check(block, input: randomTensor([2, 4, 8, 8], seed: 23), seed: 22)
    }

    @Test(arguments: combos)
    func strideOneWithIdentityShortcut(op: ConvOp, kernel: Int) {
        var rng = RNG(seed: 31)
        // Mixed within the block too: conv_a takes the other op.
        let other: ConvOp = op == .standard ? .separable : .standard
        let block = IRTemplate.block(inChannels: 6, outChannels: 6, stride: 1, ops: (other, op), kernels: (kernel, kernel), rng: &rng)
        #expect(block.shortcut == nil)
        Self.check(block, input: randomTensor([2, 6, 8, 8], seed: 33), seed: 32)
    }

    /// W = 4, one block per stage, 16×16 input, E = 8, dropout 0, training mode. n = 8: the last
    /// stage and the head are 1×1, so their BNs normalise over n values only, and at n ≤ 4 their
    /// curvature makes central differences (h = 3e-3) inexact (at n = 2 the BN1d maps every pair to ±1).
    @Test func wholeSmallNetwork() {
        let ops: [ConvOp] = [.standard, .separable, .separable, .standard, .standard, .standard, .separable, .separable]
        let a = Architecture(irStages: [1, 1, 1, 1], width: 4, inputSize: 16, embeddingSize: 8, dropout: 0,
                             ops: ops, kernels: [3, 5, 3, 3, 5, 3, 3, 5])
        var rng = RNG(seed: 41)
        let net = IRTemplate.build(a, rng: &rng)
        Self.perturb(net, seed: 42)
        let o = GradientCheck(h: 3e-3, tolerance: 1e-2).expectExact(net, input: randomTensor([8, 3, 16, 16], seed: 43))
        #expect(o.checked == 8 * 3 * 16 * 16 + IRSpace().parameterCount(a))
    }
}
