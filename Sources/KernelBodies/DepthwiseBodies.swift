import Tensor

// Depthwise convolution (groups == channels) as direct kernels. PyTorch's CPU path is weak here
// (~30 GFLOP/s at batch 8); lowering to GEMM would waste k*k-fold memory for one output channel.
//
// Every pass works plane by plane: the source plane is copied once into a small per-thread
// scratch that already holds the zero padding, so the hot loop has no border tests. For stride
// s > 1 the padded plane is stored as s column phases (phase q holds padded columns q, q+s, ...),
// so a SIMD vector of consecutive outputs reads consecutive floats of one phase. The inner loop
// keeps several output rows in flight (independent FMA chains), and each (kernel, stride) pair
// gets its own specialised copy of the loops.

/// Output rows computed together: one broadcast weight feeds this many FMAs, and the accumulators
/// fill eight vector registers, enough independent chains to hide FMA latency (AVX2: 4 x 16 or
/// 8 x 8 lanes; AVX-512, where a 16-lane vector is one register: 8 rows either way).
@inlinable @inline(__always)
public func rowGroup<I: VectorISA>(lanes: Int, _: I.Type) -> Int { min(8, 8 / I.registers(lanes: lanes)) }

/// Layout of the padded scratch for a stride-`s` correlation producing `oh` x `ow` outputs with a
/// `k` x `k` window: `s` phase planes of `rows` x `pitch` floats. Rows and columns are padded up
/// to whole row groups and SIMD vectors, so the last group reads zeros instead of running over.
public struct PlaneLayout: Sendable {
    public let s: Int
    public let rows: Int
    public let pitch: Int
    @inlinable public var phaseSize: Int { rows * pitch }
    @inlinable public var total: Int { s * phaseSize }

    /// A single-phase layout of the given size.
    @inlinable public init(rows: Int, pitch: Int) {
        s = 1
        self.rows = rows
        self.pitch = pitch
    }

    @inlinable
    public init<I: VectorISA>(outHeight oh: Int, outWidth ow: Int, kernel k: Int, stride s: Int, lanes: Int, _: I.Type) {
        let group = rowGroup(lanes: lanes, I.self)
        let ohR = (oh + group - 1) / group * group
        let owR = (ow + lanes - 1) / lanes * lanes
        self.s = s
        rows = s * (ohR - 1) + k
        pitch = owR + (k - 1) / s
    }
}

/// Kernel size and stride as compile-time constants: each conforming type gets its own
/// specialisation of the hot loops, with the window loops unrolled and `kx % s`, `kx / s` folded.
/// `AnyWindow` falls back to the runtime values.
public protocol WindowShape {
    static var kernel: Int? { get }
    static var stride: Int? { get }
}
public enum K3S1: WindowShape { public static var kernel: Int? { 3 }; public static var stride: Int? { 1 } }
public enum K3S2: WindowShape { public static var kernel: Int? { 3 }; public static var stride: Int? { 2 } }
public enum K5S1: WindowShape { public static var kernel: Int? { 5 }; public static var stride: Int? { 1 } }
public enum K5S2: WindowShape { public static var kernel: Int? { 5 }; public static var stride: Int? { 2 } }
public enum K7S1: WindowShape { public static var kernel: Int? { 7 }; public static var stride: Int? { 1 } }
public enum K7S2: WindowShape { public static var kernel: Int? { 7 }; public static var stride: Int? { 2 } }
public enum AnyWindow: WindowShape { public static var kernel: Int? { nil }; public static var stride: Int? { nil } }

/// Work that is generic over the window shape. `dispatchWindow` calls `run` with the concrete
/// shape type, so each case is a separately specialised copy (an existential metatype would leave
/// the hot loop unspecialised, with metadata lookups per iteration).
public protocol WindowJob {
    func run<W: WindowShape>(_ window: W.Type)
}

