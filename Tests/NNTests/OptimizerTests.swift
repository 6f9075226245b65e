import NN
import Tensor
import Testing

/// SGD, gradient clipping and schedules against PyTorch 2 (torch.optim.SGD with lr 0.1,
/// momentum 0.9, weight decay 0.01 on w and none on b; clip_grad_norm_ at 5 before each step).
@Suite struct OptimizerTests {
    func close(_ a: [Float], _ b: [Float], _ tol: Float = 1e-6) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol * max(1, abs($1)) }
    }

    @Test(arguments: [false, true])
    func sgdWithClippingMatchesPyTorch(nesterov: Bool) {
        let w = Parameter(name: "w", shape: [3]), b = Parameter(name: "b", shape: [2], decays: false)
        w.value.data.update(from: [1.0, -2.0, 0.5], count: 3)
        b.value.data.update(from: [0.3, 0.7], count: 2)
        let sgd = SGD(parameters: [w, b], momentum: 0.9, weightDecay: 0.01, nesterov: nesterov)
        let grads: [([Float], [Float])] = [([3, 4, 0], [1, -1]), ([0.5, -0.25, 2], [0, 2])]
        let norms = [5.196152210235596, 2.8831405639648438]
        for (i, (gw, gb)) in grads.enumerated() {
            w.grad.data.update(from: gw, count: 3); b.grad.data.update(from: gb, count: 2)
            let n = GradientClipping.clip([w, b], maxNorm: 5)
            #expect(abs(n - norms[i]) < 1e-6)
            if i == 0 {
                #expect(close(w.grad.array, [2.8867509365081787, 3.849001169204712, 0.0]))
                #expect(close(b.grad.array, [0.962250292301178, -0.962250292301178]))
            }
            sgd.step(lr: 0.1)
        }
        if nesterov {
            #expect(close(w.value.array, [0.11912625283002853, -2.9849770069122314, 0.11769679933786392]), "\(w.value.array)")
            #expect(close(b.value.array, [0.03923017904162407, 0.5807697772979736]), "\(b.value.array)")
        } else {
            #expect(close(w.value.array, [0.39890697598457336, -2.700127363204956, 0.29855048656463623]), "\(w.value.array)")
            #expect(close(b.value.array, [0.11717245727777481, 0.6828275322914124]), "\(b.value.array)")
        }
    }

    /// A frozen parameter (the IR embedding BN's weight) is neither moved, decayed, given a
    /// momentum buffer nor counted in the clipping norm; the others step as usual.
    @Test func nonTrainableParameterIsLeftAlone() {
        let w = Parameter(name: "w", shape: [2]), frozen = Parameter(name: "f", shape: [2])
        frozen.trainable = false
        w.value.data.update(from: [1, 2], count: 2)
        frozen.value.data.update(from: [1, 1], count: 2)
        w.grad.data.update(from: [3, 4], count: 2)
        frozen.grad.data.update(from: [100, -100], count: 2)
        let n = GradientClipping.clip([w, frozen], maxNorm: 10)
        #expect(abs(n - 5) < 1e-9)
        #expect(frozen.grad.array == [100, -100])
        let sgd = SGD(parameters: [w, frozen], momentum: 0.9, weightDecay: 0.1)
        sgd.step(lr: 0.5)
        // First step: buffer = g + wd·w, w -= lr·buffer: 1 − 0.5·3.1, 2 − 0.5·4.2.
        let expected: [Float] = [-0.55, -0.1]
        #expect(close(w.value.array, expected), "\(w.value.array)")
        #expect(frozen.value.array == [1, 1])
        #expect(frozen.momentum == nil)
    }

    @Test func cosineScheduleBothSteppings() {
        // PyTorch's CosineAnnealingLR stepped at epoch end: epoch e runs at lr·(1+cos(πe/T))/2.
        let end = LRSchedule.cosine(0.025, epochs: 3)
        #expect([0, 1, 2].map { end.lr(epoch: $0) }.map { ($0 * 1e6).rounded() / 1e6 } == [0.025, 0.01875, 0.00625])
        // The authors stepped at epoch start: epoch e runs at lr·(1+cos(π(e+1)/T))/2, the last at 0.
        let start = LRSchedule.cosine(0.025, epochs: 3, shift: 1)
        #expect(abs(start.lr(epoch: 0) - 0.01875) < 1e-12)
        #expect(abs(start.lr(epoch: 2)) < 1e-12)
    }

    @Test func stepScheduleAndWarmup() {
        var s = LRSchedule.step(0.1, milestones: [12, 20, 24])
        #expect(abs(s.lr(epoch: 11) - 0.1) < 1e-12)
        #expect(abs(s.lr(epoch: 12) - 0.01) < 1e-12)
        #expect(abs(s.lr(epoch: 20) - 0.001) < 1e-12)
        #expect(abs(s.lr(epoch: 25) - 0.0001) < 1e-12)
        s.warmupEpochs = 2
        #expect(abs(s.lr(epoch: 0, progress: 0.5) - 0.025) < 1e-12)
        #expect(abs(s.lr(epoch: 1, progress: 0.5) - 0.075) < 1e-12)
        #expect(abs(s.lr(epoch: 2) - 0.1) < 1e-12)
    }

    /// PyTorch's default initialisers: U(±1/√fan_in); Kaiming-normal fan-out has std √(2/fan_out).
    @Test func initialisers() {
        var rng = RNG(seed: 4)
        let t = Tensor(zeros: [64, 32, 3, 3])
        Initializer.pytorchDefault(t, fanIn: 32 * 9, rng: &rng)
        let bound = 1 / Float(32 * 9).squareRoot()
        #expect(t.array.allSatisfy { abs($0) <= bound })
        #expect(t.array.max()! > 0.95 * bound)
        Initializer.kaimingNormalFanOut(t, fanOut: 64 * 9, rng: &rng)
        let v = t.array.reduce(0.0) { $0 + Double($1 * $1) } / Double(t.count)
        #expect(abs(v.squareRoot() - (2.0 / 576).squareRoot()) < 0.002)
    }
}
