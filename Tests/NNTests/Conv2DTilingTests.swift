import TestSupport
import NN
import Tensor
import Testing

/// Direct convolution in Double, the definition the tiled GEMMs must reproduce.
private struct NaiveConv {
    let n: Int, cin: Int, cout: Int, h: Int, w: Int, k: Int, s: Int, p: Int
    var oh: Int { (h + 2 * p - k) / s + 1 }
    var ow: Int { (w + 2 * p - k) / s + 1 }

    /// Calls body(image, co, ci, oy, ox, iy, ix, ky, kx) for every tap that lands inside the input.
    func taps(_ body: (Int, Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        for i in 0..<n { for co in 0..<cout { for ci in 0..<cin { for oy in 0..<oh { for ox in 0..<ow {
            for ky in 0..<k { for kx in 0..<k {
                let iy = oy * s - p + ky, ix = ox * s - p + kx
                if iy >= 0 && iy < h && ix >= 0 && ix < w { body(i, co, ci, oy, ox, iy, ix, ky, kx) }
            } }
        } } } } }
    }

    func forward(_ x: Tensor, _ wt: Tensor) -> [Double] {
        var y = [Double](repeating: 0, count: n * cout * oh * ow)
        taps { i, co, ci, oy, ox, iy, ix, ky, kx in
            y[((i * cout + co) * oh + oy) * ow + ox] += Double(wt[((co * cin + ci) * k + ky) * k + kx]) * Double(x[((i * cin + ci) * h + iy) * w + ix])
        }
        return y
    }

    func backward(_ x: Tensor, _ wt: Tensor, _ dy: Tensor) -> (dx: [Double], dw: [Double]) {
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: wt.count)
        taps { i, co, ci, oy, ox, iy, ix, ky, kx in
            let g = Double(dy[((i * cout + co) * oh + oy) * ow + ox])
            let xi = ((i * cin + ci) * h + iy) * w + ix, wi = ((co * cin + ci) * k + ky) * k + kx
            dx[xi] += Double(wt[wi]) * g
            dw[wi] += Double(x[xi]) * g
        }
        return (dx, dw)
    }
}

private func maxRelativeError(_ a: Tensor, _ b: [Double]) -> Double {
    let scale = max(b.map(abs).max() ?? 0, 1e-12)
    return (0..<b.count).map { abs(Double(a[$0]) - b[$0]) }.max()! / scale
}

@Suite struct Conv2DTilingTests {
    /// (kernel, stride, padding, groupColumns, bandColumns): one GEMM per image, bands of one and
    /// of two rows, groups of two and of all images (with a ragged last group), for 3×3, strided
    /// and 1×1 convolutions.
    static let cases: [(Int, Int, Int, Int, Int)] = [
        (3, 1, 1, 1, 1 << 20), (3, 1, 1, 1, 1), (3, 1, 1, 1, 12), (3, 2, 1, 1, 4), (3, 1, 1, 1 << 20, 1 << 20),
        (3, 2, 1, 24, 1 << 20), (1, 1, 0, 1, 6), (1, 1, 0, 90, 1 << 20), (1, 2, 0, 30, 1 << 20), (5, 1, 2, 70, 1 << 20),
    ]

    @Test(arguments: cases)
    func tiledConvolutionMatchesTheDefinition(k: Int, s: Int, p: Int, group: Int, band: Int) {
        let ref = NaiveConv(n: 5, cin: 3, cout: 4, h: 7, w: 6, k: k, s: s, p: p)
        var rng = RNG(seed: 11)
        let conv = Conv2D(3, 4, kernel: k, stride: s, padding: p)
        conv.initialize(.pytorchDefault, rng: &rng)
        conv.tiling.groupColumns = group; conv.tiling.bandColumns = band; conv.tiling.deepK = 1; conv.tiling.skinnyColumns = 1 << 20; conv.tiling.shiftChannels = 1
        let x = randomTensor([5, 3, 7, 6], seed: 4)
        let y = conv.forward(x, training: true)
        #expect(y.shape == [5, 4, ref.oh, ref.ow])
        #expect(maxRelativeError(y, ref.forward(x, conv.weight.value)) < 1e-6)
        let dy = randomTensor(y.shape, seed: 5)
        conv.weight.grad.zero()
        let dx = conv.backward(dy)
        let (rdx, rdw) = ref.backward(x, conv.weight.value, dy)
        #expect(maxRelativeError(dx, rdx) < 1e-6)
        #expect(maxRelativeError(conv.weight.grad, rdw) < 1e-6)
    }

