import Testing
import Tensor
import Kernels

private let cases: [ConvCase] = [
    ConvCase(1, 1, 5, 5, k: 3, s: 1, p: 1),
    ConvCase(1, 3, 7, 9, k: 3, s: 1, p: 1),
    ConvCase(1, 3, 7, 9, k: 3, s: 2, p: 1),
    ConvCase(1, 17, 9, 7, k: 5, s: 1, p: 2),
    ConvCase(1, 3, 9, 7, k: 5, s: 2, p: 2),
    ConvCase(1, 2, 11, 10, k: 7, s: 2, p: 3),
    ConvCase(1, 3, 1, 1, k: 3, s: 1, p: 1),
    ConvCase(1, 2, 6, 5, k: 1, s: 1, p: 0),
    ConvCase(1, 2, 8, 8, k: 3, s: 2, p: 0),
    ConvCase(1, 4, 7, 9, k: 3, s: 3, p: 2),
    ConvCase(1, 16, 24, 24, k: 3, s: 1, p: 1),  // big enough to split over both workers
    ConvCase(1, 3, 40, 38, k: 3, s: 2, p: 1),   // stride-2 rows long enough for the vector path
    ConvCase(1, 2, 36, 40, k: 1, s: 2, p: 0),
]

/// col[(ci*k + ky)*k + kx][oy*ow + ox] = x[ci][oy*s - p + ky][ox*s - p + kx], 0 outside.
private func naiveIm2col(_ x: [Float], _ g: ConvCase) -> [Double] {
    var col = [Double](repeating: 0, count: g.c * g.k * g.k * g.oh * g.ow)
    for ci in 0..<g.c {
        for ky in 0..<g.k {
            for kx in 0..<g.k {
                for oy in 0..<g.oh {
                    for ox in 0..<g.ow {
                        let iy = oy * g.s - g.p + ky, ix = ox * g.s - g.p + kx
                        if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
                            col[(((ci * g.k + ky) * g.k + kx) * g.oh + oy) * g.ow + ox] = Double(x[(ci * g.h + iy) * g.w + ix])
                        }
                    }
                }
            }
        }
    }
    return col
}

private func naiveCol2im(_ col: [Float], _ g: ConvCase, into x0: [Float]) -> [Double] {
    var x = x0.map(Double.init)
    for ci in 0..<g.c {
        for ky in 0..<g.k {
            for kx in 0..<g.k {
                for oy in 0..<g.oh {
                    for ox in 0..<g.ow {
                        let iy = oy * g.s - g.p + ky, ix = ox * g.s - g.p + kx
                        if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
                            x[(ci * g.h + iy) * g.w + ix] += Double(col[(((ci * g.k + ky) * g.k + kx) * g.oh + oy) * g.ow + ox])
                        }
                    }
                }
            }
        }
    }
    return x
}

@Suite struct Im2colTests {
    @Test(arguments: cases)
    func im2colMatchesNaive(_ g: ConvCase) {
        var rng = RNG(seed: g.seed)
        let x = randomTensor([g.c, g.h, g.w], &rng)
        // Pre-filled with garbage: im2col must overwrite every entry, padding included.
        let col = Tensor(shape: [g.c * g.k * g.k, g.oh * g.ow], repeating: .nan)
        im2col(x.data, channels: g.c, height: g.h, width: g.w, kernel: g.k, stride: g.s, pad: g.p, col: col.data)
        #expect(doubles(col) == naiveIm2col(x.array, g), "\(g)")
    }

    @Test(arguments: cases)
    func col2imAddsIntoX(_ g: ConvCase) {
        var rng = RNG(seed: g.seed + 1)
        let col = randomTensor([g.c * g.k * g.k, g.oh * g.ow], &rng)
        let x = randomTensor([g.c, g.h, g.w], &rng)
        let want = naiveCol2im(col.array, g, into: x.array)
        col2im(col.data, channels: g.c, height: g.h, width: g.w, kernel: g.k, stride: g.s, pad: g.p, x: x.data)
        expectClose(x, want, tolerance: 1e-6, "col2im \(g)")
    }

    /// <col2im(a), b> == <a, im2col(b)>: col2im is the transpose of im2col.
    @Test(arguments: cases)
    func col2imIsAdjointOfIm2col(_ g: ConvCase) {
        var rng = RNG(seed: g.seed + 2)
        let a = randomTensor([g.c * g.k * g.k, g.oh * g.ow], &rng)
        let b = randomTensor([g.c, g.h, g.w], &rng)
        let ta = Tensor(zeros: [g.c, g.h, g.w])
        col2im(a.data, channels: g.c, height: g.h, width: g.w, kernel: g.k, stride: g.s, pad: g.p, x: ta.data)
        let tb = Tensor(zeros: [g.c * g.k * g.k, g.oh * g.ow])
        im2col(b.data, channels: g.c, height: g.h, width: g.w, kernel: g.k, stride: g.s, pad: g.p, col: tb.data)
        let lhs = dot(doubles(ta), doubles(b)), rhs = dot(doubles(a), doubles(tb))
        let scale = Double(a.count)  // |entries| <= 1
        expectAdjoint(lhs, rhs, scale: scale.squareRoot(), tolerance: 1e-5, "adjoint \(g)")
    }

    /// A band of output rows written at a wider pitch equals the same rows of the whole lowering,
    /// and leaves the columns past the band untouched; col2im of that band adds what the whole
    /// col2im adds for those rows.
    @Test(arguments: cases)
    func bandsAtAPitchMatchTheWholeLowering(_ g: ConvCase) {
        var rng = RNG(seed: g.seed + 3)
        let x = randomTensor([g.c, g.h, g.w], &rng)
        let whole = Tensor(zeros: [g.c * g.k * g.k, g.oh * g.ow])
        im2col(x.data, channels: g.c, height: g.h, width: g.w, kernel: g.k, stride: g.s, pad: g.p, col: whole.data)
        let rows = g.c * g.k * g.k
        for band in [0..<max(1, g.oh / 2), (g.oh / 2)..<g.oh] where !band.isEmpty {
            let pitch = band.count * g.ow + 3
            let col = Tensor(shape: [rows, pitch], repeating: -7)
            im2col(x.data, channels: g.c, height: g.h, width: g.w, kernel: g.k, stride: g.s, pad: g.p, rows: band, ld: pitch,
                   col: col.data)
            var same = true
            for r in 0..<rows {
                for j in 0..<(band.count * g.ow) where col[r * pitch + j] != whole[r * g.oh * g.ow + band.lowerBound * g.ow + j] { same = false }
                for j in (band.count * g.ow)..<pitch where col[r * pitch + j] != -7 { same = false }
            }
            #expect(same, "im2col band \(band) \(g)")
            // col2im over the band's columns only equals the whole col2im of a col zero outside the band.
            let masked = Tensor(zeros: [rows, g.oh * g.ow])
            for r in 0..<rows {
                for j in 0..<(band.count * g.ow) { masked[r * g.oh * g.ow + band.lowerBound * g.ow + j] = col[r * pitch + j] }
            }
            let a = Tensor(zeros: [g.c, g.h, g.w]), b = Tensor(zeros: [g.c, g.h, g.w])
            col2im(col.data, channels: g.c, height: g.h, width: g.w, kernel: g.k, stride: g.s, pad: g.p, rows: band, ld: pitch, x: a.data)
            col2im(masked.data, channels: g.c, height: g.h, width: g.w, kernel: g.k, stride: g.s, pad: g.p, x: b.data)
            expectClose(a, doubles(b), tolerance: 0, "col2im band \(band) \(g)")
        }
    }
}
