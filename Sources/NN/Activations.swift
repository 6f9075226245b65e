import Kernels
import Tensor

/// max(x, 0). The derivative at exactly 0 is taken as 0, as PyTorch does.
public final class ReLU: Layer {
    private var input = Tensor(zeros: [0])
    private var out = Buffer()

    public init() {}

    public var summary: String { "relu" }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        input = x
        let y = out.tensor(x.shape)
        reluForward(x.data, count: x.count, y: y.data)
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let dx = TensorPool.shared.tensor(input.shape)
        reluBackward(dy.data, input.data, count: input.count, dx: dx.data)
        return dx
    }
}

/// Per-channel parametric ReLU: x > 0 ? x : a_c·x, a initialised to 0.25 (PyTorch's default).
public final class PReLU: Layer {
    public let channels: Int
    public let alpha: Parameter
    /// Where backward gets the input when it was not kept (`RecomputableOutput`).
    public var inputSource: RecomputableOutput?
    private var input = Tensor(zeros: [0])
    private var out = Buffer()

    /// `decays`: true by default, and the face recipe keeps it: AdaFace's optimiser (train_val.py,
    /// `split_parameters`) exempts only BatchNorm parameters from weight decay, so PReLU slopes decay.
    public init(channels: Int, initialSlope: Float = 0.25, decays: Bool = true) {
        self.channels = channels
        alpha = Parameter(name: "weight", shape: [channels], decays: decays)
        alpha.value.fill(initialSlope)
    }

    public var parameters: [Parameter] { [alpha] }
    public var summary: String { "prelu \(channels)" }

    private func dims(_ x: Tensor) -> (Int, Int) {
        precondition(x.rank >= 2 && x.shape[1] == channels, "PReLU: input \(x.shape), channels \(channels)")
        return (x.shape[0], x.shape[2...].reduce(1, *))
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (n, hw) = dims(x)
        input = x
        let y = out.tensor(x.shape)
        preluForward(x.data, alpha: alpha.value.data, batch: n, channels: channels, spatial: hw, y: y.data)
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let x = inputSource?.recomputedOutput() ?? input
        let (n, hw) = dims(x)
        let dx = TensorPool.shared.tensor(x.shape)
        preluBackward(dy.data, x.data, alpha: alpha.value.data, batch: n, channels: channels, spatial: hw,
                      dx: dx.data, dalpha: alpha.grad.data)
        return dx
    }
}
