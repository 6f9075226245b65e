import KernelBodies
import Tensor

// Column lowering for convolution as one GEMM per image (darknet/Caffe style):
// y[co, oh*ow] = W[co, c*k*k] · col[c*k*k, oh*ow].

/// Output positions `ox` in `0..<ow` whose input column `ox*s - p + kx` lies inside `0..<w`.
@inline(__always)
private func validRange(kernelOffset kx: Int, stride s: Int, pad p: Int, inputSize w: Int,
                        outputSize ow: Int) -> (Int, Int) {
    let lo = max(0, ceilDiv(p - kx, s))
    let hi = min(ow, floorDiv(w - 1 + p - kx, s) + 1)
    return (lo, max(lo, hi))
}

/// Lowers one image for convolution. Overwrites its part of `col` entirely (zeros where the
/// window hangs over the padding).
///
/// `rows` limits the lowering to a band of output rows and `ld` is col's row pitch, so a
/// convolution can lower a few output rows at a time (the band stays in cache while the GEMM
/// reads it) or several small images side by side (one wider GEMM instead of several skinny ones).
///
/// - Shapes: x: [c, h, w] -> col: [c*k*k, ld], row index (ci*k + ky)*k + kx, column
///   (oy - rows.lowerBound)*ow + ox, with oh = (h + 2p - k)/s + 1 and likewise ow; by default
///   rows = 0..<oh and ld = rows.count*ow.
public func im2col(_ x: UnsafePointer<Float>, channels c: Int, height h: Int, width w: Int,
                   kernel k: Int, stride s: Int, pad p: Int, rows: Range<Int>? = nil, ld: Int? = nil,
                   col: UnsafeMutablePointer<Float>) {
    // x: [c, h, w] -> col: [c*k*k, ld]
    let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
    let band = rows ?? 0..<oh
    precondition(band.lowerBound >= 0 && band.upperBound <= max(oh, 0), "im2col: rows \(band) outside 0..<\(oh)")
    let pitch = ld ?? band.count * ow
    if c <= 0 || band.isEmpty || ow <= 0 { return }
    let xs = ConstPointer(x), cs = SendablePointer(col)
    // Channels write disjoint row bands of col.
    Parallel.forChunks(c, minChunk: minChunk(itemCost: k * k * band.count * ow, grain: 65_536)) { lo, hi in
        for ci in lo..<hi {
            let plane = xs.p + ci * h * w
            for ky in 0..<k {
                for kx in 0..<k {
                    let row = cs.p + ((ci * k + ky) * k + kx) * pitch
                    let (ox0, ox1) = validRange(kernelOffset: kx, stride: s, pad: p, inputSize: w, outputSize: ow)
                    for oy in band {
                        let dst = row + (oy - band.lowerBound) * ow
                        let iy = oy * s - p + ky
                        if iy < 0 || iy >= h || ox0 == ox1 {
                            zeroRun(dst, count: ow)
                            continue
                        }
                        // The padding is one or two floats per row: stores, not a memset call.
                        zeroRun(dst, count: ox0)
                        let src = plane + iy * w + (ox0 * s - p + kx)
                        if s == 1 {
                            // Rows of 7–112 floats: an inline vector copy, not a memmove call per row.
                            copyRun(src, to: dst + ox0, count: ox1 - ox0)
                        } else if s == 2 {
                            stride2Run(src, to: dst + ox0, count: ox1 - ox0)
                        } else {
                            let d = dst + ox0
                            for j in 0..<(ox1 - ox0) { d[j] = src[j * s] }
                        }
                        zeroRun(dst + ox1, count: ow - ox1)
                    }
                }
            }
        }
    }
}

@inline(__always)
private func zeroRun(_ p: UnsafeMutablePointer<Float>, count: Int) {
    if count >= 32 { p.update(repeating: 0, count: count); return }
    var i = 0
    while i < count { p[i] = 0; i &+= 1 }
}

/// d[j] = src[2j] for j < count: the even lanes of 32-float loads while the odd neighbour of the
/// last one read stays inside the row (src[2·count - 2] is the last float the row provides).
@inline(__always)
private func stride2Run(_ src: UnsafePointer<Float>, to d: UnsafeMutablePointer<Float>, count: Int) {
    var j = 0
    while j &+ 17 <= count {
        store(load(src + 2 &* j, as: SIMD32<Float>.self).evenHalf, d + j)
        j &+= 16
    }
    while j < count { d[j] = src[2 &* j]; j &+= 1 }
}

/// The adjoint of `im2col`: **adds** every entry of `col` into the input position it was read
/// from. The caller zeroes `x` first when it wants a plain result (the input gradient).
///
/// `rows` and `ld` select a band of output rows and col's row pitch, as in `im2col`.
///
/// - Shapes: col: [c*k*k, ld] -> x: [c, h, w] (accumulated).
public func col2im(_ col: UnsafePointer<Float>, channels c: Int, height h: Int, width w: Int,
                   kernel k: Int, stride s: Int, pad p: Int, rows: Range<Int>? = nil, ld: Int? = nil,
                   x: UnsafeMutablePointer<Float>) {
    // col: [c*k*k, ld] -> x: [c, h, w] (+=)
    let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
    let band = rows ?? 0..<oh
    precondition(band.lowerBound >= 0 && band.upperBound <= max(oh, 0), "col2im: rows \(band) outside 0..<\(oh)")
    let pitch = ld ?? band.count * ow
    if c <= 0 || band.isEmpty || ow <= 0 { return }
    let cs = ConstPointer(col), xs = SendablePointer(x)
    // A channel's rows of col only touch that channel's plane, so workers never collide.
    Parallel.forChunks(c, minChunk: minChunk(itemCost: k * k * band.count * ow, grain: 65_536)) { lo, hi in
        for ci in lo..<hi {
            let plane = xs.p + ci * h * w
            for ky in 0..<k {
                for kx in 0..<k {
                    let row = cs.p + ((ci * k + ky) * k + kx) * pitch
                    let (ox0, ox1) = validRange(kernelOffset: kx, stride: s, pad: p, inputSize: w, outputSize: ow)
                    if ox0 == ox1 { continue }
                    for oy in band {
                        let iy = oy * s - p + ky
                        if iy < 0 || iy >= h { continue }
                        let src = row + (oy - band.lowerBound) * ow + ox0
                        let dst = plane + iy * w + (ox0 * s - p + kx)
                        let len = ox1 - ox0
                        if s == 1 {
                            addRun(src, into: dst, count: len)
                        } else {
                            for j in 0..<len { dst[j * s] += src[j] }
                        }
                    }
                }
            }
        }
    }
}

/// y[0..<count] += a[0..<count], in 16-, 8- and 4-lane steps (rows of 7 or 14 floats are common).
@inline(__always)
private func addRun(_ a: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i &+ 16 <= count {
        store(load(y + i, as: SIMD16<Float>.self) + load(a + i, as: SIMD16<Float>.self), y + i)
        i &+= 16
    }
    if i &+ 8 <= count {
        store(load(y + i, as: SIMD8<Float>.self) + load(a + i, as: SIMD8<Float>.self), y + i)
        i &+= 8
    }
    if i &+ 4 <= count {
        store(load(y + i, as: SIMD4<Float>.self) + load(a + i, as: SIMD4<Float>.self), y + i)
        i &+= 4
    }
    while i < count { y[i] += a[i]; i &+= 1 }
}
