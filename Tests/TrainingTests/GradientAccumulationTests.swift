import Foundation
import NN
import Search
import Tensor
import Testing
import Training

/// `--accumulate N`: one step over N micro-batches must be the step over the whole batch — the
/// same summed gradient, the same AdaFace statistics (taken over every row), the same loss — with
/// batch norm as PyTorch runs it under accumulation (each micro-batch's own statistics, the
/// running statistics moved once per micro-batch).
@Suite struct GradientAccumulationTests {
    static let rows = 32, classes = 6

    /// An IR backbone with Dropout(0.4) before its embedding; `frozenBN` puts every batch norm on
    /// its running statistics, so the micro-batches see exactly what the whole batch sees.
    static func irNet(frozenBN: Bool) -> (Sequential, MarginHead) {
        let a = Architecture(irStages: [1, 1, 1, 1], width: 4, inputSize: 16, embeddingSize: 8, dropout: 0.4)
        var rng = RNG(seed: 11)
        let net = NetworkBuilder.build(a, rng: &rng)
        // Running statistics away from (0, 1), so a frozen BN still does something.
        for (k, bn) in net.layers(of: BatchNorm.self).enumerated() {
            bn.frozen = frozenBN
            for c in 0..<bn.channels { bn.runningMean[c] = 0.05 * Float((c + k) % 5); bn.runningVariance[c] = 0.5 + 0.1 * Float(c % 3) }
        }
        for (i, d) in net.layers(of: Dropout.self).enumerated() { d.rng = RNG(seed: 77 + UInt64(i)) }
        let head = MarginHead(embeddingSize: 8, classes: classes, kind: .adaFace(), centreInit: .unitUniform, rng: &rng)
        return (net, head)
    }

    static func batch(seed: UInt64 = 5, size: Int = 16, channels: Int = 3) -> (Tensor, [Int32]) {
        var rng = RNG(seed: seed)
        let n = rows * channels * size * size
        let x = Tensor(shape: [rows, channels, size, size], values: (0..<n).map { _ in rng.uniform(-1, 1) })
        return (x, (0..<rows).map { Int32(($0 * 7) % classes) })
    }

    static func config(accumulate: Int) -> TrainingConfig {
        var c = TrainingConfig.face(lr: 0.1, batchSize: rows)
        c.accumulate = accumulate
        return c
    }

    /// max |a − b| over max |a|, at least `floor` in the denominator.
    static func relativeError(_ a: [Float], _ b: [Float], floor: Float = 1e-12) -> Float {
        let d = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        return d / max(a.map(abs).max() ?? 0, floor)
    }

    static func expectSameStep(_ one: [Parameter], _ acc: [Parameter], before: [[Float]], _ what: String) {
        #expect(one.count == acc.count)
        for (k, (p, q)) in zip(one, acc).enumerated() {
            // Floors: a bias in front of a training-mode batch norm has no gradient but rounding
            // noise (~1e-9), which no tolerance relative to itself would hold; weights are O(0.01–1).
            let e = relativeError(p.value.array, q.value.array, floor: 1e-3)
            #expect(e <= 1e-5, "\(what): parameter \(k) \(p.name) differs by \(e) (relative)")
            guard p.trainable else { continue }
            // The update itself, not just the weights it lands on: a gradient off by a factor
            // moves them by lr·g·(factor − 1), far beyond this tolerance.
            let u = zip(p.value.array, before[k]).map { $0 - $1 }, v = zip(q.value.array, before[k]).map { $0 - $1 }
            #expect((u.map(abs).max() ?? 0) > 0, "\(what): parameter \(k) \(p.name) did not move")
            let eu = relativeError(u, v, floor: 1e-5)
            #expect(eu <= 2e-3, "\(what): the update of parameter \(k) \(p.name) differs by \(eu) (relative)")
        }
    }