@inlinable
public func dispatchWindow<J: WindowJob>(kernel k: Int, stride s: Int, _ job: J) {
    switch (k, s) {
    case (3, 1): job.run(K3S1.self)
    case (3, 2): job.run(K3S2.self)
    case (5, 1): job.run(K5S1.self)
    case (5, 2): job.run(K5S2.self)
    case (7, 1): job.run(K7S1.self)
    case (7, 2): job.run(K7S2.self)
    default: job.run(AnyWindow.self)
    }
}

/// Copies source planes into the scratch: padded column `p + sx*d` of padded row `p + sy*d`
/// receives src[sy][sx] (d > 1 spreads the plane with zeros in between, for the input gradient of
/// a strided convolution; `p` may be negative, cropping). Positions outside the layout are dropped;
/// they never reach a computed output. Only data positions are written, and they are the same for
/// every plane of a call, so the zeros laid down once per call stay valid. The ranges are worked
/// out once per call: for 7x7 planes the divisions would cost as much as the copy.
public struct PlaneFill: Sendable {
    public let layout: PlaneLayout
    public let sw: Int, p: Int, d: Int
    /// Source rows and columns that land inside the layout.
    public let sy0: Int, sy1: Int, sx0: Int, sx1: Int

    @inlinable public init(height sh: Int, width sw: Int, pad p: Int, dilation d: Int, layout: PlaneLayout) {
        precondition(d == 1 || layout.s == 1, "PlaneFill: dilation and phases together are not needed")
        self.layout = layout
        self.sw = sw; self.p = p; self.d = d
        sy0 = max(0, ceilDiv(-p, d))
        sy1 = max(sy0, min(sh, floorDiv(layout.rows - 1 - p, d) + 1))
        sx0 = max(0, ceilDiv(-p, d))
        sx1 = max(sx0, min(sw, floorDiv(layout.s * layout.pitch - 1 - p, d) + 1))
    }

    @inlinable @inline(__always)
    public func callAsFunction(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let s = layout.s, pitch = layout.pitch
        if sx1 == sx0 { return }
        if s == 1 {
            for sy in sy0..<sy1 {
                let row = dst + ((p &+ sy &* d) &* pitch &+ p)
                let srow = src + sy &* sw
                if d == 1 {
                    copyRun(srow + sx0, to: row + sx0, count: sx1 &- sx0)
                } else {
                    for sx in sx0..<sx1 { row[sx &* d] = srow[sx] }
                }
            }
        } else if s == 2 {
            // Source column sx lands in phase (sx + p) & 1 at index (sx + p) >> 1. Sixteen source
            // floats starting at an even padded column split into eight per phase.
            let even = dst, odd = dst + layout.phaseSize
            for sy in sy0..<sy1 {
                let r = (p &+ sy) &* pitch
                let srow = src + sy &* sw
                var sx = sx0
                if (sx &+ p) & 1 == 1 { odd[r &+ (sx &+ p) >> 1] = srow[sx]; sx &+= 1 }
                while sx &+ 16 <= sx1 {
                    let v = load(srow + sx, as: SIMD16<Float>.self)
                    let i = r &+ (sx &+ p) >> 1
                    store(v.evenHalf, even + i)
                    store(v.oddHalf, odd + i)
                    sx &+= 16
                }
                while sx < sx1 {
                    let c = sx &+ p
                    (c & 1 == 0 ? even : odd)[r &+ c >> 1] = srow[sx]
                    sx &+= 1
                }
            }
        } else {
            for q in 0..<s {
                // Phase q, index i holds padded column i*s + q, i.e. source column i*s + q - p.
                let i0 = max(0, ceilDiv(p - q, s)), i1 = min(pitch, floorDiv(sw - 1 + p - q, s) + 1)
                if i1 <= i0 { continue }
                let plane = dst + q * layout.phaseSize
                for sy in sy0..<sy1 {
                    let row = plane + (p &+ sy) &* pitch
                    let srow = src + (sy &* sw &+ q &- p)
                    for i in i0..<i1 { row[i] = srow[i &* s] }
                }
            }
        }
    }
}

