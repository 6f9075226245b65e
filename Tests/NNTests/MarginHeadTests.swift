import TestSupport
import Foundation
import NN
import Tensor
import Testing

/// Margin heads: exact gradients (ArcFace's straight-through one is checked against PyTorch in
/// `ArcFacePyTorchTests`), forward values against a Double re-derivation, AdaFace's norm
/// statistics, the identities between the kinds, centre initialisation and a small learning run.
@Suite struct MarginHeadTests {
    static let labels: [Int32] = [0, 3, 1, 4, 2, 3]

    /// A head with unit-norm centres (C = 5, d = 6) for the gradient checks.
    func head(_ kind: MarginKind, s: Float, seed: UInt64 = 1) -> MarginHead {
        var rng = RNG(seed: seed)
        return MarginHead(embeddingSize: 6, classes: 5, kind: kind, scale: s, centreInit: .unitUniform, rng: &rng)
    }

    func expectPasses(_ o: HeadGradientCheck.Outcome, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        print("gradient check \(name): \(o.checked) checked, max relative error \(o.maxError)")
        #expect(o.failures.isEmpty, "\(o.failures.count) mismatches: \(o.failures.prefix(5))", sourceLocation: sourceLocation)
        #expect(o.checked >= 30, sourceLocation: sourceLocation)
    }

    // s = 16 in the gradient checks: at s = 64 the logits' Float rounding (~4e-6) divided by 2h
    // and the h² curvature term both approach the tolerance; the formulas do not depend on s.

    @Test func arcFaceClassicGradientIncludingFallback() {
        let m: Float = 0.5, th = cos(Double.pi - 0.5)
        let head = head(.arcFace(margin: m, gradient: .exact), s: 16)
        // Two samples past θ + m = π (cosθ < th = −0.878), the rest in the margin branch.
        let cosines = [-0.95, 0.6, -0.97, 0.1, -0.5, 0.85]
        #expect(cosines.filter { $0 < th - 0.05 }.count == 2 && cosines.filter { $0 > th + 0.05 }.count == 4)
        let x = embeddings(towards: head.centres.value, labels: Self.labels, cosines: cosines, norms: [2, 3, 2.5, 1.5, 3, 2], seed: 2)
        expectPasses(HeadGradientCheck().run(head, x: x, labels: Self.labels), "arcface")
    }

    @Test func arcFaceEasyMarginGradientBothSidesOfZero() {
        let head = head(.arcFace(margin: 0.5, easyMargin: true, gradient: .exact), s: 16)
        let cosines = [0.7, -0.3, 0.2, -0.8, 0.45, -0.15]
        let x = embeddings(towards: head.centres.value, labels: Self.labels, cosines: cosines, norms: [2, 3, 2.5, 1.5, 3, 2], seed: 3)
        expectPasses(HeadGradientCheck().run(head, x: x, labels: Self.labels), "arcface easy")
    }

    @Test func cosFaceGradient() {
        let head = head(.cosFace(margin: 0.4), s: 16)
        let x = embeddings(towards: head.centres.value, labels: Self.labels, cosines: [0.7, -0.3, 0.2, -0.8, 0.45, 0.95],
                           norms: [2, 3, 2.5, 1.5, 3, 2], seed: 4)
        expectPasses(HeadGradientCheck().run(head, x: x, labels: Self.labels), "cosface")
    }

    @Test func combinedGradient() {
        let head = head(.combined(m1: 0.9, m2: 0.4, m3: 0.15), s: 16)
        let x = embeddings(towards: head.centres.value, labels: Self.labels, cosines: [0.7, -0.3, 0.2, -0.8, 0.45, 0.95],
                           norms: [2, 3, 2.5, 1.5, 3, 2], seed: 5)
        expectPasses(HeadGradientCheck().run(head, x: x, labels: Self.labels), "combined")
    }

    /// AdaFace inputs: norms spread around μ = 20 with σ = 4 so ŝ covers (−1, 1) and both clips;
    /// sample 5 (cosθ = 0.98, θ = 0.20, ŝ = 1) has θ + g_angle = −0.2 < ε, the clipped branch.
    func adaFaceCase(tAlpha: Float) -> (MarginHead, Tensor) {
        let head = head(.adaFace(margin: 0.4, h: 0.333, tAlpha: tAlpha), s: 16)
        head.state[0].value[0] = 20; head.state[1].value[0] = 4
        let x = embeddings(towards: head.centres.value, labels: Self.labels, cosines: [0.7, -0.3, 0.2, -0.8, 0.45, 0.98],
                           norms: [12, 18, 21, 26, 35, 40], seed: 6)
        return (head, x)
    }

