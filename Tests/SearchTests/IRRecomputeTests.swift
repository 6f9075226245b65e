import NN
import Search
import Tensor
import Testing
import TestSupport

/// Batch-norm outputs handed over through the workspace's transient buffer and recomputed in
/// backward give the very same numbers as kept outputs: forward, every parameter gradient and the
/// input gradient, bit for bit, in training and with frozen batch norms.
@Suite struct IRRecomputeTests {
    private func run(_ a: Architecture, recomputing: Bool, frozen: Bool) -> (out: [Float], grads: [Float], dx: [Float]) {
        var rng = RNG(seed: 7)
        let net = IRTemplate.build(a, rng: &rng, recomputing: recomputing)
        for bn in net.layers(of: BatchNorm.self) {
            bn.frozen = frozen
            // Non-trivial γ, β and running statistics, so a recomputation that used other values shows.
            for c in 0..<bn.channels {
                bn.gamma.value[c] = 0.5 + 0.1 * Float(c % 7); bn.beta.value[c] = 0.05 * Float(c % 5) - 0.1
                bn.runningMean[c] = 0.02 * Float(c % 3); bn.runningVariance[c] = 0.8 + 0.05 * Float(c % 4)
            }
        }
        let x = randomTensor([4, 3, 32, 32], seed: 8)
        let y = net.forward(x, training: true)
        let out = y.array
        net.zeroGradients()
        let dx = net.backward(randomTensor(y.shape, seed: 9))
        return (out, net.allParameters.flatMap { $0.grad.array }, dx.array)
    }

    @Test(arguments: [false, true]) func recomputedOutputsAreBitIdentical(frozen: Bool) {
        let ops: [ConvOp] = [.standard, .standard, .separable, .standard, .standard, .separable, .standard, .standard]
        let a = Architecture(irStages: [1, 1, 1, 1], width: 8, inputSize: 32, embeddingSize: 16, ops: ops,
                             kernels: [3, 3, 3, 3, 3, 3, 3, 3])
        let kept = run(a, recomputing: false, frozen: frozen), recomputed = run(a, recomputing: true, frozen: frozen)
        #expect(kept.out == recomputed.out)
        #expect(kept.grads == recomputed.grads)
        #expect(kept.dx == recomputed.dx)
        #expect(kept.grads.contains { $0 != 0 })
    }

    /// The recomputing network keeps no batch-norm output of its own for those layers: they all
    /// share the workspace's transient buffer (which is what lowers the peak memory).
    @Test func recomputingBatchNormsWriteTheSharedTransient() {
        var rng = RNG(seed: 1)
        let ws = Workspace()
        let net = IRTemplate.build(Architecture(irStages: [1, 1, 1, 1], width: 8, inputSize: 32, embeddingSize: 16),
                                   rng: &rng, workspace: ws)
        let handed = net.layers(of: BatchNorm.self).filter { $0.transientOutput != nil }
        // The stem's BN and, per block, the BN before conv_a and the BN before the PReLU.
        #expect(handed.count == 1 + 2 * 4)
        let x = randomTensor([2, 3, 32, 32], seed: 2)
        _ = net.forward(x, training: true)
        #expect(handed.allSatisfy { $0.transientOutput === ws })
    }
}
