import KernelBodies
import Tensor

// Winograd F(2×2, 3×3) data transforms for a stride-1, pad-1 3×3 convolution. The output is cut
// into 2×2 tiles, th = ⌈h/2⌉ rows by tw = ⌈w/2⌉ columns of them (an odd size gets a last tile
// half outside, read as zeros and dropped on the way out); tile (ty, tx) reads the 4×4 input
// window at rows 2ty−1…2ty+2, columns 2tx−1…2tx+2. Transformed data is laid out for one GEMM
// per transformed position ξ = 4i + j: element (ξ, channel, tile) at ξ·matrixStride +
// channel·ld + tile, tiles of a band numbered (ty − tileRows.lowerBound)·tw + tx, so the tiles of
// several images can sit side by side in one GEMM (the caller offsets the pointer).
//
//   V = Bᵀ d B,  Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
//   Y = Aᵀ M A,  Aᵀ = [1 1 1 0; 0 1 −1 −1]
//   dM = A dY Aᵀ (the adjoint of the output transform, for the weight gradient)
//
// Vectorised over 8 tiles of a tile row (SIMD8); the rows are deinterleaved into even and odd
// columns first, so every vector load is contiguous.

/// Tiles of a stride-1 same 3×3 convolution's output: (rows, columns) of 2×2 tiles.
@inline(__always)
public func winogradTiles(height h: Int, width w: Int) -> (rows: Int, columns: Int) { ((h + 1) / 2, (w + 1) / 2) }

/// Floats per deinterleaved scratch row: tw + 1 entries, rounded up so full vectors may be read.
@inline(__always)
private func scratchPitch(_ tw: Int) -> Int { (tw + 1 + 15) / 8 * 8 }

/// even[j] = row[2j + shift], odd[j] = row[2j + 1 + shift] for j in 0..<count, zero outside 0..<w.
@inline(__always)
private func deinterleave(_ row: UnsafePointer<Float>, width w: Int, shift: Int, count: Int,
                          even: UnsafeMutablePointer<Float>, odd: UnsafeMutablePointer<Float>) {
    var j = 0
    // Scalar until the vector window starts inside the row.
    while j < count && 2 * j + shift < 0 {
        let c = 2 * j + shift
        even[j] = c >= 0 && c < w ? row[c] : 0
        odd[j] = c + 1 >= 0 && c + 1 < w ? row[c + 1] : 0
        j += 1
    }
    while j + 8 <= count && 2 * j + shift + 16 <= w {
        let v = load(row + 2 * j + shift, as: SIMD16<Float>.self)
        store(v.evenHalf, even + j); store(v.oddHalf, odd + j)
        j += 8
    }
    while j < count {
        let c = 2 * j + shift
        even[j] = c >= 0 && c < w ? row[c] : 0
        odd[j] = c + 1 >= 0 && c + 1 < w ? row[c + 1] : 0
        j += 1
    }
}

@inline(__always)
private func put(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n >= 8 { store(v, p) } else { storePartial(v, p, count: n) }
}

/// Bᵀ over the four window rows at scratch rows p, p+2·pitch, p+4·pitch, p+6·pitch (offset `off`).
@inline(__always)
private func bRows(_ p: UnsafeMutablePointer<Float>, _ pitch: Int, _ off: Int)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let d0 = load(p + off, as: SIMD8<Float>.self), d1 = load(p + 2 * pitch + off, as: SIMD8<Float>.self)
    let d2 = load(p + 4 * pitch + off, as: SIMD8<Float>.self), d3 = load(p + 6 * pitch + off, as: SIMD8<Float>.self)
    return (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
}

/// B over the four columns of one transformed row, stored at p, p+ms, p+2ms, p+3ms (n lanes).
@inline(__always)
private func bColumns(_ c0: SIMD8<Float>, _ c1: SIMD8<Float>, _ c2: SIMD8<Float>, _ c3: SIMD8<Float>,
                      _ p: UnsafeMutablePointer<Float>, _ ms: Int, _ n: Int) {
    put(c0 - c2, p, n); put(c1 + c2, p + ms, n); put(c2 - c1, p + 2 * ms, n); put(c1 - c3, p + 3 * ms, n)
}