/// y[oy][ox] = sum over ky, kx of P[s*oy + ky][s*ox + kx] * w[ky*k + kx] (valid correlation of the
/// padded scratch), for one plane.
@inlinable
public func correlate<I: VectorISA, V: SIMD, W: WindowShape>(
    _ P: UnsafePointer<Float>, layout: PlaneLayout, weight w: UnsafePointer<Float>, kernel kArg: Int, stride sArg: Int,
    outHeight oh: Int, outWidth ow: Int, y: UnsafeMutablePointer<Float>, yPitch: Int, _: I.Type, _: V.Type, _: W.Type)
    where V.Scalar == Float {
    let k = W.kernel ?? kArg, s = W.stride ?? sArg
    let lanes = V.scalarCount, group = rowGroup(lanes: lanes, I.self)
    let pitch = layout.pitch, phase = layout.phaseSize
    let rowStep = s * pitch
    // One vector per output row and rows back to back in y: see the stores below.
    let narrowRows = ow <= lanes && yPitch == ow && lanes <= 2 * ow
    var oy0 = 0
    while oy0 < oh {
        var ox0 = 0
        while ox0 < ow {
            // `group` output rows share each broadcast weight.
            var acc = InlineArray<8, V>(repeating: V())
            let base = P + s * oy0 * pitch + ox0
            // Wrapping index arithmetic: the layout bounds every offset, and overflow checks
            // would cost registers and branches in the innermost loop.
            for ky in 0..<k {
                let rp = base + ky &* pitch
                let wr = w + ky &* k
                for kx in 0..<k {
                    let off: Int = (kx % s) &* phase &+ kx / s
                    let src = rp + off
                    let wv = V(repeating: wr[kx])
                    for j in 0..<group { acc[j].addProduct(load(src + j &* rowStep, as: V.self), wv) }
                }
            }
            let nr = min(group, oh - oy0), nx = min(lanes, ow - ox0)
            let yb = y + oy0 * yPitch + ox0
            // Constant trip counts keep `acc` in registers (a runtime index would spill it).
            if nx == lanes {
                for j in 0..<group where j < nr { store(acc[j], yb + j &* yPitch) }
            } else if narrowRows {
                // Whole vectors: the lanes past the row end land on the start of the next row,
                // which is stored afterwards. Only the plane's last row must stop exactly.
                for j in 0..<group where j < nr {
                    if oy0 &+ j < oh &- 1 { store(acc[j], yb + j &* yPitch) }
                    else { storePartial(acc[j], yb + j &* yPitch, count: nx) }
                }
            } else {
                for j in 0..<group where j < nr { storePartial(acc[j], yb + j &* yPitch, count: nx) }
            }
            ox0 += lanes
        }
        oy0 += group
    }
}

/// Where the planes of a correlation come from: plane i starts at `base + i*planeSize`, is
/// `height` x `width`, and goes into the scratch with padding `pad` and dilation `dilation`.
public struct PlaneSource {
    public let base: UnsafePointer<Float>
    public let planeSize: Int, height: Int, width: Int, pad: Int, dilation: Int

    @inlinable
    public init(base: UnsafePointer<Float>, planeSize: Int, height: Int, width: Int, pad: Int, dilation: Int) {
        self.base = base
        self.planeSize = planeSize; self.height = height; self.width = width; self.pad = pad; self.dilation = dilation
    }
}

/// `correlate` over planes `planes` (plane i uses filter i % c), with one worker's scratch.
public struct CorrelateJob<I: VectorISA, V: SIMD>: WindowJob where V.Scalar == Float {
    public let planes: Range<Int>
    public let source: PlaneSource
    public let scratch: UnsafeMutablePointer<Float>
    public let layout: PlaneLayout
    public let weight: UnsafePointer<Float>
    public let c: Int, k: Int, s: Int, oh: Int, ow: Int
    public let y: UnsafeMutablePointer<Float>
    public let yPlaneSize: Int, yPitch: Int

