import Kernels
import Tensor

/// 2-D convolution with groups = 1 (depthwise convolutions are `DepthwiseConv2D`).
///
/// GEMMs over tiles (`ConvTiling`): bands of output rows for large images, several small images
/// side by side. A stride-1 "same" convolution runs each band as k² shifted GEMMs over a padded
/// copy of the image (`shiftedConvolutionBand`); others go through im2col in the shared
/// workspace, which 1×1 stride-1 convolutions skip when a tile is one image. Workers split the
/// batch by tile units with single-threaded OpenBLAS inside; a single unit splits its GEMMs.
///
/// Shapes: x [n, cin, h, w], weight [cout, cin, k, k], bias [cout], y [n, cout, oh, ow].
public final class Conv2D: Layer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public let weight: Parameter
    public let bias: Parameter?
    public let workspace: Workspace

    var input = Tensor(zeros: [0])
    private var out = Buffer()
    /// Where backward gets the input when it was not kept (`RecomputableOutput`).
    public var inputSource: RecomputableOutput?

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int? = nil,
                bias: Bool = false, workspace: Workspace = Workspace()) {
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding ?? kernel / 2
        self.workspace = workspace
        weight = Parameter(name: "weight", shape: [outChannels, inChannels, kernel, kernel])
        self.bias = bias ? Parameter(name: "bias", shape: [outChannels], decays: true) : nil
    }

    public var fanIn: Int { inChannels * kernel * kernel }
    public var fanOut: Int { outChannels * kernel * kernel }

    public func initialize(_ scheme: InitScheme, rng: inout RNG) {
        switch scheme {
        case .pytorchDefault: Initializer.pytorchDefault(weight.value, fanIn: fanIn, rng: &rng)
        case .kaimingNormalFanOut: Initializer.kaimingNormalFanOut(weight.value, fanOut: fanOut, rng: &rng)
        }
        if let b = bias {
            if scheme == .pytorchDefault { Initializer.pytorchBias(b.value, fanIn: fanIn, rng: &rng) } else { b.value.zero() }
        }
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    public func outputShape(_ s: [Int]) -> [Int] {
        [s[0], outChannels, (s[2] + 2 * padding - kernel) / stride + 1, (s[3] + 2 * padding - kernel) / stride + 1]
    }

    public var summary: String {
        kernel == 1 ? "conv 1x1/\(stride) \(inChannels)->\(outChannels)" : "conv \(kernel)x\(kernel)/\(stride) \(inChannels)->\(outChannels)"
    }

    public func macs(_ s: [Int]) -> Int {
        let o = outputShape([1] + s)
        return o[2] * o[3] * outChannels * inChannels * kernel * kernel
    }

    private var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// How the batch is cut into GEMM tiles (see `ConvTiling`).
    public var tiling = ConvTiling.Policy()

    /// False for a network's first convolution, whose input is the images: backward then skips
    /// dx (a third of the layer's backward work) and returns an empty tensor.
    public var computesInputGradient = true

    /// Passes that run as Winograd F(2×2, 3×3) when the geometry allows (stride-1, pad-1 3×3 over
    /// at least `tiling.winogradChannels` channels); the rest use shifted GEMMs or im2col. Tests
    /// compare the paths; `FACENAS_WINOGRAD` sets the default (`WinogradPasses.configured`).
    public var winogradPasses = WinogradPasses.configured

    /// taps[ky·k + kx][co][ci] = W[co, ci, ky, kx]: one [cout, cin] matrix per tap for the shifted GEMMs.
    func weightTaps() -> Tensor {
        let (cin, cout, kk) = (inChannels, outChannels, kernel * kernel)
        let t = workspace.weightScratch([kk, cout, cin]), w = weight.value.data
        for co in 0..<cout { for ci in 0..<cin { for i in 0..<kk { t.data[(i * cout + co) * cin + ci] = w[(co * cin + ci) * kk + i] } } }
        return t
    }

    /// The input-gradient convolution's taps: [ky·k + kx][ci][co] = W[co, ci, k-1-ky, k-1-kx].
    func flippedTaps() -> Tensor {
        let (cin, cout, kk) = (inChannels, outChannels, kernel * kernel)
        let t = workspace.weightScratch([kk, cin, cout]), w = weight.value.data
        for co in 0..<cout { for ci in 0..<cin { for i in 0..<kk { t.data[(i * cin + ci) * cout + co] = w[(co * cin + ci) * kk + kk - 1 - i] } } }
        return t
    }

    /// Stride-1 "same" convolutions with k > 1 run as shifted GEMMs over a padded copy
    /// (`shiftedConvolutionBand`) when an image is not grouped with others. Each tap's GEMM has
    /// depth cin (cout for the input gradient), so a stem over 1–3 channels keeps im2col.
    func shifts(_ g: Geometry, _ plan: ConvTiling) -> Bool {
        useShiftedGemms && plan.groupSize == 1 && g.k > 1 && g.s == 1 && 2 * g.p == g.k - 1
            && min(g.cin, g.cout) >= tiling.shiftChannels
    }

    /// False falls back to im2col for every convolution (tests compare the two).
    public var useShiftedGemms = true

    /// W'[ci, co, ky, kx] = W[co, ci, k-1-ky, k-1-kx]: the filters of the input-gradient convolution.
    func flippedWeights() -> Tensor {
        let (cin, cout, k) = (inChannels, outChannels, kernel), kk = k * k
        let f = workspace.weightScratch([cin, cout * kk])
        let w = weight.value.data
        for co in 0..<cout {
            for ci in 0..<cin {
                let src = w + (co * cin + ci) * kk, dst = f.data + (ci * cout + co) * kk
                for i in 0..<kk { dst[i] = src[kk - 1 - i] }
            }
        }
        return f
    }

    struct Geometry: @unchecked Sendable {
        let n: Int, cin: Int, cout: Int, h: Int, w: Int, oh: Int, ow: Int, k: Int, s: Int, p: Int
        let pointwise: Bool
        var kk: Int { cin * k * k }
        var ohw: Int { oh * ow }
        var inPlane: Int { cin * h * w }
        var outPlane: Int { cout * oh * ow }

        /// im2col of `images` consecutive images into one tile, side by side (pitch images·oh·ow).
        func lowerSideBySide(_ x: UnsafePointer<Float>, images: Int, into cols: UnsafeMutablePointer<Float>) {
            for j in 0..<images {
                im2col(x + j * inPlane, channels: cin, height: h, width: w, kernel: k, stride: s, pad: p, ld: images * ohw,
                       col: cols + j * ohw)
            }
        }
    }

    func geometry(_ x: Tensor) -> Geometry {
        let os = outputShape(x.shape)
        return Geometry(n: x.shape[0], cin: inChannels, cout: outChannels, h: x.shape[2], w: x.shape[3], oh: os[2], ow: os[3],
                        k: kernel, s: stride, p: padding, pointwise: isPointwise)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inChannels, "Conv2D: input \(x.shape), expected [n, \(inChannels), h, w]")
        input = x
        let g = geometry(x)
        let y = out.tensor([g.n, g.cout, g.oh, g.ow])
        if winogradPasses.contains(.forward) && winograds(g) {
            winogradForward(x, g, into: y)
            if let b = bias {
                for i in 0..<g.n {
                    for co in 0..<g.cout {
                        let v = b.value.data[co], row = y.data + i * g.outPlane + co * g.ohw
                        for j in 0..<g.ohw { row[j] += v }
                    }
                }
            }
            return y
        }
        let plan = ConvTiling(batch: g.n, outHeight: g.oh, outWidth: g.ow, depth: g.kk, policy: tiling,
                              workers: Parallel.workers)
        let grouped = plan.groupSize > 1, shifted = shifts(g, plan)
        let cols = (g.pointwise && !grouped) || shifted ? [] : workspace.prepareColumns(count: g.kk * plan.columns)
        let pw = g.w + 2 * g.p
        let tiles = grouped ? workspace.prepareTiles(count: g.cout * plan.columns)
            : shifted ? workspace.prepareTiles(count: g.cout * plan.bandRows * pw) : []
        let padded = shifted ? workspace.preparePadded(count: paddedPlanesCount(channels: g.cin, height: g.h, width: g.w, pad: g.p)) : []
        let taps = shifted ? weightTaps() : nil
        let tp = taps.map { SendablePointer($0.data) }
        let xp = SendablePointer(x.data), yp = SendablePointer(y.data), wp = SendablePointer(weight.value.data)
        let bp = bias.map { SendablePointer($0.value.data) }
        // Inside a worker parallelGemm is a plain GEMM; with a single unit it splits the GEMM instead.
        Parallel.forWorkers(plan.units) { t, lo, hi in
            for u in lo..<hi {
                let i0 = u * plan.groupSize, count = min(plan.groupSize, g.n - i0)
                if grouped {
                    let ld = count * g.ohw
                    g.lowerSideBySide(xp.p + i0 * g.inPlane, images: count, into: cols[t].p)
                    BLAS.parallelGemm(m: g.cout, n: ld, k: g.kk, a: wp.p, lda: g.kk, b: cols[t].p, ldb: ld, c: tiles[t].p, ldc: ld)
                    scatterTile(tiles[t].p, images: count, rows: g.cout, columns: g.ohw, into: yp.p + i0 * g.outPlane)
                } else if let tp {
                    padPlanes(xp.p + i0 * g.inPlane, channels: g.cin, height: g.h, width: g.w, pad: g.p, into: padded[t].p)
                    for r0 in Swift.stride(from: 0, to: g.oh, by: plan.bandRows) {
                        shiftedConvolutionBand(padded[t].p, channels: g.cin, height: g.h, width: g.w, kernel: g.k, taps: tp.p,
                                               outChannels: g.cout, rows: r0..<min(g.oh, r0 + plan.bandRows), scratch: tiles[t].p,
                                               y: yp.p + i0 * g.outPlane)
                    }
                } else {
                    let xi = xp.p + i0 * g.inPlane, yi = yp.p + i0 * g.outPlane
                    for r0 in Swift.stride(from: 0, to: g.oh, by: plan.bandRows) {
                        let band = r0..<min(g.oh, r0 + plan.bandRows), nc = band.count * g.ow
                        var b = UnsafePointer(xi + r0 * g.ow), ldb = g.ohw
                        if !g.pointwise {
                            im2col(xi, channels: g.cin, height: g.h, width: g.w, kernel: g.k, stride: g.s, pad: g.p,
                                   rows: band, col: cols[t].p)
                            b = UnsafePointer(cols[t].p); ldb = nc
                        }
                        BLAS.parallelGemm(m: g.cout, n: nc, k: g.kk, a: wp.p, lda: g.kk, b: b, ldb: ldb,
                                          c: yi + r0 * g.ow, ldc: g.ohw)
                    }
                }
                if let bp {
                    for i in i0..<(i0 + count) {
                        for co in 0..<g.cout {
                            let v = bp.p[co], row = yp.p + i * g.outPlane + co * g.ohw
                            for j in 0..<g.ohw { row[j] += v }
                        }
                    }
                }
            }
        }
        return y
    }
}
