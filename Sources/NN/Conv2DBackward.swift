import Kernels
import Tensor

extension Conv2D {
    /// dW += Σ dy·colsᵀ per tile; dx by the flipped-filter convolution (shifted GEMMs, or im2col of
    /// dy when images are grouped) for stride-1 same convolutions, else Wᵀ·dy and col2im.
    public func backward(_ dy: Tensor) -> Tensor {
        let x = inputSource?.recomputedOutput() ?? input
        let g = geometry(x)
        let dx = computesInputGradient ? TensorPool.shared.tensor(x.shape) : Tensor(zeros: [0])
        // Winograd takes the passes it is switched on for (`winogradPasses`); the rest run below.
        let wino = winograds(g)
        let winoW = wino && winogradPasses.contains(.weightGradient)
        let winoX = wino && computesInputGradient && winogradPasses.contains(.inputGradient)
        if winoW || winoX { winogradBackward(dy, x, g, dx: winoX ? dx : nil, weights: winoW) }
        if !winoW || (computesInputGradient && !winoX) {
            standardBackward(dy, x, g, dx: dx, weights: !winoW, input: computesInputGradient && !winoX)
        }
        if let dbias = bias?.grad {
            for i in 0..<g.n {
                for co in 0..<g.cout {
                    let row = dy.data + (i * g.cout + co) * g.ohw
                    var sum: Float = 0
                    for j in 0..<g.ohw { sum += row[j] }
                    dbias.data[co] += sum
                }
            }
        }
        return dx
    }

