import Kernels
import Tensor
import Testing

/// The margin heads' kernels against Double references, at widths around the SIMD blocks (16, 32)
/// and the face embedding width 512, with a zero row (the 1e-12 floor).
@Suite struct MarginKernelTests {
    @Test(arguments: [1, 5, 16, 31, 32, 37, 512])
    func normalizeRowsMatchesNaive(cols: Int) {
        var rng = RNG(seed: UInt64(cols))
        let rows = 9
        let x = randomTensor([rows, cols], &rng, lo: -3, hi: 3)
        for j in 0..<cols { x[4 * cols + j] = 0 }
        let g = randomTensor([rows, cols], &rng), start = randomTensor([rows, cols], &rng)
        let u = Tensor(shape: [rows, cols], repeating: .nan), norms = Tensor(shape: [rows], repeating: .nan)
        let dx = Tensor(shape: [rows, cols], repeating: .nan), acc = start.copy()
        normalizeRows(x.data, rows: rows, cols: cols, normalized: u.data, norms: norms.data)
        normalizeRowsBackward(g.data, normalized: u.data, norms: norms.data, rows: rows, cols: cols, accumulate: false, dx: dx.data)
        normalizeRowsBackward(g.data, normalized: u.data, norms: norms.data, rows: rows, cols: cols, accumulate: true, dx: acc.data)
        for r in 0..<rows {
            let xr = Array(doubles(x)[r * cols..<(r + 1) * cols]), gr = Array(doubles(g)[r * cols..<(r + 1) * cols])
            let nx = dot(xr, xr).squareRoot(), f = max(nx, 1e-12)
            let ur = xr.map { $0 / f }
            // Jacobian of x/‖x‖ is (I − u uᵀ)/‖x‖; at x = 0 (below the floor) it is I/1e-12.
            let gu = dot(gr, ur)
            let want = (0..<cols).map { (gr[$0] - (r == 4 ? 0 : gu * ur[$0])) / f }
            let slice = r * cols..<(r + 1) * cols
            #expect(abs(Double(norms[r]) - nx) <= 1e-6 * max(nx, 1))
            #expect(relativeError(Array(doubles(u)[slice]), ur, floor: 1) <= 1e-6, "u row \(r)")
            #expect(relativeError(Array(doubles(dx)[slice]), want, floor: r == 4 ? 1e12 : 1) <= 1e-5, "dx row \(r)")
            let wantAcc = (0..<cols).map { Double(start[r * cols + $0]) + want[$0] }
            #expect(relativeError(Array(doubles(acc)[slice]), wantAcc, floor: r == 4 ? 1e12 : 1) <= 1e-5, "accumulated row \(r)")
        }
    }

    @Test(arguments: [7, 16, 100, 70_001])
    func clampScaleMatchesNaive(count: Int) {
        var rng = RNG(seed: UInt64(count))
        let cos = randomTensor([count], &rng, lo: -1.2, hi: 1.2), dl = randomTensor([count], &rng)
        let z = Tensor(shape: [count], repeating: .nan), d = dl.copy()
        clampScaleForward(cos.data, count: count, lower: -0.999, upper: 0.999, scale: 64, logits: z.data)
        clampScaleBackward(d.data, cos: cos.data, count: count, lower: -0.999, upper: 0.999, scale: 64, dcos: d.data)
        var clamped = 0
        for i in 0..<count {
            let c = cos[i], inside = c >= -0.999 && c <= 0.999
            if !inside { clamped += 1 }
            #expect(z[i] == 64 * min(max(c, -0.999), 0.999))
            #expect(d[i] == (inside ? 64 * dl[i] : 0))
        }
        #expect(count < 100 || clamped > count / 10)
    }
}