    /// Training mode: the forward updates μ, σ and then uses them. Checked: (1) the analytic
    /// gradients of that training forward equal, bit for bit, those of an evaluation forward right
    /// after it (same updated statistics, ŝ constant for the gradient); (2) they match central
    /// differences of evaluation forwards, which hold μ, σ fixed at the updated values.
    @Test func adaFaceTrainingGradient() {
        let (head, x) = adaFaceCase(tAlpha: 0.5)
        head.centres.grad.zero()
        _ = head.forward(x, labels: Self.labels, training: true)
        let statsAfterUpdate = head.state.map { $0.value[0] }
        let dxTrain = head.backward().array, dwTrain = head.centres.grad.array
        head.centres.grad.zero()
        _ = head.forward(x, labels: Self.labels, training: false)
        #expect(head.backward().array == dxTrain)
        #expect(head.centres.grad.array == dwTrain)
        // The check's own training forward updates the statistics once more; restore them first
        // so that forward sees the same state as above.
        let (fresh, _) = adaFaceCase(tAlpha: 0.5)
        for (t, v) in zip(head.state, fresh.state) { t.value[0] = v.value[0] }
        let check = HeadGradientCheck(h: 1e-2, analyticTraining: true, numericTraining: false, tangentOnly: true)
        expectPasses(check.run(head, x: x, labels: Self.labels), "adaface training")
        #expect(head.state.map { $0.value[0] } == statsAfterUpdate)
        // The update must have moved the statistics (α = 0.5) for this test to mean anything.
        #expect(abs(statsAfterUpdate[0] - 20) > 1 && abs(statsAfterUpdate[1] - 4) > 1)
    }

    @Test func adaFaceEvaluationGradient() {
        let (head, x) = adaFaceCase(tAlpha: 0.01)
        let check = HeadGradientCheck(h: 1e-2, tangentOnly: true)
        expectPasses(check.run(head, x: x, labels: Self.labels), "adaface evaluation")
        #expect(head.state.map { $0.value[0] } == [20, 4])
    }

    /// A sample lying exactly on its centre (cosθ = 1 up to rounding) is where sin(θ+m)/sinθ is
    /// unbounded; the angle floor keeps every gradient finite.
    @Test(arguments: Self.forwardKinds)
    func alignedSampleHasFiniteGradients(kind: MarginKind) {
        let head = head(kind, s: 64)
        let x = Tensor(zeros: [2, 6])
        for t in 0..<6 { x[t] = 3 * head.centres.value[t]; x[6 + t] = -2 * head.centres.value[6 + t] }
        let loss = head.forward(x, labels: [0, 1], training: true)
        let dx = head.backward()
        #expect(loss.isFinite && dx.array.allSatisfy(\.isFinite) && head.centres.grad.array.allSatisfy(\.isFinite))
    }

