import Testing
import Tensor
import Kernels

/// A stride-1 pad-1 3×3 convolution case: images, in/out channels, height, width, and how many
/// tile rows a band takes (the kernels are called band by band, image by image or all at once).
struct WinogradCase: Sendable, CustomStringConvertible {
    let n: Int, cin: Int, cout: Int, h: Int, w: Int, bandRows: Int
    var description: String { "n\(n) \(cin)->\(cout) \(h)x\(w) band \(bandRows)" }
    var seed: UInt64 { UInt64(n * 1_000_003 + cin * 10_007 + cout * 1009 + h * 101 + w * 13 + bandRows) }
    var tileRows: Int { (h + 1) / 2 }
    var tileColumns: Int { (w + 1) / 2 }
}

private let cases: [WinogradCase] = [
    WinogradCase(n: 1, cin: 3, cout: 5, h: 7, w: 7, bandRows: 4),      // odd size: last tile half outside
    WinogradCase(n: 3, cin: 10, cout: 6, h: 7, w: 7, bandRows: 4),     // 3 images side by side
    WinogradCase(n: 3, cin: 9, cout: 11, h: 14, w: 14, bandRows: 7),
    WinogradCase(n: 1, cin: 12, cout: 13, h: 14, w: 14, bandRows: 3),  // bands of 3 tile rows (7 = 3 + 3 + 1)
    WinogradCase(n: 2, cin: 5, cout: 7, h: 9, w: 40, bandRows: 2),     // rows long enough for the vector deinterleave
    WinogradCase(n: 1, cin: 2, cout: 3, h: 1, w: 1, bandRows: 1),
    WinogradCase(n: 2, cin: 17, cout: 9, h: 6, w: 11, bandRows: 3),
]

/// Measured largest errors relative to the largest reference value (forward, dx, dW) on these
/// cases are 0.4–4.7e-7 (largest: 4.7e-7); F(2×2, 3×3) adds at most a few float roundings per product over a sum of
/// 9·cin (or 9·n·h·w) terms, so the bound is 2e-6.
private let bound = 2e-6

/// y[i, o, r, c] = Σ x[i, ci, r−1+ky, c−1+kx]·w[o, ci, ky, kx], in Double.
private func naiveConvolution(_ x: [Float], _ w: [Float], n: Int, cin: Int, cout: Int, h: Int, wd: Int) -> [Double] {
    var y = [Double](repeating: 0, count: n * cout * h * wd)
    for i in 0..<n { for o in 0..<cout { for r in 0..<h { for c in 0..<wd {
        var s = 0.0
        for ci in 0..<cin { for ky in 0..<3 { for kx in 0..<3 {
            let iy = r - 1 + ky, ix = c - 1 + kx
            if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                s += Double(x[((i * cin + ci) * h + iy) * wd + ix]) * Double(w[((o * cin + ci) * 3 + ky) * 3 + kx])
            }
        } } }
        y[((i * cout + o) * h + r) * wd + c] = s
    } } } }
    return y
}

/// dx[i, ci, iy, ix] = Σ dy[i, o, r, c]·w[o, ci, ky, kx] over r = iy+1−ky, c = ix+1−kx: the adjoint.
private func naiveInputGradient(_ dy: [Float], _ w: [Float], n: Int, cin: Int, cout: Int, h: Int, wd: Int) -> [Double] {
    var dx = [Double](repeating: 0, count: n * cin * h * wd)
    for i in 0..<n { for o in 0..<cout { for r in 0..<h { for c in 0..<wd {
        let g = Double(dy[((i * cout + o) * h + r) * wd + c])
        for ci in 0..<cin { for ky in 0..<3 { for kx in 0..<3 {
            let iy = r - 1 + ky, ix = c - 1 + kx
            if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                dx[((i * cin + ci) * h + iy) * wd + ix] += g * Double(w[((o * cin + ci) * 3 + ky) * 3 + kx])
            }
        } } }
    } } } }
    return dx
}

/// dw[o, ci, ky, kx] = Σ dy[i, o, r, c]·x[i, ci, r−1+ky, c−1+kx].
private func naiveWeightGradient(_ x: [Float], _ dy: [Float], n: Int, cin: Int, cout: Int, h: Int, wd: Int) -> [Double] {
    var dw = [Double](repeating: 0, count: cout * cin * 9)
    for i in 0..<n { for o in 0..<cout { for r in 0..<h { for c in 0..<wd {
        let g = Double(dy[((i * cout + o) * h + r) * wd + c])
        for ci in 0..<cin { for ky in 0..<3 { for kx in 0..<3 {
            let iy = r - 1 + ky, ix = c - 1 + kx
            if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                dw[((o * cin + ci) * 3 + ky) * 3 + kx] += g * Double(x[((i * cin + ci) * h + iy) * wd + ix])
            }
        } } }
    } } } }
    return dw
}

/// Runs `body(images, firstImage, tileRows)` over the case's units: all images side by side with
/// every tile row when the case's band covers the image, else image by image, band by band.
private func forUnits(_ c: WinogradCase, _ body: (Int, Int, Range<Int>) -> Void) {
    if c.bandRows >= c.tileRows { body(c.n, 0, 0..<c.tileRows); return }
    for i in 0..<c.n {
        for r0 in stride(from: 0, to: c.tileRows, by: c.bandRows) { body(1, i, r0..<min(c.tileRows, r0 + c.bandRows)) }
    }
}

/// Scratch for one unit's transformed data of `channels` channels.
private func scratch(_ c: WinogradCase, channels: Int) -> Tensor {
    Tensor(zeros: [winogradTransformedCount(channels: channels, tiles: c.n * min(c.bandRows, c.tileRows) * c.tileColumns)])
}

