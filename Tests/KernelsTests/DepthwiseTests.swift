import Testing
import Tensor
import Kernels

private let cases: [ConvCase] = [
    ConvCase(1, 1, 5, 5, k: 3, s: 1, p: 1),
    ConvCase(3, 3, 7, 9, k: 3, s: 1, p: 1),
    ConvCase(1, 17, 9, 7, k: 5, s: 1, p: 2),
    ConvCase(3, 3, 7, 9, k: 7, s: 1, p: 3),
    ConvCase(1, 3, 7, 9, k: 3, s: 2, p: 1),
    ConvCase(3, 17, 9, 7, k: 5, s: 2, p: 2),
    ConvCase(3, 1, 8, 8, k: 7, s: 2, p: 3),
    ConvCase(1, 3, 1, 1, k: 3, s: 1, p: 1),
    ConvCase(3, 3, 1, 1, k: 5, s: 2, p: 2),
    ConvCase(1, 3, 20, 21, k: 3, s: 1, p: 1),  // 16-lane path with a ragged tail
    ConvCase(1, 2, 33, 35, k: 3, s: 2, p: 1),
    ConvCase(3, 2, 33, 35, k: 3, s: 1, p: 1),  // weight gradient flushes its Float partials mid-batch
    ConvCase(1, 2, 35, 19, k: 7, s: 2, p: 3),
    ConvCase(3, 2, 11, 6, k: 3, s: 1, p: 0),   // no padding
    ConvCase(1, 2, 6, 7, k: 3, s: 1, p: 2),    // padding beyond k/2
    ConvCase(1, 2, 6, 7, k: 3, s: 1, p: 3),    // padding beyond k-1
    ConvCase(1, 2, 9, 8, k: 3, s: 2, p: 0),    // stride 2 with other paddings
    ConvCase(2, 3, 10, 11, k: 5, s: 2, p: 1),
    ConvCase(1, 2, 12, 13, k: 3, s: 2, p: 2),
    ConvCase(1, 2, 13, 12, k: 7, s: 2, p: 6),
    ConvCase(1, 2, 9, 9, k: 4, s: 1, p: 1),    // even kernel: generic path
    ConvCase(1, 2, 9, 10, k: 4, s: 2, p: 1),
    ConvCase(1, 2, 9, 9, k: 1, s: 2, p: 0),
    ConvCase(1, 2, 10, 11, k: 3, s: 3, p: 1),  // stride 3: generic path
    ConvCase(2, 16, 32, 32, k: 3, s: 1, p: 1), // big enough to split over both workers
    ConvCase(2, 16, 30, 30, k: 5, s: 2, p: 2),
    ConvCase(4, 160, 7, 7, k: 3, s: 1, p: 1),  // narrow planes split over both workers
]

private func naiveForward(_ x: [Float], _ wt: [Float], _ g: ConvCase) -> [Double] {
    var y = [Double](repeating: 0, count: g.n * g.c * g.oh * g.ow)
    for b in 0..<g.n {
        for ci in 0..<g.c {
            for oy in 0..<g.oh {
                for ox in 0..<g.ow {
                    var s = 0.0
                    for ky in 0..<g.k {
                        for kx in 0..<g.k {
                            let iy = oy * g.s - g.p + ky, ix = ox * g.s - g.p + kx
                            if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
                                s += Double(x[((b * g.c + ci) * g.h + iy) * g.w + ix]) * Double(wt[(ci * g.k + ky) * g.k + kx])
                            }
                        }
                    }
                    y[((b * g.c + ci) * g.oh + oy) * g.ow + ox] = s
                }
            }
        }
    }
    return y
}

/// Scatter form: every product of the forward sends dy back to the input it read.
private func naiveBackward(_ x: [Float], _ wt: [Float], _ dy: [Float], _ g: ConvCase) -> (dx: [Double], dw: [Double]) {
    var dx = [Double](repeating: 0, count: g.n * g.c * g.h * g.w)
    var dw = [Double](repeating: 0, count: g.c * g.k * g.k)
    for b in 0..<g.n {
        for ci in 0..<g.c {
            for oy in 0..<g.oh {
                for ox in 0..<g.ow {
                    let d = Double(dy[((b * g.c + ci) * g.oh + oy) * g.ow + ox])
                    for ky in 0..<g.k {
                        for kx in 0..<g.k {
                            let iy = oy * g.s - g.p + ky, ix = ox * g.s - g.p + kx
                            if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
                                let xi = ((b * g.c + ci) * g.h + iy) * g.w + ix, wi = (ci * g.k + ky) * g.k + kx
                                dx[xi] += d * Double(wt[wi])
                                dw[wi] += d * Double(x[xi])
                            }
                        }
                    }
                }
            }
        }
    }
    return (dx, dw)
}