    @inlinable
    public init(planes: Range<Int>, source: PlaneSource, scratch: UnsafeMutablePointer<Float>, layout: PlaneLayout,
                 weight: UnsafePointer<Float>, c: Int, k: Int, s: Int, oh: Int, ow: Int, y: UnsafeMutablePointer<Float>,
                 yPlaneSize: Int, yPitch: Int) {
        self.planes = planes; self.source = source; self.scratch = scratch; self.layout = layout; self.weight = weight
        self.c = c; self.k = k; self.s = s; self.oh = oh; self.ow = ow; self.y = y
        self.yPlaneSize = yPlaneSize; self.yPitch = yPitch
    }

    @inlinable
    public func run<W: WindowShape>(_ window: W.Type) {
        let fill = PlaneFill(height: source.height, width: source.width, pad: source.pad, dilation: source.dilation,
                             layout: layout)
        for i in planes {
            fill(source.base + i * source.planeSize, into: scratch)
            correlate(scratch, layout: layout, weight: weight + (i % c) * k * k, kernel: k, stride: s,
                      outHeight: oh, outWidth: ow, y: y + i * yPlaneSize, yPitch: yPitch, I.self, V.self, W.self)
        }
    }
}

/// Runs the correlation for every plane of a batch on the workers.
@inlinable
public func correlateBatch<I: VectorISA>(planes: Int, source: PlaneSource, outHeight oh: Int, outWidth ow: Int, kernel k: Int,
                                          stride s: Int, weight: UnsafePointer<Float>, channels c: Int,
                                          y: UnsafeMutablePointer<Float>, yPlaneSize: Int, yPitch: Int, _: I.Type) {
    // Narrow planes (7x7 at the end of a face network) would waste half of a 16-lane vector.
    let wide = ow > 8
    let layout = PlaneLayout(outHeight: oh, outWidth: ow, kernel: k, stride: s, lanes: wide ? 16 : 8, I.self)
    let src = ConstPointer(source.base), ws = ConstPointer(weight), ys = SendablePointer(y)
    let (ph, pw, pp, pd, psize) = (source.height, source.width, source.pad, source.dilation, source.planeSize)
    Parallel.forWorkers(planes, minChunk: minChunk(itemCost: oh * ow * k * k, grain: 131_072)) { _, lo, hi in
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: layout.total)
        scratch.initialize(repeating: 0, count: layout.total)
        defer { scratch.deallocate() }
        let source = PlaneSource(base: src.p, planeSize: psize, height: ph, width: pw, pad: pp, dilation: pd)
        if wide {
            dispatchWindow(kernel: k, stride: s, CorrelateJob<I, SIMD16<Float>>(
                planes: lo..<hi, source: source, scratch: scratch, layout: layout, weight: ws.p, c: c, k: k, s: s,
                oh: oh, ow: ow, y: ys.p, yPlaneSize: yPlaneSize, yPitch: yPitch))
        } else {
            dispatchWindow(kernel: k, stride: s, CorrelateJob<I, SIMD8<Float>>(
                planes: lo..<hi, source: source, scratch: scratch, layout: layout, weight: ws.p, c: c, k: k, s: s,
                oh: oh, ow: ow, y: ys.p, yPlaneSize: yPlaneSize, yPitch: yPitch))
        }
    }
}

/// The body of `depthwiseForward` (see Kernels), specialised per instruction set.
@inlinable
public func depthwiseForwardBody<I: VectorISA>(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch n: Int, channels c: Int,
                                               height h: Int, width w: Int, kernel k: Int, stride s: Int, pad p: Int,
                                               y: UnsafeMutablePointer<Float>, _: I.Type) {
    // x: [n, c, h, w], weight: [c, k, k] -> y: [n, c, oh, ow]
    let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
    if n * c <= 0 || oh <= 0 || ow <= 0 { return }
    correlateBatch(planes: n * c, source: PlaneSource(base: x, planeSize: h * w, height: h, width: w, pad: p, dilation: 1),
                   outHeight: oh, outWidth: ow, kernel: k, stride: s, weight: weight, channels: c,
                   y: y, yPlaneSize: oh * ow, yPitch: ow, I.self)
}

