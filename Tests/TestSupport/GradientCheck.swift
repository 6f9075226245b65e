import NN
import Tensor
import Testing

/// Central-difference gradient checker in the manner of Caffe's: the loss is a fixed random
/// projection L = Σ rᵢ·yᵢ accumulated in Double; every input and parameter element is perturbed
/// by ±h; a mismatch counts when |analytic − numeric| > tol · max(|analytic|, |numeric|, 1).
/// Non-differentiable points (ReLU/PReLU at 0) are recognised by the numeric derivative changing
/// between step h and h/2 and are skipped and counted (the "kink band").
public struct GradientCheck {
    public var h: Float = 1e-2
    public var tolerance: Double = 1e-2
    public var training = true
    /// Fraction of checked elements that may be skipped as kinks.
    public var maxKinkFraction = 0.05
    /// Called before every forward (e.g. to reset a dropout generator).
    public var beforeForward: () -> Void = {}

    public init(h: Float = 1e-2, tolerance: Double = 1e-2, training: Bool = true, maxKinkFraction: Double = 0.05,
                beforeForward: @escaping () -> Void = {}) {
        self.h = h; self.tolerance = tolerance; self.training = training
        self.maxKinkFraction = maxKinkFraction; self.beforeForward = beforeForward
    }

    public struct Outcome { public var checked = 0, kinks = 0, failures: [String] = [], maxError = 0.0, kinkNames: [String] = [] }

    public func loss(_ layer: Layer, _ x: Tensor, _ r: [Double]) -> Double {
        beforeForward()
        let y = layer.forward(x, training: training)
        var s = 0.0
        for i in 0..<y.count { s += r[i] * Double(y[i]) }
        return s
    }

    public func run(_ layer: Layer, input x: Tensor, seed: UInt64 = 1, checkInput: Bool = true) -> Outcome {
        var rng = RNG(seed: seed)
        beforeForward()
        let y0 = layer.forward(x, training: training)
        let r = (0..<y0.count).map { _ in Double(rng.uniform(-1, 1)) }
        let dy = Tensor(shape: y0.shape, values: r.map(Float.init))
        layer.zeroGradients()
        let dx = layer.backward(dy).copy()
        var out = Outcome()

        func numeric(_ t: Tensor, _ i: Int, _ step: Float) -> Double {
            let old = t[i]
            t[i] = old + step; let lp = loss(layer, x, r)
            t[i] = old - step; let lm = loss(layer, x, r)
            t[i] = old
            return (lp - lm) / Double(2 * step)
        }
        func compare(_ name: String, _ t: Tensor, _ analytic: [Float]) {
            for i in 0..<t.count {
                let a = Double(analytic[i]), n1 = numeric(t, i, h)
                let scale = max(abs(a), abs(n1), 1)
                out.checked += 1
                if abs(a - n1) <= tolerance * scale { out.maxError = max(out.maxError, abs(a - n1) / scale); continue }
                let n2 = numeric(t, i, h / 2)
                if abs(n1 - n2) > tolerance * scale / 2 { out.kinks += 1; out.kinkNames.append("\(name)[\(i)]: analytic \(a), numeric \(n1) / \(n2)"); continue }
                out.failures.append("\(name)[\(i)]: analytic \(a), numeric \(n1)")
            }
        }
        if checkInput { compare("input", x, dx.array) }
        for (name, p) in layer.namedParameters() { compare(name, p.value, p.grad.array) }
        return out
    }

    /// Runs and records the outcome with Swift Testing expectations.
    public func expectPasses(_ layer: Layer, input: Tensor, seed: UInt64 = 1, checkInput: Bool = true,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        let o = run(layer, input: input, seed: seed, checkInput: checkInput)
        #expect(o.failures.isEmpty, "\(o.failures.count) mismatches: \(o.failures.prefix(5))", sourceLocation: sourceLocation)
        #expect(Double(o.kinks) <= maxKinkFraction * Double(max(o.checked, 1)),
                "\(o.kinks) of \(o.checked) elements skipped as kinks", sourceLocation: sourceLocation)
        #expect(o.checked > 0, sourceLocation: sourceLocation)
    }
}

extension GradientCheck {
    /// Every element of the input and of every parameter compared, none skipped as a kink, and the
    /// largest scaled error below `tolerance`; returns the outcome for reporting.
    @discardableResult
    public func expectExact(_ layer: Layer, input: Tensor, seed: UInt64 = 1, sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        let o = run(layer, input: input, seed: seed)
        let elements = input.count + layer.allParameters.reduce(0) { $0 + $1.value.count }
        #expect(o.failures.isEmpty, "\(o.failures.count) mismatches: \(o.failures.prefix(5))", sourceLocation: sourceLocation)
        #expect(o.kinks == 0, "\(o.kinks) of \(o.checked) elements skipped as kinks: \(o.kinkNames.prefix(5))", sourceLocation: sourceLocation)
        #expect(o.checked == elements, "checked \(o.checked) of \(elements)", sourceLocation: sourceLocation)
        #expect(o.maxError < tolerance, sourceLocation: sourceLocation)
        return o
    }
}

public func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = RNG(seed: seed)
    let t = Tensor(zeros: shape)
    for i in 0..<t.count { t[i] = scale * rng.uniform(-1, 1) }
    return t
}