/// Winograd convolution of `x` [n, ci, h, w] with filters `w` [co, ci, 3, 3], unit by unit.
private func winograd(_ c: WinogradCase, _ x: Tensor, _ w: Tensor, cin: Int, cout: Int) -> Tensor {
    let u = Tensor(zeros: [16, cout, cin]), y = Tensor(shape: [c.n, cout, c.h, c.w], repeating: .nan)
    winogradFilterTransform(w.data, outChannels: cout, inChannels: cin, into: u.data)
    let v = scratch(c, channels: cin), m = scratch(c, channels: cout)
    forUnits(c) { images, i0, rows in
        winogradConvolution(x.data + i0 * cin * c.h * c.w, images: images, channels: cin, height: c.h, width: c.w, tileRows: rows,
                            filters: u.data, outChannels: cout, transformed: v.data, products: m.data,
                            y: y.data + i0 * cout * c.h * c.w)
    }
    return y
}

@Suite struct WinogradTests {
    @Test(arguments: cases) func forwardMatchesDirectConvolution(_ c: WinogradCase) {
        var rng = RNG(seed: c.seed)
        let x = randomTensor([c.n, c.cin, c.h, c.w], &rng), w = randomTensor([c.cout, c.cin, 3, 3], &rng)
        let y = winograd(c, x, w, cin: c.cin, cout: c.cout)
        expectClose(y, naiveConvolution(x.array, w.array, n: c.n, cin: c.cin, cout: c.cout, h: c.h, wd: c.w),
                    tolerance: bound, "forward \(c)")
    }

    /// dx is the Winograd convolution of dy with W'[ci, co, ky, kx] = W[co, ci, 2−ky, 2−kx].
    @Test(arguments: cases) func inputGradientMatchesDirectAdjoint(_ c: WinogradCase) {
        var rng = RNG(seed: c.seed &+ 1)
        let dy = randomTensor([c.n, c.cout, c.h, c.w], &rng), w = randomTensor([c.cout, c.cin, 3, 3], &rng)
        let flipped = Tensor(zeros: [c.cin, c.cout, 3, 3])
        for o in 0..<c.cout { for ci in 0..<c.cin { for t in 0..<9 {
            flipped[(ci * c.cout + o) * 9 + t] = w[(o * c.cin + ci) * 9 + 8 - t]
        } } }
        let dx = winograd(c, dy, flipped, cin: c.cout, cout: c.cin)
        expectClose(dx, naiveInputGradient(dy.array, w.array, n: c.n, cin: c.cin, cout: c.cout, h: c.h, wd: c.w),
                    tolerance: bound, "dx \(c)")
    }

    @Test(arguments: cases) func weightGradientMatchesDirectCorrelation(_ c: WinogradCase) {
        var rng = RNG(seed: c.seed &+ 2)
        let x = randomTensor([c.n, c.cin, c.h, c.w], &rng), dy = randomTensor([c.n, c.cout, c.h, c.w], &rng)
        let du = Tensor(zeros: [16, c.cout, c.cin])
        let v = scratch(c, channels: c.cin), dm = scratch(c, channels: c.cout)
        forUnits(c) { images, i0, rows in
            winogradFilterProducts(x.data + i0 * c.cin * c.h * c.w, dy.data + i0 * c.cout * c.h * c.w, images: images,
                                   channels: c.cin, height: c.h, width: c.w, tileRows: rows, outChannels: c.cout,
                                   transformed: v.data, gradients: dm.data, addingInto: du.data)
        }
        // Accumulates: start from a known gradient and subtract it back out in the reference.
        let dw = Tensor(zeros: [c.cout, c.cin, 3, 3])
        dw.fill(0.25)
        winogradFilterGradient(du.data, outChannels: c.cout, inChannels: c.cin, addingInto: dw.data)
        let want = naiveWeightGradient(x.array, dy.array, n: c.n, cin: c.cin, cout: c.cout, h: c.h, wd: c.w).map { $0 + 0.25 }
        expectClose(dw, want, tolerance: bound, "dW \(c)")
    }

    /// The transforms' own definitions on one tile: V = Bᵀ d B, Y = Aᵀ M A and dM = A dY Aᵀ are
    /// adjoint-consistent: ⟨Aᵀ M A, G⟩ = ⟨M, A G Aᵀ⟩ for every M and G.
    @Test func outputTransformAndItsGradientAreAdjoint() {
        var rng = RNG(seed: 11)
        let (h, w, c) = (5, 9, 3), tiles = winogradTiles(height: h, width: w), t = tiles.rows * tiles.columns
        let m = randomTensor([16, c, t], &rng), g = randomTensor([c, h, w], &rng)
        let y = Tensor(zeros: [c, h, w]), dm = Tensor(zeros: [16, c, t])
        winogradOutputTransform(m.data, ld: t, matrixStride: c * t, channels: c, height: h, width: w, tileRows: 0..<tiles.rows, into: y.data)
        winogradOutputGradientTransform(g.data, channels: c, height: h, width: w, tileRows: 0..<tiles.rows, into: dm.data, ld: t,
                                        matrixStride: c * t)
        let lhs = dot(doubles(y), doubles(g)), rhs = dot(doubles(m), doubles(dm))
        expectAdjoint(lhs, rhs, scale: dot(doubles(m), doubles(m)).squareRoot() * dot(doubles(dm), doubles(dm)).squareRoot(),
                      "⟨AᵀMA, G⟩ vs ⟨M, AGAᵀ⟩")
    }
}