    /// Frozen batch norm, active dropout, AdaFace: batch 32 at once and as 4 micro-batches of 8 take
    /// the same step. Dropout draws its masks row after row, so the micro-batches draw the whole
    /// batch's masks only if pass 1 gave back every generator it advanced.
    @Test func adaFaceAccumulatedStepEqualsTheWholeBatch() throws {
        let (netA, headA) = Self.irNet(frozenBN: true), (netB, headB) = Self.irNet(frozenBN: true)
        let whole = TrainingStep(network: netA, head: headA, config: Self.config(accumulate: 1))
        let accumulated = TrainingStep(network: netB, head: headB, config: Self.config(accumulate: 4))
        #expect(headB.keepsBatchStatistics)
        let before = whole.parameters.map(\.value.array)
        let (x, y) = Self.batch()
        let r1 = try whole.step(x, labels: y, lr: 0.1)
        let r4 = try accumulated.step(x, labels: y, lr: 0.1)

        #expect(r4.rows == Self.rows && r1.rows == Self.rows && r4.correct == r1.correct)
        #expect(abs(r4.loss - r1.loss) <= 1e-6 * abs(r1.loss), "loss \(r4.loss) accumulated, \(r1.loss) whole")
        Self.expectSameStep(whole.parameters, accumulated.parameters, before: before, "adaface")
        // AdaFace's statistics moved (from 20 and 100) and agree: one update over all 32 norms.
        let a = headA.state.map { $0.value[0] }, b = headB.state.map { $0.value[0] }
        #expect(a[0] != 20 && a[1] != 100)
        #expect(abs(a[0] - b[0]) <= 1e-5 * abs(a[0]) && abs(a[1] - b[1]) <= 1e-5 * abs(a[1]), "batch_mean/std \(b) accumulated, \(a) whole")
        // Frozen batch norms keep their running statistics, accumulated or not.
        for (p, q) in zip(netA.namedState(), netB.namedState()) { #expect(p.1.array == q.1.array, "\(p.0)") }
    }

    /// The softmax head keeps no batch statistics: no pass 1, and the same step as the whole batch.
    @Test func softmaxAccumulatedStepEqualsTheWholeBatch() throws {
        func plain() -> Sequential {
            var rng = RNG(seed: 9)
            let net = PlainTemplate.build(Architecture(inChannels: 3, classes: Self.classes, inputSize: 16, depth: 2, width: 4), rng: &rng)
            for bn in net.layers(of: BatchNorm.self) { bn.frozen = true }
            return net
        }
        var c1 = TrainingConfig.classification(lr: 0.05, batchSize: Self.rows), c4 = c1
        c4.accumulate = 4
        let whole = TrainingStep(network: plain(), head: SoftmaxCrossEntropy(), config: c1)
        let accumulated = TrainingStep(network: plain(), head: SoftmaxCrossEntropy(), config: c4)
        #expect(!accumulated.head.keepsBatchStatistics)
        let before = whole.parameters.map(\.value.array)
        let (x, y) = Self.batch()
        let r1 = try whole.step(x, labels: y, lr: 0.05), r4 = try accumulated.step(x, labels: y, lr: 0.05)
        #expect(r4.rows == r1.rows && r4.correct == r1.correct)
        #expect(abs(r4.loss - r1.loss) <= 1e-6 * abs(r1.loss), "loss \(r4.loss) accumulated, \(r1.loss) whole")
        Self.expectSameStep(whole.parameters, accumulated.parameters, before: before, "softmax")
    }

    /// Batch norm in training mode: the step equals PyTorch's accumulation loop written out by
    /// hand — running statistics moved once per micro-batch in order, each micro-batch normalised
    /// by its own statistics, dropout masks drawn once, AdaFace's statistics over all 32 norms.
    @Test func trainingBatchNormMovesOncePerMicroBatch() throws {
        let n = 4, micro = Self.rows / n
        let (net, head) = Self.irNet(frozenBN: false)
        let step = TrainingStep(network: net, head: head, config: Self.config(accumulate: n))
        let (x, y) = Self.batch()
        func slice(_ k: Int) -> Tensor {
            let per = x.count / Self.rows
            return Tensor(shape: [micro] + x.shape.dropFirst(), values: Array(x.array[(k * micro * per)..<((k + 1) * micro * per)]))
        }
        let labels = (0..<n).map { Array(y[($0 * micro)..<(($0 + 1) * micro)]) }

        // The reference: the norms from one sequential pass over the micro-batches on a copy (whose
        // running statistics are then PyTorch's), the loss pass on another copy.
        let (statsNet, statsHead) = Self.irNet(frozenBN: false)
        var norms: [Float] = []
        for k in 0..<n { norms += statsHead.statisticsValues(statsNet.forward(slice(k), training: true)) }
        statsHead.updateStatistics(norms)
        let (refNet, refHead) = Self.irNet(frozenBN: false)
        refHead.updateStatistics(norms)
        let refParameters = refNet.allParameters + refHead.parameters
        var refLoss = 0.0
        for k in 0..<n {
            let f = refNet.forward(slice(k), training: true)
            refLoss += refHead.forward(f, labels: labels[k], training: true, updatingStatistics: false) * Double(micro)
            _ = refNet.backward(refHead.backward(scale: Float(micro) / Float(Self.rows)))
        }
        let c = Self.config(accumulate: n)
        SGD(parameters: refParameters, momentum: Float(c.momentum), weightDecay: Float(c.weightDecay), nesterov: c.nesterov).step(lr: 0.1)

        let before = statsNet.allParameters.map(\.value.array) + statsHead.parameters.map(\.value.array)
        let r = try step.step(x, labels: y, lr: 0.1)
        #expect(abs(r.loss - refLoss / Double(Self.rows)) <= 1e-6 * abs(r.loss), "loss \(r.loss), reference \(refLoss / Double(Self.rows))")
        Self.expectSameStep(refParameters, step.parameters, before: before, "training BN")
        #expect(head.state.map { $0.value[0] } == statsHead.state.map { $0.value[0] })

        let bns = net.layers(of: BatchNorm.self)
        #expect(!bns.isEmpty && bns.allSatisfy { $0.batchesTracked[0] == Float(n) }, "pass 1 must not count as steps")
        for ((name, mine), (_, ref)) in zip(net.namedState(), statsNet.namedState()) {
            #expect(Self.relativeError(ref.array, mine.array) <= 1e-5, "\(name): \(mine.array.prefix(4)) against \(ref.array.prefix(4))")
        }
        // And the sequential updates are not the whole batch's single update (the check can fail).
        let (wholeNet, _) = Self.irNet(frozenBN: false)
        _ = wholeNet.forward(x, training: true)
        let firstBN = { (s: Sequential) in s.layers(of: BatchNorm.self)[0].runningMean.array }
        #expect(Self.relativeError(firstBN(wholeNet), firstBN(net)) > 1e-3)
        // The next step sees the dropout generators where the reference left them.
        #expect(zip(net.layers(of: Dropout.self), refNet.layers(of: Dropout.self)).allSatisfy { $0.0.rng == $0.1.rng })
    }

    /// A NaN in one micro-batch stops the step before any weight or momentum buffer moves, as it
    /// does for a whole batch (every micro-batch runs first, so data-parallel ranks stop together).
    @Test func nonFiniteMicroBatchStopsBeforeAnyWeightMoves() throws {
        let (net, head) = Self.irNet(frozenBN: true)
        let step = TrainingStep(network: net, head: head, config: Self.config(accumulate: 4))
        let (x, y) = Self.batch()
        try step.step(x, labels: y, lr: 0.1)
        let before = step.parameters.map { $0.value.array + ($0.momentum?.array ?? []) }
        let (bad, _) = Self.batch(seed: 6)
        bad[bad.count / 2 + 5] = .nan   // a row of the third micro-batch
        #expect(throws: TrainingError.self) { try step.step(bad, labels: y, lr: 0.1, epoch: 0, index: 1) }
        #expect(step.parameters.map { $0.value.array + ($0.momentum?.array ?? []) } == before)
        // The same two steps on clean data do move them (the comparison above can fail).
        let (cleanNet, cleanHead) = Self.irNet(frozenBN: true)
        let clean = TrainingStep(network: cleanNet, head: cleanHead, config: Self.config(accumulate: 4))
        try clean.step(x, labels: y, lr: 0.1)
        #expect(clean.parameters.map { $0.value.array + ($0.momentum?.array ?? []) } == before)
        try clean.step(Self.batch(seed: 6).0, labels: y, lr: 0.1)
        #expect(clean.parameters.map { $0.value.array + ($0.momentum?.array ?? []) } != before)
    }

    /// Frozen batch norm and no dropout (ranks draw their own masks, unlike one process).
    static func frozenNoDropout() -> (Sequential, MarginHead) {
        let a = Architecture(irStages: [1, 1, 1, 1], width: 4, inputSize: 16, embeddingSize: 8, dropout: 0)
        var rng = RNG(seed: 11)
        let n = NetworkBuilder.build(a, rng: &rng)
        for bn in n.layers(of: BatchNorm.self) { bn.frozen = true }
        return (n, MarginHead(embeddingSize: 8, classes: classes, kind: .adaFace(), centreInit: .unitUniform, rng: &rng))
    }

    /// Data-parallel with accumulation: 2 ranks of 16 rows, 2 micro-batches each, take the step of
    /// one process on 32 rows, AdaFace's statistics over all 32 norms of both ranks.
    @Test func dataParallelAccumulationMatchesOneProcess() throws {
        let (x, y) = Self.batch()
        let (sn, sh) = Self.frozenNoDropout()
        let single = TrainingStep(network: sn, head: sh, config: Self.config(accumulate: 1))
        let before = single.parameters.map(\.value.array)
        let rs = try single.step(x, labels: y, lr: 0.1)
        let per = x.count / Self.rows
        let results = try runRanks(2, seconds: 120) { r, comm -> ([[Float]], [Float], Double, Int) in
            let (n, h) = Self.frozenNoDropout()
            let step = TrainingStep(network: n, head: h, config: Self.config(accumulate: 2), dataParallel: DataParallel(communicator: comm))
            let lo = 16 * r
            let xr = Tensor(shape: [16] + x.shape.dropFirst(), values: Array(x.array[(lo * per)..<((lo + 16) * per)]))
            let res = try step.step(xr, labels: Array(y[lo..<(lo + 16)]), lr: 0.1)
            return (step.parameters.map(\.value.array), h.state.map { $0.value[0] }, res.loss, res.rows)
        }
        for (r, out) in results.enumerated() {
            #expect(out.3 == Self.rows, "rank \(r) reports \(out.3) rows")
            #expect(abs(out.2 - rs.loss) <= 1e-6 * abs(rs.loss), "rank \(r): loss \(out.2), one process \(rs.loss)")
            let stats = sh.state.map { $0.value[0] }
            #expect(zip(out.1, stats).allSatisfy { abs($0 - $1) <= 1e-5 * abs($1) }, "rank \(r): batch_mean/std \(out.1), one process \(stats)")
            for (k, p) in single.parameters.enumerated() {
                let e = Self.relativeError(p.value.array, out.0[k], floor: 1e-3)
                #expect(e <= 1e-5, "rank \(r): parameter \(k) differs by \(e)")
                let u = zip(p.value.array, before[k]).map { $0 - $1 }, v = zip(out.0[k], before[k]).map { $0 - $1 }
                #expect(Self.relativeError(u, v, floor: 1e-5) <= 2e-3, "rank \(r): the update of parameter \(k)")
            }
        }
    }
}
