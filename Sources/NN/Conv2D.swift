import Kernels
import Tensor

/// 2-D convolution with groups = 1 (depthwise convolutions are `DepthwiseConv2D`).
///
/// Per image: im2col into the shared workspace, then one GEMM (darknet's scheme; one GEMM per
/// image beat one per batch on this CPU, engineering-measurements A.3). 1×1 stride-1 convolutions
/// skip im2col. The batch is split over the workers; OpenBLAS stays single-threaded inside.
///
/// Shapes: x [n, cin, h, w], weight [cout, cin, k, k], bias [cout], y [n, cout, oh, ow].
public final class Conv2D: Layer {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public let weight: Parameter
    public let bias: Parameter?
    public let workspace: Workspace

    private var input = Tensor(zeros: [0])
    private var out = Buffer()
    private var dxBuffer = Buffer()

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

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inChannels, "Conv2D: input \(x.shape), expected [n, \(inChannels), h, w]")
        input = x
        let os = outputShape(x.shape)
        let y = out.tensor(os)
        let n = x.shape[0], h = x.shape[2], w = x.shape[3], ohw = os[2] * os[3]
        let kk = inChannels * kernel * kernel
        let cols = isPointwise ? [] : workspace.prepareColumns(count: kk * ohw)
        let xp = SendablePointer(x.data), yp = SendablePointer(y.data), wp = SendablePointer(weight.value.data)
        let (cin, cout, k, s, p, pw) = (inChannels, outChannels, kernel, stride, padding, isPointwise)
        let bp = bias.map { SendablePointer($0.value.data) }
        Parallel.forWorkers(n) { t, lo, hi in
            for i in lo..<hi {
                let xi = xp.p + i * cin * h * w, yi = yp.p + i * cout * ohw
                var b = UnsafePointer(xi)
                if !pw {
                    im2col(xi, channels: cin, height: h, width: w, kernel: k, stride: s, pad: p, col: cols[t].p)
                    b = UnsafePointer(cols[t].p)
                }
                BLAS.gemm(m: cout, n: ohw, k: kk, a: wp.p, lda: kk, b: b, ldb: ohw, c: yi, ldc: ohw)
                if let bp {
                    for co in 0..<cout {
                        let v = bp.p[co], row = yi + co * ohw
                        for j in 0..<ohw { row[j] += v }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let x = input
        let n = x.shape[0], h = x.shape[2], w = x.shape[3], ohw = dy.shape[2] * dy.shape[3]
        let kk = inChannels * kernel * kernel
        let dx = dxBuffer.tensor(x.shape)
        let cols = isPointwise ? [] : workspace.prepareColumns(count: kk * ohw)
        // Worker 0 adds straight into the gradient; the others into zeroed scratch, summed after.
        var scratch = workspace.prepareAccumulators(count: outChannels * kk)
        scratch[0] = SendablePointer(weight.grad.data)
        let accs = scratch
        let xp = SendablePointer(x.data), dyp = SendablePointer(dy.data), dxp = SendablePointer(dx.data)
        let wp = SendablePointer(weight.value.data)
        let (cin, cout, k, s, p, pw) = (inChannels, outChannels, kernel, stride, padding, isPointwise)
        let dbias = bias.map { SendablePointer($0.grad.data) }
        Parallel.forWorkers(n) { t, lo, hi in
            for i in lo..<hi {
                let xi = xp.p + i * cin * h * w, dyi = dyp.p + i * cout * ohw, dxi = dxp.p + i * cin * h * w
                // dW += dy_i · col_iᵀ (each worker into its own accumulator).
                var colp = UnsafePointer(xi)
                if !pw {
                    im2col(xi, channels: cin, height: h, width: w, kernel: k, stride: s, pad: p, col: cols[t].p)
                    colp = UnsafePointer(cols[t].p)
                }
                BLAS.gemm(transB: true, m: cout, n: kk, k: ohw, a: dyi, lda: ohw, b: colp, ldb: ohw,
                          beta: 1, c: accs[t].p, ldc: kk)
                // dx_i = col2im(Wᵀ · dy_i)
                if pw {
                    BLAS.gemm(transA: true, m: cin, n: ohw, k: cout, a: wp.p, lda: kk, b: dyi, ldb: ohw, c: dxi, ldc: ohw)
                } else {
                    BLAS.gemm(transA: true, m: kk, n: ohw, k: cout, a: wp.p, lda: kk, b: dyi, ldb: ohw, c: cols[t].p, ldc: ohw)
                    dxi.update(repeating: 0, count: cin * h * w)
                    col2im(cols[t].p, channels: cin, height: h, width: w, kernel: k, stride: s, pad: p, x: dxi)
                }
            }
        }
        for t in 1..<max(Parallel.workers, 1) {
            addInPlace(weight.grad.data, accs[t].p, count: cout * kk)
        }
        if let dbias {
            for i in 0..<n {
                for co in 0..<cout {
                    let row = dy.data + (i * cout + co) * ohw
                    var sum: Float = 0
                    for j in 0..<ohw { sum += row[j] }
                    dbias.p[co] += sum
                }
            }
        }
        return dx
    }
}

