import KernelBodies
import Tensor

// A stride-1 "same" convolution (odd k, pad k/2) as k² GEMMs over one zero-padded copy of the
// image instead of one GEMM over its k²-fold im2col lowering. With the padded rows laid end to
// end, tap (ky, kx) of every output position is the padded plane shifted by ky·(w+2p) + kx, so
// each tap is a plain GEMM whose B is a window of the padded planes (row pitch = plane size);
// the price is 2p junk columns per output row, dropped when the band is copied out. Memory
// traffic: one copy of x and one of y per image, against k² copies of x for im2col.

/// Floats per channel of the padded copy: (h + 2p)·(w + 2p).
@inline(__always)
public func paddedPlaneSize(height h: Int, width w: Int, pad p: Int) -> Int { (h + 2 * p) * (w + 2 * p) }

/// Floats to allocate for `c` padded planes: a window of the last channel reads up to 2p floats
/// past its plane (only for junk columns), so they must exist.
@inline(__always)
public func paddedPlanesCount(channels c: Int, height h: Int, width w: Int, pad p: Int) -> Int {
    c * paddedPlaneSize(height: h, width: w, pad: p) + 2 * p
}

/// Copies x into zero-bordered planes (the borders and the slack are written too).
///
/// - Shapes: x: [c, h, w] -> xpad: [c, (h+2p)·(w+2p)] + 2p slack.
public func padPlanes(_ x: UnsafePointer<Float>, channels c: Int, height h: Int, width w: Int, pad p: Int,
                      into xpad: UnsafeMutablePointer<Float>) {
    // x: [c, h, w] -> xpad: [c, h+2p, w+2p]
    let pw = w + 2 * p, plane = paddedPlaneSize(height: h, width: w, pad: p)
    for ci in 0..<c {
        let dst = xpad + ci * plane, src = x + ci * h * w
        dst.update(repeating: 0, count: p * pw + p)
        for y in 0..<h {
            let row = dst + (p + y) * pw + p
            copyRun(src + y * w, to: row, count: w)
            // Right border of this row and left border of the next are adjacent.
            if y < h - 1 { (row + w).update(repeating: 0, count: 2 * p) }
        }
        (dst + (p + h - 1) * pw + p + w).update(repeating: 0, count: p + p * pw)
    }
    (xpad + c * plane).update(repeating: 0, count: 2 * p)
}

/// Output rows `rows` of the convolution of one padded image, overwriting those rows of `y`.
/// `taps[t]` is the [cout, cin] matrix of tap t = ky·k + kx; `scratch` holds the band with its
/// junk columns.
///
/// - Shapes: xpad: from `padPlanes`, taps: [k·k, cout, cin], scratch: [cout, rows.count·(w+2p)]
///   -> y: [cout, h, w] (rows `rows` written).
public func shiftedConvolutionBand(_ xpad: UnsafePointer<Float>, channels cin: Int, height h: Int, width w: Int,
                                   kernel k: Int, taps: UnsafePointer<Float>, outChannels cout: Int, rows: Range<Int>,
                                   scratch: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
    // xpad: [cin, h+2p, w+2p], taps: [k*k, cout, cin] -> y[:, rows, :] of [cout, h, w]
    let p = k / 2, pw = w + 2 * p, plane = paddedPlaneSize(height: h, width: w, pad: p)
    let n = rows.count * pw
    if n == 0 || cout == 0 { return }
    for ky in 0..<k {
        for kx in 0..<k {
            let t = ky * k + kx
            BLAS.parallelGemm(m: cout, n: n, k: cin, a: taps + t * cout * cin, lda: cin,
                      b: xpad + (rows.lowerBound + ky) * pw + kx, ldb: plane,
                      beta: t == 0 ? 0 : 1, c: scratch, ldc: n)
        }
    }
    for co in 0..<cout {
        for (j, oy) in rows.enumerated() {
            copyRun(scratch + co * n + j * pw, to: y + (co * h + oy) * w, count: w)
        }
    }
}
