import Kernels
import Tensor

/// y = x·Wᵀ + b with PyTorch's layout: weight [out, in], bias [out]; x [n, in] → y [n, out].
/// One GEMM over the whole batch, so OpenBLAS may use both cores here.
public final class Linear: Layer {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter?
    private var input = Tensor(zeros: [0])
    private var out = Buffer()

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        weight = Parameter(name: "weight", shape: [outFeatures, inFeatures])
        self.bias = bias ? Parameter(name: "bias", shape: [outFeatures]) : nil
    }

    public func initialize(_ scheme: InitScheme, rng: inout RNG) {
        switch scheme {
        case .pytorchDefault:
            Initializer.pytorchDefault(weight.value, fanIn: inFeatures, rng: &rng)
            if let b = bias { Initializer.pytorchBias(b.value, fanIn: inFeatures, rng: &rng) }
        case .kaimingNormalFanOut:
            Initializer.kaimingNormalFanOut(weight.value, fanOut: outFeatures, rng: &rng)
            bias?.value.zero()
        }
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }
    public func outputShape(_ s: [Int]) -> [Int] { [s[0], outFeatures] }
    public var summary: String { "linear \(inFeatures)->\(outFeatures)" }
    public func macs(_ s: [Int]) -> Int { inFeatures * outFeatures }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == inFeatures, "Linear: input \(x.shape), expected [n, \(inFeatures)]")
        input = x
        let n = x.shape[0]
        let y = out.tensor([n, outFeatures])
        if let b = bias {
            for i in 0..<n { (y.data + i * outFeatures).update(from: b.value.data, count: outFeatures) }
        }
        BLAS.parallelGemm(transB: true, m: n, n: outFeatures, k: inFeatures, a: x.data, lda: inFeatures,
                          b: weight.value.data, ldb: inFeatures, beta: bias == nil ? 0 : 1, c: y.data, ldc: outFeatures)
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let x = input, n = x.shape[0]
        let dx = TensorPool.shared.tensor(x.shape)
        BLAS.parallelGemm(transA: true, m: outFeatures, n: inFeatures, k: n, a: dy.data, lda: outFeatures,
                          b: x.data, ldb: inFeatures, beta: 1, c: weight.grad.data, ldc: inFeatures)
        BLAS.parallelGemm(m: n, n: inFeatures, k: outFeatures, a: dy.data, lda: outFeatures,
                          b: weight.value.data, ldb: inFeatures, c: dx.data, ldc: inFeatures)
        if let b = bias {
            for i in 0..<n { addInPlace(b.grad.data, dy.data + i * outFeatures, count: outFeatures) }
        }
        return dx
    }
}
