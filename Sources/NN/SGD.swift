import Foundation
import Kernels
import Tensor

/// Stochastic gradient descent with PyTorch's update rule (torch.optim.SGD): weight decay added
/// to the gradient, momentum buffer started at the first gradient, optional Nesterov.
/// Parameters whose `decays` is false get no weight decay; non-`trainable` ones are left alone.
public final class SGD {
    public let parameters: [Parameter]
    public var momentum: Float
    public var weightDecay: Float
    public var nesterov: Bool

    public init(parameters: [Parameter], momentum: Float = 0.9, weightDecay: Float = 0, nesterov: Bool = false) {
        self.parameters = parameters; self.momentum = momentum
        self.weightDecay = weightDecay; self.nesterov = nesterov
    }

    public func step(lr: Float) {
        for p in parameters where p.trainable {
            let first = p.momentum == nil
            if first { p.momentum = Tensor(zeros: p.value.shape) }
            sgdMomentumUpdate(weight: p.value.data, grad: p.grad.data, momentum: p.momentum!.data, count: p.value.count,
                              lr: lr, momentum: momentum, weightDecay: p.decays ? weightDecay : 0,
                              nesterov: nesterov, firstStep: first)
        }
    }

    public func zeroGradients() { for p in parameters { p.grad.zero() } }
}

public enum GradientClipping {
    /// Global L2 norm of the trainable parameters' gradients.
    public static func norm(_ parameters: [Parameter]) -> Double {
        parameters.reduce(0.0) { $1.trainable ? $0 + sumOfSquares($1.grad.data, count: $1.grad.count) : $0 }.squareRoot()
    }

    /// Scales all gradients so their global norm is at most `maxNorm`, as
    /// torch.nn.utils.clip_grad_norm_ does (coefficient maxNorm/(norm + 1e-6), capped at 1).
    /// Returns the norm before clipping.
    @discardableResult
    public static func clip(_ parameters: [Parameter], maxNorm: Double) -> Double {
        let total = norm(parameters)
        let coef = maxNorm / (total + 1e-6)
        if coef < 1 { for p in parameters where p.trainable { scale(p.grad.data, by: Float(coef), count: p.grad.count) } }
        return total
    }
}
