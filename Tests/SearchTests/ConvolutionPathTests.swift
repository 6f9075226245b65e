import NN
import Search
import Tensor
import Testing
import TestSupport

/// The three ways a stride-1 same convolution can run (shifted GEMMs over a padded copy, one GEMM
/// over the im2col lowering, or Winograd F(2×2, 3×3)) give the same IR network, forward and backward. They sum in different
/// orders, so activations differ by rounding; with PReLU's kink an activation within rounding
/// of 0 can take the other slope and move its gradient by a finite step (measured: conv weight
/// gradients then differ by ~2e-4 in norm, 1.6e-6 with every slope at 1). So gradients are
/// compared with the kink removed, and the forward with it in place.
@Suite struct ConvolutionPathTests {
    private func relative(_ a: [Float], _ b: [Float]) -> Double {
        var d = 0.0, n = 0.0
        for i in a.indices { let e = Double(a[i] - b[i]); d += e * e; n += Double(a[i]) * Double(a[i]) }
        return (d / max(n, 1e-300)).squareRoot()
    }

    @Test func shiftedLoweredAndWinogradIRNetworksAgree() {
        // Width 16 at 64×64: stage 1 (32×32, 16→32 channels) is cut into bands, stage 4 (4×4,
        // 3×3 over 128 channels) groups images side by side.
        let a = Architecture(irStages: [2, 1, 1, 2], width: 16, inputSize: 64)
        var outputs: [[Float]] = [], gradients: [[Float]] = []
        // im2col, shifted GEMMs, Winograd F(2×2, 3×3) (bands of 4 tile rows at 32×32, images
        // side by side at 4×4).
        for (shifted, winograd) in [(false, false), (true, false), (true, true)] {
            var rng = RNG(seed: 3)
            let net = IRTemplate.build(a, rng: &rng)
            let convs = net.layers(of: Conv2D.self)
            for c in convs {
                c.useShiftedGemms = shifted; c.tiling.bandColumns = 256
                c.winogradPasses = winograd ? .all : []; c.tiling.winogradTiles = 64
            }
            let x = randomTensor([6, 3, 64, 64], seed: 4)
            outputs.append(net.forward(x, training: true).array)
            for p in net.layers(of: PReLU.self) { p.alpha.value.fill(1) }
            let y = net.forward(x, training: true)
            net.zeroGradients()
            _ = net.backward(randomTensor(y.shape, seed: 5))
            gradients.append(convs.flatMap { $0.weight.grad.array })
        }
        for path in 1..<3 {
            #expect(relative(outputs[0], outputs[path]) < 1e-5, "path \(path)")
            #expect(relative(gradients[0], gradients[path]) < 1e-5, "path \(path)")
        }
    }
}