/// Geometry of the stride-2 input gradient by output phases. Output row iy = 2u + a only receives
/// taps ky with ky ≡ a + p (mod 2), each reading dy row u + (a + p - ky)/2; likewise for columns.
/// dy is padded by `pad` on every side so that all those offsets are >= 0.
public struct Stride2Geometry: Sendable {
    public let pad: Int, maxOffset: Int
    public let layout: PlaneLayout

    @inlinable public static var rows: Int { 4 }
    @inlinable public static var lanes: Int { 8 }

    @inlinable public init(kernel k: Int, pad p: Int, height h: Int, width w: Int) {
        var lo = Int.max, hi = Int.min
        for a in 0..<2 {
            for ky in stride(from: (a + p) & 1, to: k, by: 2) {
                let t = (a + p - ky) / 2
                lo = min(lo, t); hi = max(hi, t)
            }
        }
        if lo > hi { lo = 0; hi = 0 }  // k == 1 with the wrong parity: no taps at all
        pad = max(0, -lo)
        maxOffset = hi + pad
        let g = Stride2Geometry.rows, l = Stride2Geometry.lanes
        let uR = ((h + 1) / 2 + g - 1) / g * g, vR = ((w + 1) / 2 + l - 1) / l * l
        layout = PlaneLayout(rows: uR + maxOffset, pitch: vR + maxOffset)
    }
}

/// The taps of one column phase b for four dx rows: a_j += Σ dy'[row + j][col + (b + p - kx)/2] ·
/// w[ky][kx] over kx ≡ b + p (mod 2), for each ky of the row phase. `rowStarts` holds, per ky,
/// the scratch pointer of the first row; eight lanes are eight dx columns 2v + b.
@inlinable @inline(__always)
public func stride2Taps(_ Dp: UnsafePointer<Float>, pitch: Int, rowPhase a: Int, columnPhase b: Int, pad: Int,
                         p: Int, k: Int, weight w: UnsafePointer<Float>,
                         _ a0: inout SIMD8<Float>, _ a1: inout SIMD8<Float>, _ a2: inout SIMD8<Float>, _ a3: inout SIMD8<Float>) {
    var ky = (a + p) & 1
    while ky < k {
        let rp = Dp + ((a + p - ky) / 2 + pad) &* pitch
        var kx = (b + p) & 1
        while kx < k {
            let src = rp + ((b + p - kx) / 2 + pad)
            let wv = SIMD8<Float>(repeating: w[ky &* k &+ kx])
            a0.addProduct(load(src, as: SIMD8<Float>.self), wv)
            a1.addProduct(load(src + pitch, as: SIMD8<Float>.self), wv)
            a2.addProduct(load(src + 2 &* pitch, as: SIMD8<Float>.self), wv)
            a3.addProduct(load(src + 3 &* pitch, as: SIMD8<Float>.self), wv)
            kx &+= 2
        }
        ky &+= 2
    }
}

/// Lanes of `e` to even and of `o` to odd positions (LLVM turns this into unpack shuffles).
@inlinable @inline(__always)
public func interleave(_ e: SIMD8<Float>, _ o: SIMD8<Float>) -> SIMD16<Float> {
    SIMD16(e[0], o[0], e[1], o[1], e[2], o[2], e[3], o[3], e[4], o[4], e[5], o[5], e[6], o[6], e[7], o[7])
}

