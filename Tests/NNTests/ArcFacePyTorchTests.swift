import Foundation
import NN
import Tensor
import TestSupport
import Testing

/// ArcFace (m 0.5) with both gradients against PyTorch: the straight-through head is current
/// arcface_torch's, the exact one its earlier head (see `arcFaceTorchReference`). The inputs put
/// two samples past θ + m = π (target cosines −0.95 and −0.99 < cos(π − 0.5) = −0.878), where the
/// straight-through head has no fallback; the other three have target cosines 0.8, 0.3 and −0.5.
/// With torch the whole loss and both gradients are compared; without it, values PyTorch printed
/// once (float64) keep the check.
@Suite struct ArcFacePyTorchTests {
    static let x: [[Float]] = [[0.8109, -0.85, 1.4058, 0.8024], [-1.3415, 2.5989, -0.0083, 1.9224], [-0.6874, -0.2798, 0.5716, 1.1716],
                               [2.5166, 1.531, -1.9006, -1.9263], [-0.8289, -1.1291, -0.1415, 2.0659]]
    static let w: [[Float]] = [[0.5, -1.2, 0.3, 0.8], [1.1, 0.4, -0.7, 0.2], [-0.3, 0.9, 1.3, -0.5], [0.7, 0.6, 0.2, -1.4],
                               [-1.0, -0.2, 0.5, 0.9]]
    static let labels: [Int32] = [0, 2, 1, 4, 3]
    static let margin: Float = 0.5

    struct Result: Decodable { var loss: Double, dx: [Double], dw: [Double] }

    /// Our head on the inputs above: mean loss, dLoss/dx and dLoss/dW, flattened row-major.
    static func ours(_ gradient: ArcFaceGradient, s: Float) -> Result {
        var rng = RNG(seed: 1)
        let head = MarginHead(embeddingSize: 4, classes: 5, kind: .arcFace(margin: margin, gradient: gradient), scale: s,
                              centreInit: .normal(std: 0.01), rng: &rng)
        for (i, v) in w.joined().enumerated() { head.centres.value[i] = v }
        head.centres.grad.zero()
        let loss = head.forward(Tensor(shape: [5, 4], values: Array(x.joined())), labels: labels, training: true)
        let dx = head.backward()
        return Result(loss: loss, dx: dx.array.map(Double.init), dw: head.centres.grad.array.map(Double.init))
    }

    /// |a − b| ≤ tolerance·max(1, |b|) for every entry; returns the largest absolute difference.
    static func compare(_ name: String, _ a: [Double], _ b: [Double], tolerance: Double,
                        sourceLocation: SourceLocation = #_sourceLocation) -> Double {
        #expect(a.count == b.count, "\(name): \(a.count) vs \(b.count) entries", sourceLocation: sourceLocation)
        var worst = 0.0
        for (i, (u, v)) in zip(a, b).enumerated() {
            worst = max(worst, abs(u - v))
            #expect(abs(u - v) <= tolerance * max(1, abs(v)), "\(name)[\(i)]: ours \(u), PyTorch \(v)", sourceLocation: sourceLocation)
        }
        return worst
    }

    @Test func inputsReachPastThetaPlusMarginEqualsPi() {
        let th = cos(Double.pi - Double(Self.margin))
        let targets = zip(Self.x, Self.labels).map { x, y -> Double in
            let w = Self.w[Int(y)]
            let dot = zip(x, w).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            return dot / (x.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot() * w.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot())
        }
        #expect(targets.filter { $0 < th }.count == 2 && targets.filter { $0 > th + 0.3 }.count == 3, "\(targets)")
    }

    // s = 64 (the reference's scale) and s = 8, where the softmax is far from saturated.
    @Test(arguments: ArcFaceGradient.allCases, [Float(64), 8])
    func matchesPyTorch(gradient: ArcFaceGradient, s: Float) throws {
        guard TorchPython.available(for: "ArcFace against PyTorch") else { return }
        let request: [String: Any] = ["x": Self.x.map { $0.map(Double.init) }, "w": Self.w.map { $0.map(Double.init) },
                                      "labels": Self.labels.map(Int.init), "m": Double(Self.margin), "s": Double(s),
                                      "gradient": gradient.rawValue]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        let output = try TorchPython.run(arcFaceTorchReference, [json])
        let torch = try JSONDecoder().decode(Result.self, from: Data(output.utf8))
        let mine = Self.ours(gradient, s: s)
        // Float32 cosines (≈1e-7) times s: logits within ~1e-5, gradients within ~1e-5 of scale s.
        let loss = Self.compare("loss", [mine.loss], [torch.loss], tolerance: 2e-6 * Double(s))
        let dx = Self.compare("dx", mine.dx, torch.dx, tolerance: 2e-6 * Double(s))
        let dw = Self.compare("dw", mine.dw, torch.dw, tolerance: 2e-6 * Double(s))
        print("arcface \(gradient.rawValue) s=\(Int(s)) vs PyTorch: loss \(mine.loss) vs \(torch.loss); max |difference| loss \(loss), dx \(dx), dw \(dw)")
    }

    // PyTorch's values at s = 64, printed once to 1e-6 by `arcFaceTorchReference` (torch 1.13, float64
    // on the Float inputs above). Ours agree within 2e-6; the tolerance is 1e-5·max(1, |v|).

    @Test func straightThroughMatchesRecordedPyTorchValues() {
        let r = Self.ours(.straightThrough, s: 64)
        _ = Self.compare("loss", [r.loss], [76.787218], tolerance: 1e-5)
        _ = Self.compare("dx", [0, 4, 5, 8, 9, 11, 12, 16].map { r.dx[$0] },
                         [-0.000511, -1.589055, -3.007317, -6.994723, -1.332449, -5.658986, 1.207766, -2.641898], tolerance: 1e-5)
        _ = Self.compare("dw", [4, 7, 9, 10, 15, 19].map { r.dw[$0] },
                         [0.576752, -13.154227, -4.423099, 1.775767, 0.013847, 5.772099], tolerance: 1e-5)
    }

    @Test func exactMatchesRecordedPyTorchValues() {
        let r = Self.ours(.exact, s: 64)
        _ = Self.compare("loss", [r.loss], [83.181962], tolerance: 1e-5)
        _ = Self.compare("dx", [0, 4, 5, 8, 9, 11, 12, 16].map { r.dx[$0] },
                         [-0.000510, -1.582519, -3.039598, -5.056758, -0.661613, -3.834382, 1.207766, -2.641898], tolerance: 1e-5)
        _ = Self.compare("dw", [4, 7, 9, 10, 15, 19].map { r.dw[$0] },
                         [0.357173, -9.989830, -4.548519, 1.826120, 0.013847, 5.772099], tolerance: 1e-5)
    }
}
