import Kernels
import Tensor

/// [n, c, h, w] → [n, c·h·w] (a view; no copy).
public final class Flatten: Layer {
    private var inShape: [Int] = []
    public init() {}
    public var summary: String { "flatten" }
    public func outputShape(_ s: [Int]) -> [Int] { [s[0], s[1...].reduce(1, *)] }
    public func forward(_ x: Tensor, training: Bool) -> Tensor { inShape = x.shape; return x.reshaped(outputShape(x.shape)) }
    public func backward(_ dy: Tensor) -> Tensor { dy.reshaped(inShape) }
}

/// Global average pooling [n, c, h, w] → [n, c] (adaptive pooling to 1×1, then flatten).
public final class GlobalAvgPool: Layer {
    private var inShape: [Int] = []
    private var out = Buffer()
    public init() {}
    public var summary: String { "global avg pool" }
    public func outputShape(_ s: [Int]) -> [Int] { [s[0], s[1]] }
    public func macs(_ s: [Int]) -> Int { 0 }   // additions only; not counted as MACs

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4, "GlobalAvgPool: input \(x.shape), expected [n, c, h, w]")
        inShape = x.shape
        let y = out.tensor([x.shape[0], x.shape[1]])
        globalAvgPoolForward(x.data, planes: x.shape[0] * x.shape[1], spatial: x.shape[2] * x.shape[3], y: y.data)
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let dx = TensorPool.shared.tensor(inShape)
        globalAvgPoolBackward(dy.data, planes: inShape[0] * inShape[1], spatial: inShape[2] * inShape[3], dx: dx.data)
        return dx
    }
}

/// Inverted dropout: in training, zero each element with probability p and scale the rest by
/// 1/(1−p); identity in evaluation. Its generator is not saved: a training run reseeds it every
/// epoch (`TrainingRun`), which is what makes a resumed run repeat the masks.
public final class Dropout: Layer {
    public let probability: Float
    public var rng: RNG
    private var mask = Buffer(), out = Buffer()
    private var active = false

    public init(probability: Float, seed: UInt64 = 0) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability must be in [0, 1)")
        self.probability = probability
        rng = RNG(seed: seed)
    }

    public var summary: String { "dropout \(probability)" }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        active = training && probability > 0
        guard active else { return x }
        let m = mask.tensor(x.shape), y = out.tensor(x.shape)
        let keep = 1 / (1 - probability)
        for i in 0..<x.count {
            let k: Float = rng.uniform() >= probability ? keep : 0
            m.data[i] = k; y.data[i] = x.data[i] * k
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard active else { return dy }
        let dx = TensorPool.shared.tensor(dy.shape), m = mask.tensor(dy.shape)
        for i in 0..<dy.count { dx.data[i] = dy.data[i] * m.data[i] }
        return dx
    }
}