/// One plane of the stride-2 input gradient from the padded dy in `Dp` (layout of `geo`): both
/// column phases of four dx rows at once, interleaved into sixteen contiguous dx columns. Only
/// taps that hit real dy samples are multiplied, unlike the zero-spread form.
@inlinable
public func stride2InputGradPlane<I: VectorISA>(_ Dp: UnsafePointer<Float>, geometry geo: Stride2Geometry,
                                                 weight w: UnsafePointer<Float>, kernel k: Int, pad p: Int, height h: Int,
                                                 width wd: Int, dx: UnsafeMutablePointer<Float>, _: I.Type) {
    let pitch = geo.layout.pitch, pad = geo.pad
    for a in 0..<2 {
        let uCount = (h - a + 1) / 2
        var u0 = 0
        while u0 < uCount {
            var v0 = 0
            while 2 * v0 < wd {
                var e0 = SIMD8<Float>(), e1 = e0, e2 = e0, e3 = e0
                var o0 = e0, o1 = e0, o2 = e0, o3 = e0
                let base = Dp + (u0 &* pitch &+ v0)
                stride2Taps(base, pitch: pitch, rowPhase: a, columnPhase: 0, pad: pad, p: p, k: k, weight: w, &e0, &e1, &e2, &e3)
                stride2Taps(base, pitch: pitch, rowPhase: a, columnPhase: 1, pad: pad, p: p, k: k, weight: w, &o0, &o1, &o2, &o3)
                let cols = min(16, wd - 2 * v0)
                let nr = min(4, uCount - u0)
                let out = dx + (2 * u0 + a) * wd + 2 * v0
                let rowStep = 2 * wd
                if cols == 16 {
                    store(interleave(e0, o0), out)
                    if nr > 1 { store(interleave(e1, o1), out + rowStep) }
                    if nr > 2 { store(interleave(e2, o2), out + 2 * rowStep) }
                    if nr > 3 { store(interleave(e3, o3), out + 3 * rowStep) }
                } else {
                    storePartial(interleave(e0, o0), out, count: cols)
                    if nr > 1 { storePartial(interleave(e1, o1), out + rowStep, count: cols) }
                    if nr > 2 { storePartial(interleave(e2, o2), out + 2 * rowStep, count: cols) }
                    if nr > 3 { storePartial(interleave(e3, o3), out + 3 * rowStep, count: cols) }
                }
                v0 += 8
            }
            u0 += 4
        }
    }
}

/// The body of `depthwiseBackwardInput` (see Kernels), specialised per instruction set.
@inlinable
public func depthwiseBackwardInputBody<I: VectorISA>(_ dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch n: Int, channels c: Int,
                                                     height h: Int, width w: Int, kernel k: Int, stride s: Int, pad p: Int,
                                                     dx: UnsafeMutablePointer<Float>, _: I.Type) {
    // dy: [n, c, oh, ow], weight: [c, k, k] -> dx: [n, c, h, w]
    let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
    if n * c <= 0 || h <= 0 || w <= 0 { return }
    if oh <= 0 || ow <= 0 { dx.update(repeating: 0, count: n * c * h * w); return }
    if s == 2 {
        let geo = Stride2Geometry(kernel: k, pad: p, height: h, width: w)
        let dys = ConstPointer(dy), ws = ConstPointer(weight), dxs = SendablePointer(dx)
        Parallel.forWorkers(n * c, minChunk: minChunk(itemCost: oh * ow * k * k, grain: 131_072)) { _, lo, hi in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: geo.layout.total)
            scratch.initialize(repeating: 0, count: geo.layout.total)
            defer { scratch.deallocate() }
            let fill = PlaneFill(height: oh, width: ow, pad: geo.pad, dilation: 1, layout: geo.layout)
            for i in lo..<hi {
                fill(dys.p + i * oh * ow, into: scratch)
                stride2InputGradPlane(scratch, geometry: geo, weight: ws.p + (i % c) * k * k, kernel: k, pad: p,
                                      height: h, width: w, dx: dxs.p + i * h * w, I.self)
            }
        }
        return
    }
    let kk = k * k
    let rotated = UnsafeMutablePointer<Float>.allocate(capacity: c * kk)
    defer { rotated.deallocate() }
    for ci in 0..<c {
        for i in 0..<kk { rotated[ci * kk + i] = weight[ci * kk + kk - 1 - i] }
    }
    correlateBatch(planes: n * c, source: PlaneSource(base: dy, planeSize: oh * ow, height: oh, width: ow, pad: k - 1 - p, dilation: s),
                   outHeight: h, outWidth: w, kernel: k, stride: 1, weight: rotated, channels: c,
                   y: dx, yPlaneSize: h * w, yPitch: w, I.self)
}

