import Tensor

/// A trainable tensor with its gradient and the optimiser's momentum buffer.
public final class Parameter: @unchecked Sendable {
    public let name: String
    public let value: Tensor
    public let grad: Tensor
    /// SGD momentum buffer, created on the first step (PyTorch starts it at the first gradient).
    public var momentum: Tensor?
    /// False for parameters excluded from weight decay (in the face recipe only batch norm's, as
    /// AdaFace splits them; PReLU slopes and biases decay).
    public var decays: Bool
    /// False for parameters held at their value: the optimiser neither moves them nor counts
    /// their gradient in clipping (PyTorch's requires_grad = False). Still counted and saved.
    public var trainable = true

    public init(name: String, shape: [Int], decays: Bool = true) {
        self.name = name
        value = Tensor(zeros: shape)
        grad = Tensor(zeros: shape)
        self.decays = decays
    }
}

/// A non-trainable tensor saved in checkpoints (batch-norm running statistics).
public struct StateTensor {
    public let name: String
    public let value: Tensor
    public init(name: String, value: Tensor) { self.name = name; self.value = value }
}

/// A layer is an explicit forward/backward pair (no autograd).
///
/// `forward(_:training:)` keeps whatever backward needs; `backward(_:)` receives dL/dy for the
/// last forward's output, returns dL/dx and **adds** into its parameters' gradients. Outputs live
/// in buffers owned by the layer and are overwritten by the next forward.
public protocol Layer: AnyObject {
    func forward(_ x: Tensor, training: Bool) -> Tensor
    func backward(_ dy: Tensor) -> Tensor
    /// Trainable parameters, named relative to the layer ("weight", "bias", …).
    var parameters: [Parameter] { get }
    /// Saved non-trainable state (running statistics), named relative to the layer.
    var state: [StateTensor] { get }
    /// Output shape for an input shape (batch dimension included).
    func outputShape(_ input: [Int]) -> [Int]
    /// A short description for tables: "conv 3x3/1 32->64".
    var summary: String { get }
    /// Multiply-accumulates for one image of input shape `input` (batch dimension excluded).
    func macs(_ input: [Int]) -> Int
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var state: [StateTensor] { [] }
    public func outputShape(_ input: [Int]) -> [Int] { input }
    public func macs(_ input: [Int]) -> Int { 0 }
}

/// Layers that contain other layers expose them so that names and counts nest.
public protocol ContainerLayer: Layer {
    var children: [(name: String, layer: Layer)] { get }
}

extension Layer {
    /// Every parameter below this layer with its dotted path ("3.conv.weight").
    public func namedParameters(prefix: String = "") -> [(String, Parameter)] {
        var out = parameters.map { (prefix + $0.name, $0) }
        if let c = self as? ContainerLayer {
            for (n, l) in c.children { out += l.namedParameters(prefix: prefix + n + ".") }
        }
        return out
    }

    public func namedState(prefix: String = "") -> [(String, Tensor)] {
        var out = state.map { (prefix + $0.name, $0.value) }
        if let c = self as? ContainerLayer {
            for (n, l) in c.children { out += l.namedState(prefix: prefix + n + ".") }
        }
        return out
    }

    public var allParameters: [Parameter] { namedParameters().map { $0.1 } }

    /// Trainable parameters below this layer (running statistics excluded, as the authors count).
    public var parameterCount: Int { allParameters.reduce(0) { $0 + $1.value.count } }

    public func zeroGradients() { for p in allParameters { p.grad.zero() } }

    /// This layer and every layer it contains, depth first in layer order.
    public var layersBelow: [Layer] {
        guard let c = self as? ContainerLayer else { return [self] }
        return [self] + c.children.flatMap { $0.layer.layersBelow }
    }

    /// Every layer of type `T` at or below this one, in layer order.
    public func layers<T>(of type: T.Type) -> [T] { layersBelow.compactMap { $0 as? T } }
}

extension Layer {
    /// Tells the layer that first sees a network's input that nobody needs dL/dinput, so a
    /// trainer's backward pass skips that work (the first convolution's input gradient). A
    /// network whose first layer has nothing to skip is left as it is.
    public func skipInputGradient() {
        if let s = self as? Sequential, let first = s.layers.first { first.skipInputGradient() }
        (self as? Conv2D)?.computesInputGradient = false
    }
}
