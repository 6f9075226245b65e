import TestSupport
import Kernels
import NN
import Tensor
import Testing

/// PyTorch's MaxPool2d(1, s) as FaceNAS's `Subsample`: forward against a naive loop on odd and
/// even sides, and its gradient checked element by element.
@Suite struct SubsampleTests {
    @Test(arguments: [(1, 5, 5), (2, 7, 7), (2, 8, 6), (3, 10, 4)])
    func forwardMatchesNaive(stride: Int, h: Int, w: Int) {
        let x = randomTensor([2, 3, h, w], seed: UInt64(h * w))
        let y = Subsample(stride: stride).forward(x, training: true)
        let oh = (h - 1) / stride + 1, ow = (w - 1) / stride + 1
        #expect(y.shape == [2, 3, oh, ow])
        var worst: Float = 0
        for p in 0..<6 { for i in 0..<oh { for j in 0..<ow {
            worst = max(worst, abs(y.data[(p * oh + i) * ow + j] - x.data[(p * h + i * stride) * w + j * stride]))
        } } }
        #expect(worst == 0)
    }

    @Test func gradientCheck() {
        GradientCheck().expectExact(Subsample(stride: 2), input: randomTensor([2, 3, 7, 6], seed: 9))
    }

    /// `affine: false` has no parameters, keeps γ = 1 and β = 0, and normalises as PyTorch's affine=False.
    @Test func batchNormWithoutAffine() {
        let bn = BatchNorm(channels: 3, affine: false)
        #expect(bn.parameters.isEmpty)
        #expect(bn.state.map(\.name) == ["running_mean", "running_var", "num_batches_tracked"])
        let x = randomTensor([4, 3], seed: 5)
        let y = bn.forward(x, training: true)
        for c in 0..<3 {
            let col = (0..<4).map { Double(y.data[$0 * 3 + c]) }
            #expect(abs(col.reduce(0, +)) < 1e-5)
        }
        GradientCheck(h: 1e-2, tolerance: 2e-2).expectExact(BatchNorm(channels: 3, affine: false), input: randomTensor([6, 3], seed: 6))
    }
}
