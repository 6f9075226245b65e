import TestSupport
import NN
import Tensor
import Testing

/// Every layer passes the central-difference gradient check on small random inputs.
@Suite struct LayerGradientTests {
    @Test(arguments: [(3, 1, 1), (3, 2, 1), (5, 1, 2), (5, 2, 2), (1, 1, 0), (1, 2, 0)])
    func conv2D(kernel: Int, stride: Int, padding: Int) {
        var rng = RNG(seed: 7)
        let conv = Conv2D(3, 4, kernel: kernel, stride: stride, padding: padding, bias: true)
        conv.initialize(.pytorchDefault, rng: &rng)
        GradientCheck().expectPasses(conv, input: randomTensor([2, 3, 7, 6], seed: 3))
    }

    @Test(arguments: [(3, 1), (3, 2), (5, 1), (5, 2), (7, 1)])
    func depthwise(kernel: Int, stride: Int) {
        var rng = RNG(seed: 8)
        let dw = DepthwiseConv2D(channels: 3, kernel: kernel, stride: stride)
        dw.initialize(.pytorchDefault, rng: &rng)
        GradientCheck().expectPasses(dw, input: randomTensor([2, 3, 9, 8], seed: 4))
    }

    @Test func batchNorm2DTraining() {
        let bn = BatchNorm(channels: 3)
        var rng = RNG(seed: 2)
        for i in 0..<3 { bn.gamma.value[i] = rng.uniform(0.5, 1.5); bn.beta.value[i] = rng.uniform(-0.5, 0.5) }
        GradientCheck(tolerance: 2e-2).expectPasses(bn, input: randomTensor([4, 3, 3, 3], seed: 5, scale: 2))
    }

    @Test func batchNorm1DTrainingAndEvaluation() {
        let bn = BatchNorm(channels: 5)
        GradientCheck(tolerance: 2e-2).expectPasses(bn, input: randomTensor([6, 5], seed: 6, scale: 2))
        for i in 0..<5 { bn.runningMean[i] = Float(i) * 0.1; bn.runningVariance[i] = 0.5 + Float(i) * 0.2 }
        GradientCheck(training: false).expectPasses(bn, input: randomTensor([6, 5], seed: 7))
    }

    @Test func relu() {
        GradientCheck().expectPasses(ReLU(), input: randomTensor([2, 3, 4, 5], seed: 9))
    }

    @Test func prelu() {
        let p = PReLU(channels: 3)
        p.alpha.value[1] = -0.3; p.alpha.value[2] = 0.7
        GradientCheck().expectPasses(p, input: randomTensor([2, 3, 4, 5], seed: 10))
    }

    @Test func linear() {
        var rng = RNG(seed: 11)
        let l = Linear(7, 4)
        l.initialize(.pytorchDefault, rng: &rng)
        GradientCheck().expectPasses(l, input: randomTensor([3, 7], seed: 12))
    }

    @Test func globalAvgPoolAndFlatten() {
        GradientCheck().expectPasses(GlobalAvgPool(), input: randomTensor([2, 3, 4, 5], seed: 13))
        GradientCheck().expectPasses(Flatten(), input: randomTensor([2, 3, 2, 2], seed: 14))
    }

    @Test func dropoutWithFixedMask() {
        let d = Dropout(probability: 0.4, seed: 3)
        let saved = d.rng
        let check = GradientCheck(beforeForward: { d.rng = saved })
        check.expectPasses(d, input: randomTensor([4, 6], seed: 15))
        // Inverted dropout: kept elements are scaled by 1/(1-p), about p of them are zeroed.
        let x = Tensor(shape: [1, 10_000], repeating: 1)
        let y = d.forward(x, training: true)
        let zeros = y.array.filter { $0 == 0 }.count
        #expect(abs(Double(zeros) / 10_000 - 0.4) < 0.02)
        #expect(y.array.allSatisfy { $0 == 0 || abs($0 - 1 / 0.6) < 1e-6 })
        #expect(d.forward(x, training: false).array.allSatisfy { $0 == 1 })
    }

    @Test func residualBlockWithProjection() {
        var rng = RNG(seed: 16)
        let c1 = Conv2D(3, 4, kernel: 3, stride: 2), c2 = Conv2D(3, 4, kernel: 1, stride: 2, padding: 0)
        c1.initialize(.pytorchDefault, rng: &rng); c2.initialize(.pytorchDefault, rng: &rng)
        let block = Residual(branch: Sequential([c1, PReLU(channels: 4)]), shortcut: c2)
        // A weight perturbation moves many PReLU inputs at once, so kinks are likelier: smaller step.
        GradientCheck(h: 1e-3).expectPasses(block, input: randomTensor([2, 3, 6, 6], seed: 17))
        let identity = Residual(branch: Sequential([ReLU(), DepthwiseConv2D(channels: 3, kernel: 3)]))
        GradientCheck().expectPasses(identity, input: randomTensor([2, 3, 5, 5], seed: 18))
    }

    @Test func softmaxCrossEntropy() {
        let logits = randomTensor([4, 5], seed: 19, scale: 3)
        let labels: [Int32] = [0, 4, 2, 2]
        let ce = SoftmaxCrossEntropy()
        _ = ce.forward(logits, labels: labels)
        let g = ce.backward().copy()
        for i in 0..<logits.count {
            let old = logits[i]
            logits[i] = old + 1e-2; let lp = ce.forward(logits, labels: labels)
            logits[i] = old - 1e-2; let lm = ce.forward(logits, labels: labels)
            logits[i] = old
            let n = (lp - lm) / 2e-2
            #expect(abs(n - Double(g[i])) < 1e-3 * max(1, abs(n)), "logit \(i): analytic \(g[i]) numeric \(n)")
        }
    }
}
