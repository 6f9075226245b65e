import Kernels
import Tensor

/// Depthwise k×k convolution (groups = channels), computed by direct kernels forward and in
/// both backward passes: as a GEMM it would have K = k² and waste most of the machine.
///
/// Shapes: x [n, c, h, w], weight [c, 1, k, k] (PyTorch's layout), y [n, c, oh, ow].
public final class DepthwiseConv2D: Layer {
    public let channels: Int, kernel: Int, stride: Int, padding: Int
    public let weight: Parameter

    private var input = Tensor(zeros: [0])
    private var out = Buffer()

    public init(channels: Int, kernel: Int, stride: Int = 1, padding: Int? = nil) {
        self.channels = channels; self.kernel = kernel; self.stride = stride
        self.padding = padding ?? kernel / 2
        weight = Parameter(name: "weight", shape: [channels, 1, kernel, kernel])
    }

    public var fanIn: Int { kernel * kernel }
    /// k², deliberately not PyTorch's: kaiming_normal_(mode="fan_out") on a [C, 1, k, k] weight
    /// takes fan_out = size(0) · k·k = C·k², while each input element of a depthwise conv reaches
    /// only k² outputs (its own channel's), the fan-out the Kaiming derivation assumes.
    public var fanOut: Int { kernel * kernel }

    public func initialize(_ scheme: InitScheme, rng: inout RNG) {
        switch scheme {
        case .pytorchDefault: Initializer.pytorchDefault(weight.value, fanIn: fanIn, rng: &rng)
        case .kaimingNormalFanOut: Initializer.kaimingNormalFanOut(weight.value, fanOut: fanOut, rng: &rng)
        }
    }

    public var parameters: [Parameter] { [weight] }

    public func outputShape(_ s: [Int]) -> [Int] {
        [s[0], channels, (s[2] + 2 * padding - kernel) / stride + 1, (s[3] + 2 * padding - kernel) / stride + 1]
    }

    public var summary: String { "dw \(kernel)x\(kernel)/\(stride) \(channels)" }

    public func macs(_ s: [Int]) -> Int {
        let o = outputShape([1] + s)
        return o[2] * o[3] * channels * kernel * kernel
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == channels, "DepthwiseConv2D: input \(x.shape), expected [n, \(channels), h, w]")
        input = x
        let y = out.tensor(outputShape(x.shape))
        depthwiseForward(x.data, weight: weight.value.data, batch: x.shape[0], channels: channels,
                         height: x.shape[2], width: x.shape[3], kernel: kernel, stride: stride, pad: padding, y: y.data)
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let x = input
        let dx = TensorPool.shared.tensor(x.shape)
        depthwiseBackwardWeight(x.data, dy.data, batch: x.shape[0], channels: channels, height: x.shape[2],
                                width: x.shape[3], kernel: kernel, stride: stride, pad: padding, dweight: weight.grad.data)
        depthwiseBackwardInput(dy.data, weight: weight.value.data, batch: x.shape[0], channels: channels,
                               height: x.shape[2], width: x.shape[3], kernel: kernel, stride: stride, pad: padding, dx: dx.data)
        return dx
    }
}