/// Register blocking of the weight-gradient loop: `rows` rows of dy in flight times `group` filter
/// columns, at most twelve AVX2 registers of accumulators in all.
@inlinable @inline(__always)
public func weightGradBlocking<I: VectorISA>(kernel k: Int, lanes: Int, _: I.Type) -> (rows: Int, group: Int) {
    let regs = I.registers(lanes: lanes)
    let rows = max(1, min(4, 12 / (k * regs)))
    let widest = 12 / (rows * regs)
    let passes = (k + widest - 1) / widest
    return (rows, (k + passes - 1) / passes)
}

/// For one plane: accF[ky*k + kx] += dy[oy][ox] * P[s*oy + ky][s*ox + kx], lane-wise over ox (the
/// lanes are summed once per channel). `D` holds dy with rows of `dPitch` floats, zero past `ow`,
/// so whole vectors can be used. Each dy vector is loaded once per (ky, column group) and feeds
/// `group` FMAs.
@inlinable
public func weightGradPlane<I: VectorISA, V: SIMD, W: WindowShape>(
    _ P: UnsafePointer<Float>, layout: PlaneLayout, _ D: UnsafePointer<Float>, dPitch: Int, kernel kArg: Int,
    stride sArg: Int, outHeight oh: Int, acc accF: UnsafeMutablePointer<V>, _: I.Type, _: V.Type, _: W.Type)
    where V.Scalar == Float {
    let k = W.kernel ?? kArg, s = W.stride ?? sArg
    let lanes = V.scalarCount
    let (rows, group) = weightGradBlocking(kernel: k, lanes: lanes, I.self)
    let pitch = layout.pitch, phase = layout.phaseSize, rowStep = s &* pitch
    for ky in 0..<k {
        var kx0 = 0
        while kx0 < k {
            var acc = InlineArray<12, V>(repeating: V())
            for t in 0..<group where kx0 + t < k { acc[t] = accF[ky * k + kx0 + t] }
            var oy = 0
            while oy + rows <= oh {
                let d0 = D + oy &* dPitch, p0 = P + (s &* oy &+ ky) &* pitch
                var x = 0
                while x < dPitch {
                    for r in 0..<rows {
                        let dv = load(d0 + (r &* dPitch &+ x), as: V.self)
                        let pr = p0 + (r &* rowStep &+ x)
                        for t in 0..<group where kx0 + t < k {
                            let kx = kx0 &+ t
                            let off: Int = (kx % s) &* phase &+ kx / s
                            acc[r * group + t].addProduct(dv, load(pr + off, as: V.self))
                        }
                    }
                    x &+= lanes
                }
                oy += rows
            }
            while oy < oh {
                let d0 = D + oy &* dPitch, p0 = P + (s &* oy &+ ky) &* pitch
                var x = 0
                while x < dPitch {
                    let dv = load(d0 + x, as: V.self)
                    for t in 0..<group where kx0 + t < k {
                        let kx = kx0 &+ t
                        let off: Int = (kx % s) &* phase &+ kx / s
                        acc[t].addProduct(dv, load(p0 + (x &+ off), as: V.self))
                    }
                    x &+= lanes
                }
                oy += 1
            }
            for t in 0..<group where kx0 + t < k {
                var v = acc[t]
                for r in 1..<max(rows, 1) { v += acc[r * group + t] }
                accF[ky * k + kx0 + t] = v
            }
            kx0 += group
        }
    }
}

/// Adds the lanes of the Float accumulators into the Double ones and clears them. Float partial
/// sums stay short (a few hundred terms per lane); the long sum over a batch runs in Double.
@inlinable @inline(__always)
public func flushWeightGrad<I: VectorISA, V: SIMD>(_ accF: UnsafeMutablePointer<V>, into accD: UnsafeMutablePointer<Double>,
                                                    count: Int, _: I.Type) where V.Scalar == Float {
    for i in 0..<count {
        let v = accF[i]
        var t = 0.0
        for l in 0..<V.scalarCount { t += Double(v[l]) }
        accD[i] += t
        accF[i] = V()
    }
}