@Suite struct DepthwiseTests {
    // Every kernel path this CPU can run (avx2, and avx512 where the CPU has it) against the naive loops.
    @Test(arguments: KernelDispatch.runnablePaths, cases)
    func forwardMatchesNaive(_ path: KernelPath, _ g: ConvCase) {
        var rng = RNG(seed: g.seed)
        let x = randomTensor([g.n, g.c, g.h, g.w], &rng)
        let wt = randomTensor([g.c, g.k, g.k], &rng)
        let y = Tensor(shape: [g.n, g.c, g.oh, g.ow], repeating: .nan)
        depthwiseForward(x.data, weight: wt.data, batch: g.n, channels: g.c, height: g.h, width: g.w,
                         kernel: g.k, stride: g.s, pad: g.p, y: y.data, path: path)
        expectClose(y, naiveForward(x.array, wt.array, g), "forward \(g)")
    }

    @Test(arguments: KernelDispatch.runnablePaths, cases)
    func backwardInputMatchesNaive(_ path: KernelPath, _ g: ConvCase) {
        var rng = RNG(seed: g.seed + 1)
        let x = randomTensor([g.n, g.c, g.h, g.w], &rng)
        let wt = randomTensor([g.c, g.k, g.k], &rng)
        let dy = randomTensor([g.n, g.c, g.oh, g.ow], &rng)
        let dx = Tensor(shape: [g.n, g.c, g.h, g.w], repeating: .nan)  // must be overwritten
        depthwiseBackwardInput(dy.data, weight: wt.data, batch: g.n, channels: g.c, height: g.h, width: g.w,
                               kernel: g.k, stride: g.s, pad: g.p, dx: dx.data, path: path)
        expectClose(dx, naiveBackward(x.array, wt.array, dy.array, g).dx, "backward input \(g)")
    }

    @Test(arguments: KernelDispatch.runnablePaths, cases)
    func backwardWeightAddsNaive(_ path: KernelPath, _ g: ConvCase) {
        var rng = RNG(seed: g.seed + 2)
        let x = randomTensor([g.n, g.c, g.h, g.w], &rng)
        let wt = randomTensor([g.c, g.k, g.k], &rng)
        let dy = randomTensor([g.n, g.c, g.oh, g.ow], &rng)
        let dw = randomTensor([g.c, g.k, g.k], &rng)  // existing gradient, added to
        let start = doubles(dw)
        depthwiseBackwardWeight(x.data, dy.data, batch: g.n, channels: g.c, height: g.h, width: g.w,
                                kernel: g.k, stride: g.s, pad: g.p, dweight: dw.data, path: path)
        let naive = naiveBackward(x.array, wt.array, dy.array, g).dw
        expectClose(dw, zip(start, naive).map { $0 + $1 }, "backward weight \(g)")
    }

    /// <forward(x), dy> == <x, backwardInput(dy)> == <w, backwardWeight(x, dy)>: the forward is
    /// linear in x and in w, and the two backward passes are its transposes.
    @Test(arguments: KernelDispatch.runnablePaths, cases)
    func backwardPassesAreAdjoints(_ path: KernelPath, _ g: ConvCase) {
        var rng = RNG(seed: g.seed + 3)
        let x = randomTensor([g.n, g.c, g.h, g.w], &rng)
        let wt = randomTensor([g.c, g.k, g.k], &rng)
        let dy = randomTensor([g.n, g.c, g.oh, g.ow], &rng)
        let y = Tensor(zeros: [g.n, g.c, g.oh, g.ow])
        depthwiseForward(x.data, weight: wt.data, batch: g.n, channels: g.c, height: g.h, width: g.w,
                         kernel: g.k, stride: g.s, pad: g.p, y: y.data, path: path)
        let dx = Tensor(zeros: [g.n, g.c, g.h, g.w])
        depthwiseBackwardInput(dy.data, weight: wt.data, batch: g.n, channels: g.c, height: g.h, width: g.w,
                               kernel: g.k, stride: g.s, pad: g.p, dx: dx.data, path: path)
        let dw = Tensor(zeros: [g.c, g.k, g.k])
        depthwiseBackwardWeight(x.data, dy.data, batch: g.n, channels: g.c, height: g.h, width: g.w,
                                kernel: g.k, stride: g.s, pad: g.p, dweight: dw.data, path: path)
        let ydy = dot(doubles(y), doubles(dy))
        let scale = Double(y.count * g.k * g.k).squareRoot()
        expectAdjoint(ydy, dot(doubles(x), doubles(dx)), scale: scale, "x adjoint \(g)")
        expectAdjoint(ydy, dot(doubles(wt), doubles(dw)), scale: scale, "w adjoint \(g)")
    }
}