    /// The GEMM passes: dW when `weights`, dx when `input`. `x` is the forward's input (kept, or
    /// recomputed by `inputSource`).
    func standardBackward(_ dy: Tensor, _ x: Tensor, _ g: Geometry, dx: Tensor, weights doW: Bool, input wantsDx: Bool) {
        let plan = ConvTiling(batch: g.n, outHeight: g.oh, outWidth: g.ow, depth: g.kk, policy: tiling,
                              workers: Parallel.workers)
        let grouped = plan.groupSize > 1
        // A stride-1 "same" convolution's input gradient is itself a convolution: dy correlated
        // with the flipped, transposed filters. Lowering dy and one more forward-shaped GEMM
        // replaces the Wᵀ·dY GEMM, the zeroing of dx and col2im's scattered adds.
        let same = wantsDx && !g.pointwise && g.s == 1 && g.oh == g.h && g.ow == g.w
        let kkOut = g.cout * g.k * g.k
        let shifted = same && shifts(g, plan)
        let flipped = same && !shifted ? flippedWeights() : nil
        let fp = flipped.map { SendablePointer($0.data) }
        let ftaps = shifted ? flippedTaps() : nil
        let ftp = ftaps.map { SendablePointer($0.data) }
        let pw = g.w + 2 * g.p
        let cols = g.pointwise && !grouped ? [] : workspace.prepareColumns(count: max(g.kk, same ? kkOut : 0) * plan.columns)
        let tiles = grouped ? workspace.prepareTiles(count: max(g.cout, g.cin) * plan.columns)
            : shifted ? workspace.prepareTiles(count: g.cin * plan.bandRows * pw) : []
        let padded = shifted ? workspace.preparePadded(count: paddedPlanesCount(channels: g.cout, height: g.oh, width: g.ow, pad: g.p)) : []
        // Worker 0 adds straight into the gradient; the others into zeroed scratch, summed after.
        var scratch = workspace.prepareAccumulators(count: g.cout * g.kk)
        scratch[0] = SendablePointer(weight.grad.data)
        let accs = scratch
        let xp = SendablePointer(x.data), dyp = SendablePointer(dy.data), dxp = SendablePointer(dx.data)
        let wp = SendablePointer(weight.value.data)
        Parallel.forWorkers(plan.units) { t, lo, hi in
            for u in lo..<hi {
                let i0 = u * plan.groupSize, count = min(plan.groupSize, g.n - i0)
                if grouped {
                    // dW += dY·colsᵀ and dcols = Wᵀ·dY over the group's side-by-side columns.
                    let ld = count * g.ohw
                    gatherTile(dyp.p + i0 * g.outPlane, images: count, rows: g.cout, columns: g.ohw, into: tiles[t].p)
                    if doW {
                        g.lowerSideBySide(xp.p + i0 * g.inPlane, images: count, into: cols[t].p)
                        BLAS.parallelGemm(transB: true, m: g.cout, n: g.kk, k: ld, a: tiles[t].p, lda: ld, b: cols[t].p, ldb: ld,
                                          beta: 1, c: accs[t].p, ldc: g.kk)
                    }
                    if !wantsDx { continue }
                    if let fp {
                        for j in 0..<count {
                            im2col(dyp.p + (i0 + j) * g.outPlane, channels: g.cout, height: g.oh, width: g.ow, kernel: g.k,
                                   stride: 1, pad: g.p, ld: ld, col: cols[t].p + j * g.ohw)
                        }
                        BLAS.parallelGemm(m: g.cin, n: ld, k: kkOut, a: fp.p, lda: kkOut, b: cols[t].p, ldb: ld,
                                          c: tiles[t].p, ldc: ld)
                        scatterTile(tiles[t].p, images: count, rows: g.cin, columns: g.ohw, into: dxp.p + i0 * g.inPlane)
                        continue
                    }
                    BLAS.parallelGemm(transA: true, m: g.kk, n: ld, k: g.cout, a: wp.p, lda: g.kk, b: tiles[t].p, ldb: ld,
                                      c: cols[t].p, ldc: ld)
                    for j in 0..<count {
                        let dxi = dxp.p + (i0 + j) * g.inPlane
                        dxi.update(repeating: 0, count: g.inPlane)
                        col2im(cols[t].p + j * g.ohw, channels: g.cin, height: g.h, width: g.w, kernel: g.k, stride: g.s,
                               pad: g.p, ld: ld, x: dxi)
                    }
                    continue
                }
                let xi = xp.p + i0 * g.inPlane, dyi = dyp.p + i0 * g.outPlane, dxi = dxp.p + i0 * g.inPlane
                if !g.pointwise && wantsDx && !same { dxi.update(repeating: 0, count: g.inPlane) }
                if ftp != nil { padPlanes(dyi, channels: g.cout, height: g.oh, width: g.ow, pad: g.p, into: padded[t].p) }
                for r0 in Swift.stride(from: 0, to: g.oh, by: plan.bandRows) {
                    let band = r0..<min(g.oh, r0 + plan.bandRows), nc = band.count * g.ow
                    let dyb = dyi + r0 * g.ow
                    if doW {
                        var colp = UnsafePointer(xi + r0 * g.ow), ldb = g.ohw
                        if !g.pointwise {
                            im2col(xi, channels: g.cin, height: g.h, width: g.w, kernel: g.k, stride: g.s, pad: g.p,
                                   rows: band, col: cols[t].p)
                            colp = UnsafePointer(cols[t].p); ldb = nc
                        }
                        BLAS.parallelGemm(transB: true, m: g.cout, n: g.kk, k: nc, a: dyb, lda: g.ohw, b: colp, ldb: ldb,
                                          beta: 1, c: accs[t].p, ldc: g.kk)
                    }
                    if !wantsDx { continue }
                    if let ftp {
                        shiftedConvolutionBand(padded[t].p, channels: g.cout, height: g.oh, width: g.ow, kernel: g.k, taps: ftp.p,
                                               outChannels: g.cin, rows: band, scratch: tiles[t].p, y: dxi)
                    } else if let fp {
                        im2col(dyi, channels: g.cout, height: g.oh, width: g.ow, kernel: g.k, stride: 1, pad: g.p,
                               rows: band, col: cols[t].p)
                        BLAS.parallelGemm(m: g.cin, n: nc, k: kkOut, a: fp.p, lda: kkOut, b: cols[t].p, ldb: nc,
                                          c: dxi + r0 * g.ow, ldc: g.ohw)
                    } else if g.pointwise {
                        BLAS.parallelGemm(transA: true, m: g.cin, n: nc, k: g.cout, a: wp.p, lda: g.kk, b: dyb, ldb: g.ohw,
                                          c: dxi + r0 * g.ow, ldc: g.ohw)
                    } else {
                        BLAS.parallelGemm(transA: true, m: g.kk, n: nc, k: g.cout, a: wp.p, lda: g.kk, b: dyb, ldb: g.ohw,
                                          c: cols[t].p, ldc: nc)
                        col2im(cols[t].p, channels: g.cin, height: g.h, width: g.w, kernel: g.k, stride: g.s, pad: g.p,
                               rows: band, x: dxi)
                    }
                }
            }
        }
        if doW {
            for t in 1..<max(Parallel.workers, 1) {
                addInPlace(weight.grad.data, accs[t].p, count: g.cout * g.kk)
            }
        }
    }
}
