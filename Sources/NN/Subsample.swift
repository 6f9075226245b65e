import Kernels
import Tensor

/// Keeps every `stride`-th pixel in both directions: [n, c, h, w] → [n, c, (h−1)/s+1, (w−1)/s+1].
/// It is PyTorch's MaxPool2d(kernel 1, stride s), the shortcut AdaFace's IR blocks use where the
/// channels agree and a plain identity would not match the branch's stride.
public final class Subsample: Layer {
    public let stride: Int
    private var inShape: [Int] = []
    private var out = Buffer()

    public init(stride: Int) {
        precondition(stride >= 1, "Subsample: stride must be positive")
        self.stride = stride
    }

    public var summary: String { "maxpool 1x1/\(stride)" }

    public func outputShape(_ s: [Int]) -> [Int] { [s[0], s[1], (s[2] - 1) / stride + 1, (s[3] - 1) / stride + 1] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4, "Subsample: input \(x.shape), expected [n, c, h, w]")
        inShape = x.shape
        let y = out.tensor(outputShape(x.shape))
        subsampleForward(x.data, planes: x.shape[0] * x.shape[1], height: x.shape[2], width: x.shape[3], stride: stride, y: y.data)
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let dx = TensorPool.shared.tensor(inShape)
        subsampleBackward(dy.data, planes: inShape[0] * inShape[1], height: inShape[2], width: inShape[3], stride: stride, dx: dx.data)
        return dx
    }
}