/// The weight gradient for channels `channels`, with one worker's scratch.
public struct WeightGradJob<I: VectorISA, V: SIMD>: WindowJob where V.Scalar == Float {
    public let channels: Range<Int>
    public let x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>
    public let n: Int, c: Int, h: Int, w: Int, k: Int, s: Int, p: Int, oh: Int, ow: Int

    @inlinable
    public init(channels: Range<Int>, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                 n: Int, c: Int, h: Int, w: Int, k: Int, s: Int, p: Int, oh: Int, ow: Int) {
        self.channels = channels; self.x = x; self.dy = dy; self.dweight = dweight
        self.n = n; self.c = c; self.h = h; self.w = w; self.k = k; self.s = s; self.p = p; self.oh = oh; self.ow = ow
    }

    @inlinable
    public func run<W: WindowShape>(_ window: W.Type) {
        let lanes = V.scalarCount
        let layout = PlaneLayout(outHeight: oh, outWidth: ow, kernel: k, stride: s, lanes: lanes, I.self)
        let dPitch = (ow + lanes - 1) / lanes * lanes
        let kk = k * k
        // Planes per flush, so that each Float lane sums at most ~256 products.
        let flushEvery = max(1, 256 / max(1, oh * (dPitch / lanes)))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: layout.total + oh * dPitch)
        scratch.initialize(repeating: 0, count: layout.total + oh * dPitch)
        let D = scratch + layout.total
        let accF = UnsafeMutablePointer<V>.allocate(capacity: kk)
        accF.initialize(repeating: V(), count: kk)
        let accD = UnsafeMutablePointer<Double>.allocate(capacity: kk)
        defer { scratch.deallocate(); accF.deallocate(); accD.deallocate() }
        let fill = PlaneFill(height: h, width: w, pad: p, dilation: 1, layout: layout)
        for ci in channels {
            accD.initialize(repeating: 0, count: kk)
            for b in 0..<n {
                let plane = b * c + ci
                fill(x + plane * h * w, into: scratch)
                let dsrc = dy + plane * oh * ow
                for oy in 0..<oh { copyRun(dsrc + oy * ow, to: D + oy * dPitch, count: ow) }
                weightGradPlane(scratch, layout: layout, D, dPitch: dPitch, kernel: k, stride: s, outHeight: oh,
                                acc: accF, I.self, V.self, W.self)
                if (b + 1) % flushEvery == 0 || b == n - 1 { flushWeightGrad(accF, into: accD, count: kk, I.self) }
            }
            let dw = dweight + ci * kk
            for i in 0..<kk { dw[i] += Float(accD[i]) }
        }
    }
}

/// The body of `depthwiseBackwardWeight` (see Kernels), specialised per instruction set.
@inlinable
public func depthwiseBackwardWeightBody<I: VectorISA>(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, batch n: Int, channels c: Int,
                                                      height h: Int, width w: Int, kernel k: Int, stride s: Int, pad p: Int,
                                                      dweight: UnsafeMutablePointer<Float>, _: I.Type) {
    // x: [n, c, h, w], dy: [n, c, oh, ow] -> dweight: [c, k, k] (+=)
    let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
    if n <= 0 || c <= 0 || oh <= 0 || ow <= 0 { return }
    let xs = ConstPointer(x), dys = ConstPointer(dy), dws = SendablePointer(dweight)
    // Split over channels so that each worker owns its channels' dweight outright.
    Parallel.forWorkers(c, minChunk: minChunk(itemCost: n * oh * ow * k * k, grain: 131_072)) { _, lo, hi in
        if ow > 8 {
            dispatchWindow(kernel: k, stride: s, WeightGradJob<I, SIMD16<Float>>(
                channels: lo..<hi, x: xs.p, dy: dys.p, dweight: dws.p, n: n, c: c, h: h, w: w, k: k, s: s, p: p, oh: oh, ow: ow))
        } else {
            dispatchWindow(kernel: k, stride: s, WeightGradJob<I, SIMD8<Float>>(
                channels: lo..<hi, x: xs.p, dy: dys.p, dweight: dws.p, n: n, c: c, h: h, w: w, k: k, s: s, p: p, oh: oh, ow: ow))
        }
    }
}