/// Input transform V = Bᵀ d B of the tiles in `tileRows` of one image, overwriting them in `v`.
///
/// - Shapes: x: [c, h, w] -> v: [16][c][ld] (matrix pitch `matrixStride`), columns
///   0..<tileRows.count·tw written.
public func winogradInputTransform(_ x: UnsafePointer<Float>, channels c: Int, height h: Int, width w: Int,
                                   tileRows: Range<Int>, into v: UnsafeMutablePointer<Float>, ld: Int, matrixStride ms: Int) {
    // x: [c, h, w] -> v: [16, c, ld]
    let tw = winogradTiles(height: h, width: w).columns, pitch = scratchPitch(tw)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 8 * pitch) { buf in
        let s = buf.baseAddress!
        s.initialize(repeating: 0, count: 8 * pitch)
        for ci in 0..<c {
            for ty in tileRows {
                // Rows r = 0…3 of the windows: e[r][j] = x[2ty−1+r][2j−1], o[r][j] = x[2ty−1+r][2j].
                for r in 0..<4 {
                    let yy = 2 * ty - 1 + r, e = s + 2 * r * pitch, o = e + pitch
                    if yy < 0 || yy >= h {
                        e.update(repeating: 0, count: tw + 1); o.update(repeating: 0, count: tw + 1)
                    } else {
                        deinterleave(x + (ci * h + yy) * w, width: w, shift: -1, count: tw + 1, even: e, odd: o)
                    }
                }
                let dst = v + ci * ld + (ty - tileRows.lowerBound) * tw
                var tx = 0
                while tx < tw {
                    // Columns 2tx−1, 2tx, 2tx+1, 2tx+2 of window row r are e[r][tx], o[r][tx],
                    // e[r][tx+1], o[r][tx+1]: Bᵀ over the rows for each column, then B over the columns.
                    let n = tw - tx, e0 = s + tx
                    let c0 = bRows(e0, pitch, 0), c1 = bRows(e0 + pitch, pitch, 0)
                    let c2 = bRows(e0, pitch, 1), c3 = bRows(e0 + pitch, pitch, 1)
                    let p = dst + tx
                    bColumns(c0.0, c1.0, c2.0, c3.0, p, ms, n)
                    bColumns(c0.1, c1.1, c2.1, c3.1, p + 4 * ms, ms, n)
                    bColumns(c0.2, c1.2, c2.2, c3.2, p + 8 * ms, ms, n)
                    bColumns(c0.3, c1.3, c2.3, c3.3, p + 12 * ms, ms, n)
                    tx += 8
                }
            }
        }
    }
}