    @Test func plansCoverTheBatch() {
        var policy = ConvTiling.Policy()
        policy.groupColumns = 2048
        // IR-18's last stage (7×7, 3×3 over 512 channels), 32 images, 2 workers: two groups of 16.
        let small = ConvTiling(batch: 32, outHeight: 7, outWidth: 7, depth: 4608, policy: policy, workers: 2)
        #expect(small.groupSize == 16 && small.units == 2 && small.columns == 16 * 49)
        // 25 images: groups of 13 and 12.
        let ragged = ConvTiling(batch: 25, outHeight: 7, outWidth: 7, depth: 4608, policy: policy, workers: 2)
        #expect(ragged.groupSize == 13 && ragged.units == 2)
        // A pointwise conv over 256 channels at 7×7 stays one GEMM per image.
        let shallow = ConvTiling(batch: 128, outHeight: 7, outWidth: 7, depth: 256, policy: policy, workers: 2)
        #expect(shallow.groupSize == 1 && shallow.units == 128 && shallow.bandRows == 7)
        // 112×112 outputs of a 3×3 conv over 64 channels: bands of 8 rows (896 columns, 2 MB of
        // lowered input), one unit per image.
        let large = ConvTiling(batch: 32, outHeight: 112, outWidth: 112, depth: 576, policy: policy, workers: 2)
        #expect(large.groupSize == 1 && large.bandRows == 8 && large.units == 32 && large.columns == 8 * 112)
        // The stem (K = 27) lowers a whole image at once.
        let stem = ConvTiling(batch: 32, outHeight: 112, outWidth: 112, depth: 27, policy: policy, workers: 2)
        #expect(stem.bandRows == 112)
    }

    @Test func gradientCheckPassesWhenTiled() {
        var rng = RNG(seed: 7)
        let conv = Conv2D(3, 4, kernel: 3, stride: 1, padding: 1, bias: true)
        conv.initialize(.pytorchDefault, rng: &rng)
        conv.tiling.deepK = 1; conv.tiling.skinnyColumns = 1 << 20; conv.tiling.shiftChannels = 1
        conv.tiling.groupColumns = 60; conv.tiling.bandColumns = 1 << 20
        GradientCheck().expectPasses(conv, input: randomTensor([3, 3, 5, 4], seed: 3))
        conv.tiling.groupColumns = 1; conv.tiling.bandColumns = 8
        GradientCheck().expectPasses(conv, input: randomTensor([3, 3, 5, 4], seed: 3))
    }

    /// Shifted GEMMs and the im2col lowering agree with the definition on a batch that is cut
    /// into bands over two workers, forward and backward.
    @Test(arguments: [(3, 1 << 20), (3, 40), (5, 64)])
    func shiftedGemmsMatchTheDefinition(k: Int, band: Int) {
        let ref = NaiveConv(n: 4, cin: 6, cout: 5, h: 13, w: 11, k: k, s: 1, p: k / 2)
        let x = randomTensor([4, 6, 13, 11], seed: 21)
        for shifted in [true, false] {
            var rng = RNG(seed: 12)
            let conv = Conv2D(6, 5, kernel: k, stride: 1, padding: k / 2)
            conv.initialize(.pytorchDefault, rng: &rng)
            conv.useShiftedGemms = shifted; conv.tiling.shiftChannels = 1
            conv.tiling.bandColumns = band
            let y = conv.forward(x, training: true)
            #expect(maxRelativeError(y, ref.forward(x, conv.weight.value)) < 1e-6, "forward, shifted \(shifted)")
            let dy = randomTensor(y.shape, seed: 22)
            conv.weight.grad.zero()
            let dx = conv.backward(dy)
            let (rdx, rdw) = ref.backward(x, conv.weight.value, dy)
            #expect(maxRelativeError(dx, rdx) < 1e-6, "dx, shifted \(shifted)")
            #expect(maxRelativeError(conv.weight.grad, rdw) < 1e-6, "dW, shifted \(shifted)")
        }
    }
}
