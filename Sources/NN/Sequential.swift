import Kernels
import Tensor

/// A chain of layers; backward runs them in reverse.
public final class Sequential: ContainerLayer {
    public private(set) var layers: [Layer]
    /// Names used in checkpoints; default "0", "1", … as PyTorch's nn.Sequential.
    public private(set) var names: [String]

    public init(_ layers: [Layer], names: [String]? = nil) {
        self.layers = layers
        self.names = names ?? layers.indices.map(String.init)
        precondition(self.names.count == layers.count, "Sequential: \(self.names.count) names for \(layers.count) layers")
    }

    public func append(_ layer: Layer, name: String? = nil) {
        layers.append(layer)
        names.append(name ?? String(layers.count - 1))
    }

    public var children: [(name: String, layer: Layer)] { Array(zip(names, layers)).map { (name: $0.0, layer: $0.1) } }
    public var summary: String { "sequential (\(layers.count))" }

    public func outputShape(_ s: [Int]) -> [Int] { layers.reduce(s) { $1.outputShape($0) } }

    public func macs(_ s: [Int]) -> Int {
        var shape = [1] + s, total = 0
        for l in layers { total += l.macs(Array(shape.dropFirst())); shape = l.outputShape(shape) }
        return total
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var h = x
        for l in layers { h = l.forward(h, training: training) }
        return h
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var g = dy
        for l in layers.reversed() { g = l.backward(g) }
        return g
    }
}

/// y = branch(x) + shortcut(x), the shortcut being the identity when nil. The block owns both
/// paths, so backward sends dy down each and adds the input gradients.
public final class Residual: ContainerLayer {
    public let branch: Layer
    public let shortcut: Layer?
    private var out = Buffer()

    public init(branch: Layer, shortcut: Layer? = nil) {
        self.branch = branch; self.shortcut = shortcut
    }

    public var children: [(name: String, layer: Layer)] {
        var c: [(name: String, layer: Layer)] = [(name: "branch", layer: branch)]
        if let s = shortcut { c.append((name: "shortcut", layer: s)) }
        return c
    }

    public var summary: String { "residual" }
    public func outputShape(_ s: [Int]) -> [Int] { branch.outputShape(s) }
    public func macs(_ s: [Int]) -> Int { branch.macs(s) + (shortcut?.macs(s) ?? 0) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let b = branch.forward(x, training: training)
        let s = shortcut?.forward(x, training: training) ?? x
        precondition(b.shape == s.shape, "Residual: branch \(b.shape) and shortcut \(s.shape) differ")
        let y = out.tensor(b.shape)
        Kernels.add(b.data, s.data, count: y.count, y: y.data)
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let db = branch.backward(dy)
        let ds = shortcut?.backward(dy) ?? dy
        let dx = TensorPool.shared.tensor(db.shape)
        Kernels.add(db.data, ds.data, count: dx.count, y: dx.data)
        return dx
    }
}
