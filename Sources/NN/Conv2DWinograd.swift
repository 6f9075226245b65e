import Kernels
import Tensor

// Conv2D's Winograd F(2×2, 3×3) path for stride-1, pad-1 3×3 convolutions (kernels in
// Sources/Kernels/Winograd*.swift). Forward: the filters are transformed once per call (they change
// every step), then each unit of tiles (`WinogradTiling`) runs input transform, 16 GEMMs and
// output transform. Input gradient: the same convolution of dy with the flipped, transposed
// filters. Weight gradient: dU[ξ] += dM[ξ]·V[ξ]ᵀ per unit into per-worker accumulators (V is
// recomputed from x rather than kept from the forward: for IR-18's first stage it would be 4×
// the activations), summed, then dW += Gᵀ dU G.
extension Conv2D {
    /// True when this geometry can run as Winograd F(2×2, 3×3).
    func winograds(_ g: Geometry) -> Bool {
        g.k == 3 && g.s == 1 && g.p == 1 && min(g.cin, g.cout) >= tiling.winogradChannels
    }

    func winogradPlan(_ g: Geometry) -> WinogradTiling {
        WinogradTiling(batch: g.n, height: g.h, width: g.w, policy: tiling, workers: Parallel.workers)
    }

    /// y = conv(x, W) by Winograd, overwriting y (no bias).
    func winogradForward(_ x: Tensor, _ g: Geometry, into y: Tensor) {
        let plan = winogradPlan(g)
        let u = workspace.transformedWeights([16, g.cout, g.cin])
        winogradFilterTransform(weight.value.data, outChannels: g.cout, inChannels: g.cin, into: u.data)
        let v = workspace.prepareColumns(count: winogradTransformedCount(channels: g.cin, tiles: plan.tiles))
        let m = workspace.prepareTiles(count: winogradTransformedCount(channels: g.cout, tiles: plan.tiles))
        let xp = SendablePointer(x.data), yp = SendablePointer(y.data), up = SendablePointer(u.data)
        Parallel.forWorkers(plan.units) { t, lo, hi in
            for unit in lo..<hi {
                let i0 = unit * plan.groupSize, count = min(plan.groupSize, g.n - i0)
                for r0 in Swift.stride(from: 0, to: plan.tileRows, by: plan.bandRows) {
                    winogradConvolution(xp.p + i0 * g.inPlane, images: count, channels: g.cin, height: g.h, width: g.w,
                                        tileRows: r0..<min(plan.tileRows, r0 + plan.bandRows), filters: up.p,
                                        outChannels: g.cout, transformed: v[t].p, products: m[t].p,
                                        y: yp.p + i0 * g.outPlane)
                }
            }
        }
    }

    /// dW += (Winograd weight gradient) when `weights`; dx = (Winograd input gradient) when given.
    func winogradBackward(_ dy: Tensor, _ x: Tensor, _ g: Geometry, dx: Tensor?, weights: Bool) {
        let plan = winogradPlan(g), channels = max(g.cin, g.cout)
        var uf: SendablePointer<Float>?
        if dx != nil {
            let u = workspace.transformedWeights([16, g.cin, g.cout])
            winogradFilterTransform(flippedWeights().data, outChannels: g.cin, inChannels: g.cout, into: u.data)
            uf = SendablePointer(u.data)
        }
        let flipped = uf
        let a = workspace.prepareColumns(count: winogradTransformedCount(channels: channels, tiles: plan.tiles))
        let b = workspace.prepareTiles(count: winogradTransformedCount(channels: channels, tiles: plan.tiles))
        let accs = weights ? workspace.prepareAccumulators(count: 16 * g.cout * g.cin) : []
        let xp = SendablePointer(x.data), dyp = SendablePointer(dy.data), dxp = dx.map { SendablePointer($0.data) }
        Parallel.forWorkers(plan.units) { t, lo, hi in
            for unit in lo..<hi {
                let i0 = unit * plan.groupSize, count = min(plan.groupSize, g.n - i0)
                for r0 in Swift.stride(from: 0, to: plan.tileRows, by: plan.bandRows) {
                    let rows = r0..<min(plan.tileRows, r0 + plan.bandRows)
                    let dyi = dyp.p + i0 * g.outPlane
                    if weights {
                        winogradFilterProducts(xp.p + i0 * g.inPlane, dyi, images: count, channels: g.cin, height: g.h,
                                               width: g.w, tileRows: rows, outChannels: g.cout, transformed: a[t].p,
                                               gradients: b[t].p, addingInto: accs[t].p)
                    }
                    if let dxp, let flipped {
                        winogradConvolution(dyi, images: count, channels: g.cout, height: g.h, width: g.w, tileRows: rows,
                                            filters: flipped.p, outChannels: g.cin, transformed: b[t].p, products: a[t].p,
                                            y: dxp.p + i0 * g.inPlane)
                    }
                }
            }
        }
        if weights {
            for t in 1..<max(Parallel.workers, 1) { addInPlace(accs[0].p, accs[t].p, count: 16 * g.cout * g.cin) }
            winogradFilterGradient(accs[0].p, outChannels: g.cout, inChannels: g.cin, addingInto: weight.grad.data)
        }
    }
}
