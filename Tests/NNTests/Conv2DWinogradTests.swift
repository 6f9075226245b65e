import TestSupport
import NN
import Tensor
import Testing

/// Conv2D through Winograd F(2×2, 3×3) against the same layer through im2col (no shifted GEMMs,
/// no Winograd), forward and both gradients, for every subset of Winograd passes (so the split
/// between the Winograd and the GEMM backward is covered too); and a finite-difference check.
@Suite struct Conv2DWinogradTests {
    struct Case: Sendable, CustomStringConvertible {
        let n: Int, cin: Int, cout: Int, h: Int, w: Int, tiles: Int, bias: Bool
        var description: String { "n\(n) \(cin)->\(cout) \(h)x\(w) tiles \(tiles)\(bias ? " bias" : "")" }
    }

    static let cases: [Case] = [
        Case(n: 3, cin: 16, cout: 20, h: 7, w: 7, tiles: 512, bias: false),   // all 3 images in one unit
        Case(n: 5, cin: 24, cout: 16, h: 7, w: 7, tiles: 40, bias: true),     // groups of 2 (ragged last)
        Case(n: 2, cin: 17, cout: 16, h: 14, w: 14, tiles: 8, bias: false),   // bands of 1 tile row
        Case(n: 1, cin: 16, cout: 19, h: 9, w: 10, tiles: 15, bias: true),    // odd height, bands of 3
    ]

    static let passes: [WinogradPasses] = [.all, .forward, .inputGradient, .weightGradient, [.inputGradient, .weightGradient]]

    private func relative(_ a: Tensor, _ b: Tensor) -> Double {
        var err = 0.0, scale = 1e-30
        for i in 0..<a.count { err = max(err, abs(Double(a[i]) - Double(b[i]))); scale = max(scale, abs(Double(b[i]))) }
        return err / scale
    }

    private func run(_ c: Case, passes: WinogradPasses) -> (y: Tensor, dx: Tensor, dw: Tensor, db: Tensor?) {
        var rng = RNG(seed: 7)
        let conv = Conv2D(c.cin, c.cout, kernel: 3, bias: c.bias)
        conv.initialize(.pytorchDefault, rng: &rng)
        conv.winogradPasses = passes
        conv.useShiftedGemms = !passes.isEmpty
        conv.tiling.winogradTiles = c.tiles
        let x = randomTensor([c.n, c.cin, c.h, c.w], seed: 8)
        let y = conv.forward(x, training: true).copy()
        conv.zeroGradients()
        let dx = conv.backward(randomTensor(y.shape, seed: 9)).copy()
        return (y, dx, conv.weight.grad.copy(), conv.bias?.grad.copy())
    }

    @Test(arguments: cases, passes)
    func winogradMatchesIm2col(_ c: Case, _ passes: WinogradPasses) {
        let a = run(c, passes: passes), b = run(c, passes: [])
        // Both paths round differently (measured ≤ 5e-7 each against a Double reference).
        #expect(relative(a.y, b.y) < 2e-6, "forward \(c)")
        #expect(relative(a.dx, b.dx) < 2e-6, "dx \(c)")
        #expect(relative(a.dw, b.dw) < 2e-6, "dW \(c)")
        if let da = a.db, let db = b.db { #expect(relative(da, db) < 1e-6, "bias \(c)") }
        if passes.contains(.forward) { #expect(a.y.array != b.y.array, "the Winograd path did not run") }
    }

    @Test func finiteDifferencesThroughWinograd() {
        var rng = RNG(seed: 12)
        let conv = Conv2D(16, 16, kernel: 3, bias: true)
        conv.initialize(.pytorchDefault, rng: &rng)
        conv.winogradPasses = .all
        conv.tiling.winogradTiles = 6     // bands of 2 tile rows over a 5×7 image (4 columns of tiles)
        GradientCheck().expectExact(conv, input: randomTensor([2, 16, 5, 7], seed: 13))
    }
}