    @Test func labelOutsideTheClassesStopsWithItsIndex() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var rng = RNG(seed: 1)
            let head = MarginHead(embeddingSize: 2, classes: 3, kind: .cosFace(), centreInit: .unitUniform, rng: &rng)
            _ = head.forward(Tensor(zeros: [2, 2]), labels: [0, 3], training: true)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("MarginHead: label 3 at index 1 outside 0..<3"), "stderr: \(message)")
    }

    // MARK: forward values at s = 64

    static let forwardKinds: [MarginKind] = [
        .arcFace(), .arcFace(margin: 0.5, easyMargin: true), .arcFace(gradient: .exact),
        .arcFace(margin: 0.5, easyMargin: true, gradient: .exact), .cosFace(), .cosFace(margin: 0.35),
        .combined(m1: 0.9, m2: 0.4, m3: 0.15), .combined(m1: 1, m2: 0.3, m3: 0.2), .adaFace(),
    ]

    @Test(arguments: forwardKinds, [false, true])
    func forwardMatchesDoubleReference(kind: MarginKind, training: Bool) {
        var rng = RNG(seed: 21)
        let n = 6, d = 8, c = 7
        let head = MarginHead(embeddingSize: d, classes: c, kind: kind, scale: 64, centreInit: .normal(std: 0.01), rng: &rng)
        let labels: [Int32] = [6, 0, 3, 3, 1, 5]
        // Cosines from −0.97 (ArcFace fallback) to 0.9, norms 5…45 (AdaFace ŝ on both sides of 0).
        let x = embeddings(towards: head.centres.value, labels: labels, cosines: [-0.97, -0.4, 0.1, 0.35, 0.6, 0.9],
                           norms: [5, 45, 12, 30, 22, 17], seed: 22)
        var reference = MarginReference(kind: kind, s: 64)
        if case let .adaFace(_, _, tAlpha) = kind {
            head.state[1].value[0] = 10
            var mean = 20.0, std = 10.0
            if training {
                let z = rows(x).map { min(max(reference.norm($0), 0.001), 100) }
                let mu = z.reduce(0, +) / Double(n)
                let sd = (z.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(n - 1)).squareRoot()
                let a = Double(tAlpha)
                mean = a * mu + (1 - a) * mean; std = a * sd + (1 - a) * std
            }
            reference.adaFaceStatistics = (mean, std)
        }
        let expected = reference.forward(x: rows(x), w: rows(head.centres.value), labels: labels.map(Int.init))
        let loss = head.forward(x, labels: labels, training: training)
        #expect(abs(loss - expected.loss) <= 1e-4 * max(1, abs(expected.loss)), "\(kind): loss \(loss) vs \(expected.loss)")
        let z = head.logits
        #expect(z.shape == [n, c])
        var worst = 0.0
        for i in 0..<n { for j in 0..<c { worst = max(worst, abs(Double(z[i * c + j]) - expected.logits[i][j]) / max(1, abs(expected.logits[i][j]))) } }
        print("forward \(kind) training \(training): loss \(loss) vs \(expected.loss), worst logit error \(worst)")
        #expect(worst <= 1e-4, "\(kind): worst logit relative error \(worst)")
    }

    // MARK: AdaFace statistics

    @Test func adaFaceStatisticsFollowTheEMAOnClippedNorms() {
        var rng = RNG(seed: 31)
        let head = MarginHead(embeddingSize: 4, classes: 3, kind: .adaFace(tAlpha: 0.01), centreInit: .unitUniform, rng: &rng)
        #expect(head.state.map(\.name) == ["batch_mean", "batch_std"])
        #expect(head.state.map { $0.value[0] } == [20, 100])
        let labels: [Int32] = [0, 1, 2, 0, 1]
        // Norms 1e-4 and 250 are clipped to 0.001 and 100.
        let norms = [1e-4, 250, 7, 19, 33]
        let x = embeddings(towards: head.centres.value, labels: labels, cosines: [0.3, 0.1, -0.2, 0.5, 0.8], norms: norms, seed: 32)
        let z = norms.map { min(max($0, 0.001), 100) }
        let mu = z.reduce(0, +) / 5, sd = (z.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / 4).squareRoot()
        let evalBefore = head.forward(x, labels: labels, training: false)
        #expect(head.state.map { $0.value[0] } == [20, 100])
        let trainLoss = head.forward(x, labels: labels, training: true)
        let mean = Double(head.state[0].value[0]), std = Double(head.state[1].value[0])
        #expect(abs(mean - (0.01 * mu + 0.99 * 20)) <= 1e-5 * mean)
        #expect(abs(std - (0.01 * sd + 0.99 * 100)) <= 1e-5 * std)
        // Updated before use: the training loss is the evaluation loss under the new statistics.
        let evalAfter = head.forward(x, labels: labels, training: false)
        #expect(trainLoss == evalAfter)
        #expect(evalAfter != evalBefore)
        #expect(head.state.map { $0.value[0] } == [Float(mean), Float(std)])
        #expect(head.state.isEmpty == false && self.head(.cosFace(), s: 64).state.isEmpty)
    }

    // MARK: identities between the kinds

    @Test func combinedReducesToArcFaceAndCosFace() {
        let rng = RNG(seed: 41)
        let d = 8, c = 7, m: Float = 0.5
        let labels: [Int32] = [6, 0, 3, 3, 1, 5]
        let cosines = [-0.97, -0.93, 0.1, 0.35, -0.6, 0.9]
        func logits(_ kind: MarginKind) -> (Tensor, Tensor) {
            var r = rng
            let head = MarginHead(embeddingSize: d, classes: c, kind: kind, scale: 64, centreInit: .normal(std: 0.01), rng: &r)
            let x = embeddings(towards: head.centres.value, labels: labels, cosines: cosines, norms: [3, 4, 5, 6, 7, 8], seed: 42)
            _ = head.forward(x, labels: labels, training: true)
            return (head.logits.copy(), x)
        }
        let (arc, _) = logits(.arcFace(margin: m, gradient: .exact)), (arcAsCombined, _) = logits(.combined(m1: 1, m2: m, m3: 0))
        // The straight-through head has no fallback: its logits are combined (1, m, 0)'s everywhere.
        let (straight, _) = logits(.arcFace(margin: m, gradient: .straightThrough))
        #expect(straight.array == arcAsCombined.array)
        let (cosFace, _) = logits(.cosFace(margin: 0.4)), (cosAsCombined, _) = logits(.combined(m1: 1, m2: 0, m3: 0.4))
        let th = cos(Double.pi - Double(m)), mm = sin(Double(m)) * Double(m)
        var margin = 0, fallback = 0
        for i in 0..<labels.count {
            for j in 0..<c {
                let k = i * c + j
                #expect(abs(cosFace[k] - cosAsCombined[k]) <= 1e-4, "cosface vs combined (1,0,0.4) at [\(i),\(j)]")
                if j != Int(labels[i]) { #expect(arc[k] == arcAsCombined[k]); continue }
                let cosine = cosines[i]
                if cosine > th {
                    margin += 1
                    #expect(abs(arc[k] - arcAsCombined[k]) <= 1e-4 * 64, "arcface vs combined (1,m,0) at row \(i)")
                } else {
                    fallback += 1
                    #expect(abs(Double(arc[k]) - 64 * (cosine - mm)) <= 1e-4 * 64, "fallback at row \(i): \(arc[k]) vs \(64 * (cosine - mm))")
                    // Without the fallback, combined (1, m, 0) has passed the minimum of cos(θ+m).
                    #expect(arcAsCombined[k] > arc[k])
                }
            }
        }
        #expect(margin == 4 && fallback == 2)
    }

    // MARK: initialisation and summary

    @Test func centreInitialisation() {
        var rng = RNG(seed: 51)
        let unit = MarginHead(embeddingSize: 64, classes: 50, kind: .adaFace(), centreInit: .unitUniform, rng: &rng)
        for r in rows(unit.centres.value) {
            #expect(abs(r.reduce(0) { $0 + $1 * $1 }.squareRoot() - 1) < 1e-5)
        }
        let normal = MarginHead(embeddingSize: 128, classes: 1000, kind: .arcFace(), centreInit: .normal(std: 0.01), rng: &rng)
        let v = normal.centres.value.array.map(Double.init)
        let mean = v.reduce(0, +) / Double(v.count)
        let std = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1)).squareRoot()
        #expect(abs(mean) < 1e-4 && abs(std - 0.01) < 1e-4, "mean \(mean), std \(std)")
        #expect(normal.centres.name == "weight" && normal.centres.decays && normal.parameters.count == 1)
        #expect(normal.summary == "arcface m=0.5 s=64 (1000 classes)")
    }

    // MARK: learning

    @Test(arguments: [(2, MarginKind.arcFace()), (5, .arcFace()), (5, .arcFace(gradient: .exact)), (5, .cosFace()), (5, .adaFace())])
    func learnsClusteredData(classes: Int, kind: MarginKind) {
        var rng = RNG(seed: 61)
        let inputs = 10, features = 8, perClass = 12, n = classes * perClass
        let means = (0..<classes).map { _ in (0..<inputs).map { _ in 2 * rng.normal() } }
        let x = Tensor(zeros: [n, inputs])
        var labels: [Int32] = []
        for i in 0..<n {
            let y = i % classes
            labels.append(Int32(y))
            for t in 0..<inputs { x[i * inputs + t] = means[y][t] + 0.5 * rng.normal() }
        }
        let linear = Linear(inputs, features)
        linear.initialize(.pytorchDefault, rng: &rng)
        let head = MarginHead(embeddingSize: features, classes: classes, kind: kind, centreInit: .normal(std: 0.01), rng: &rng)
        let sgd = SGD(parameters: linear.parameters + head.parameters, momentum: 0.9, weightDecay: 5e-4)
        var losses: [Double] = []
        for _ in 0..<60 {
            sgd.zeroGradients()
            let e = linear.forward(x, training: true)
            losses.append(head.forward(e, labels: labels, training: true))
            _ = linear.backward(head.backward())
            sgd.step(lr: 0.02)
        }
        let first = losses[0], last = losses.suffix(5).reduce(0, +) / 5
        print("learning \(head.summary): loss \(first) -> \(last)")
        #expect(last < 0.01 * first, "\(head.summary): loss \(first) -> \(last)")
    }
}
