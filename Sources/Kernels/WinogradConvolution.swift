import KernelBodies
import Tensor

// Winograd F(2×2, 3×3) convolution of a unit of work: the 2×2 output tiles in `tileRows` of
// `images` consecutive images, side by side in one set of 16 GEMMs (one per transformed position
// ξ). Per 2×2 outputs and channel pair it multiplies 16 times instead of 36. The input gradient
// of a stride-1 same convolution is the same convolution of dy with the flipped, transposed
// filters; the weight gradient is dU[ξ] += dM[ξ]·V[ξ]ᵀ followed by `winogradFilterGradient`.
// Images larger than one unit's worth of tiles are cut into bands of tile rows by the caller.

/// Floats of transformed data for `channels` channels over `tiles` tiles: 16·channels·tiles.
@inline(__always)
public func winogradTransformedCount(channels: Int, tiles: Int) -> Int { 16 * channels * tiles }

/// y = conv3×3(x, w) (stride 1, pad 1) for output rows 2·tileRows (clipped) of `images` images,
/// with u = `winogradFilterTransform(w)`. `v` and `m` are scratch.
///
/// - Shapes: x: [images, cin, h, w], u: [16, cout, cin], v: [16, cin, T], m: [16, cout, T]
///   with T = images·tileRows.count·⌈w/2⌉ -> y: [images, cout, h, w] (those rows overwritten).
public func winogradConvolution(_ x: UnsafePointer<Float>, images: Int, channels cin: Int, height h: Int, width w: Int,
                                tileRows: Range<Int>, filters u: UnsafePointer<Float>, outChannels cout: Int,
                                transformed v: UnsafeMutablePointer<Float>, products m: UnsafeMutablePointer<Float>,
                                y: UnsafeMutablePointer<Float>) {
    // x: [n, cin, h, w], u: [16, cout, cin] -> y: [n, cout, h, w]
    let per = tileRows.count * winogradTiles(height: h, width: w).columns, ld = images * per
    if ld == 0 || cout == 0 { return }
    for j in 0..<images {
        winogradInputTransform(x + j * cin * h * w, channels: cin, height: h, width: w, tileRows: tileRows,
                               into: v + j * per, ld: ld, matrixStride: cin * ld)
    }
    for xi in 0..<16 {
        BLAS.parallelGemm(m: cout, n: ld, k: cin, a: u + xi * cout * cin, lda: cin, b: v + xi * cin * ld, ldb: ld,
                          c: m + xi * cout * ld, ldc: ld)
    }
    for j in 0..<images {
        winogradOutputTransform(m + j * per, ld: ld, matrixStride: cout * ld, channels: cout, height: h, width: w,
                                tileRows: tileRows, into: y + j * cout * h * w)
    }
}

/// du[ξ] += Σ_tiles dM[ξ]·V[ξ]ᵀ over output rows 2·tileRows of `images` images: the gradient of
/// the transformed filters (turn it into dW with `winogradFilterGradient`). `v` and `dm` are scratch.
///
/// - Shapes: x: [images, cin, h, w], dy: [images, cout, h, w], v: [16, cin, T], dm: [16, cout, T]
///   -> du: [16, cout, cin] (accumulated).
public func winogradFilterProducts(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, images: Int, channels cin: Int,
                                   height h: Int, width w: Int, tileRows: Range<Int>, outChannels cout: Int,
                                   transformed v: UnsafeMutablePointer<Float>, gradients dm: UnsafeMutablePointer<Float>,
                                   addingInto du: UnsafeMutablePointer<Float>) {
    // x: [n, cin, h, w], dy: [n, cout, h, w] -> du: [16, cout, cin] (+=)
    let per = tileRows.count * winogradTiles(height: h, width: w).columns, ld = images * per
    if ld == 0 || cout == 0 || cin == 0 { return }
    for j in 0..<images {
        winogradInputTransform(x + j * cin * h * w, channels: cin, height: h, width: w, tileRows: tileRows,
                               into: v + j * per, ld: ld, matrixStride: cin * ld)
        winogradOutputGradientTransform(dy + j * cout * h * w, channels: cout, height: h, width: w, tileRows: tileRows,
                                        into: dm + j * per, ld: ld, matrixStride: cout * ld)
    }
    for xi in 0..<16 {
        BLAS.parallelGemm(transB: true, m: cout, n: cin, k: ld, a: dm + xi * cout * ld, lda: ld, b: v + xi * cin * ld, ldb: ld,
                          beta: 1, c: du + xi * cout * cin, ldc: cin)
    }
}