/// Output transform Y = Aᵀ M A of the tiles in `tileRows` of one image, overwriting output rows
/// 2·tileRows (clipped to h) of `y`.
///
/// - Shapes: m: [16][c][ld] (matrix pitch `matrixStride`), columns 0..<tileRows.count·tw ->
///   y: [c, h, w].
public func winogradOutputTransform(_ m: UnsafePointer<Float>, ld: Int, matrixStride ms: Int, channels c: Int,
                                    height h: Int, width w: Int, tileRows: Range<Int>, into y: UnsafeMutablePointer<Float>) {
    // m: [16, c, ld] -> y: [c, h, w]
    let tw = winogradTiles(height: h, width: w).columns
    for co in 0..<c {
        for ty in tileRows {
            let src = m + co * ld + (ty - tileRows.lowerBound) * tw
            let row0 = y + (co * h + 2 * ty) * w, hasRow1 = 2 * ty + 1 < h
            var tx = 0
            while tx < tw {
                let p = src + tx
                // Aᵀ over the rows (per column j): s0 = m0j + m1j + m2j, s1 = m1j − m2j − m3j.
                @inline(__always) func col(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>) {
                    let m0 = load(p + j * ms, as: SIMD8<Float>.self), m1 = load(p + (4 + j) * ms, as: SIMD8<Float>.self)
                    let m2 = load(p + (8 + j) * ms, as: SIMD8<Float>.self), m3 = load(p + (12 + j) * ms, as: SIMD8<Float>.self)
                    return (m0 + m1 + m2, m1 - m2 - m3)
                }
                let s0 = col(0), s1 = col(1), s2 = col(2), s3 = col(3)
                // A over the columns: y·0 = s0 + s1 + s2, y·1 = s1 − s2 − s3; even and odd output columns interleaved.
                var r0 = SIMD16<Float>(), r1 = SIMD16<Float>()
                r0.evenHalf = s0.0 + s1.0 + s2.0; r0.oddHalf = s1.0 - s2.0 - s3.0
                r1.evenHalf = s0.1 + s1.1 + s2.1; r1.oddHalf = s1.1 - s2.1 - s3.1
                let n = min(16, w - 2 * tx)
                if n == 16 {
                    store(r0, row0 + 2 * tx)
                    if hasRow1 { store(r1, row0 + w + 2 * tx) }
                } else {
                    storePartial(r0, row0 + 2 * tx, count: n)
                    if hasRow1 { storePartial(r1, row0 + w + 2 * tx, count: n) }
                }
                tx += 8
            }
        }
    }
}

/// Output-gradient transform dM = A dY Aᵀ of the tiles in `tileRows` of one image (positions
/// outside h×w read as zeros), overwriting them in `dm`: the adjoint of `winogradOutputTransform`.
///
/// - Shapes: dy: [c, h, w] -> dm: [16][c][ld] (matrix pitch `matrixStride`), columns
///   0..<tileRows.count·tw written.
public func winogradOutputGradientTransform(_ dy: UnsafePointer<Float>, channels c: Int, height h: Int, width w: Int,
                                            tileRows: Range<Int>, into dm: UnsafeMutablePointer<Float>, ld: Int,
                                            matrixStride ms: Int) {
    // dy: [c, h, w] -> dm: [16, c, ld]
    let tw = winogradTiles(height: h, width: w).columns, pitch = scratchPitch(tw)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * pitch) { buf in
        let s = buf.baseAddress!
        s.initialize(repeating: 0, count: 4 * pitch)
        for ci in 0..<c {
            for ty in tileRows {
                // g[a][b] of tile tx: row 2ty+a, column 2tx+b, at s[(2a+b)·pitch + tx].
                for a in 0..<2 {
                    let yy = 2 * ty + a, e = s + 2 * a * pitch, o = e + pitch
                    if yy >= h {
                        e.update(repeating: 0, count: tw); o.update(repeating: 0, count: tw)
                    } else {
                        deinterleave(dy + (ci * h + yy) * w, width: w, shift: 0, count: tw, even: e, odd: o)
                    }
                }
                let dst = dm + ci * ld + (ty - tileRows.lowerBound) * tw
                var tx = 0
                while tx < tw {
                    let n = tw - tx
                    let g00 = load(s + tx, as: SIMD8<Float>.self), g01 = load(s + pitch + tx, as: SIMD8<Float>.self)
                    let g10 = load(s + 2 * pitch + tx, as: SIMD8<Float>.self), g11 = load(s + 3 * pitch + tx, as: SIMD8<Float>.self)
                    // A over the rows: (g0, g0 + g1, g0 − g1, −g1) for each column b; then A over the columns.
                    @inline(__always) func row(_ i: Int, _ u: SIMD8<Float>, _ v: SIMD8<Float>) {
                        let p = dst + tx + 4 * i * ms
                        put(u, p, n); put(u + v, p + ms, n); put(u - v, p + 2 * ms, n); put(-v, p + 3 * ms, n)
                    }
                    row(0, g00, g01)
                    row(1, g00 + g10, g01 + g11)
                    row(2, g00 - g10, g01 - g11)
                    row(3, -g10, -g11)
                    tx += 8
                }
            }
        }
    }
}
