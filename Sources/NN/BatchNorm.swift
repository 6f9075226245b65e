import Kernels
import Tensor

/// Batch normalisation over [n, c, h, w] (2-D) or [n, c] (1-D), with PyTorch's semantics:
/// training uses the biased batch variance to normalise and updates the running variance with
/// the unbiased one; running = (1 − momentum)·running + momentum·batch; affine γ = 1, β = 0 at start.
public final class BatchNorm: Layer {
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    public let gamma: Parameter
    public let beta: Parameter
    public let runningMean: Tensor
    public let runningVariance: Tensor
    /// Training steps taken (PyTorch's num_batches_tracked; kept for checkpoints).
    public let batchesTracked = Tensor(zeros: [1])
    /// False: γ = 1 and β = 0 are fixed and not parameters at all (PyTorch's `affine=False`, the
    /// embedding BN of AdaFace's IR); neither is trained, saved or counted.
    public let affine: Bool
    /// When true, training passes also use the running statistics (a frozen BN).
    public var frozen = false
    /// Synchronised BN: training statistics (and their gradients) span every process of this
    /// communicator, as if its ranks' batches were one. Nil: each process's own batch.
    public var synchronizer: Communicator?

    /// Set by `recompute(for:in:)`: the output goes to this workspace's transient buffer, and
    /// the consumer recomputes it in backward.
    public internal(set) var transientOutput: Workspace?

    private var input = Tensor(zeros: [0])
    private var trainedLast = false
    private var out = Buffer()
    private let mean: Tensor, invStd: Tensor, variance: Tensor

    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, decays: Bool = true, affine: Bool = true) {
        self.channels = channels; self.momentum = momentum; self.epsilon = epsilon; self.affine = affine
        gamma = Parameter(name: "weight", shape: [channels], decays: decays)
        beta = Parameter(name: "bias", shape: [channels], decays: decays)
        gamma.value.fill(1)
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor(shape: [channels], repeating: 1)
        mean = Tensor(zeros: [channels]); invStd = Tensor(zeros: [channels]); variance = Tensor(zeros: [channels])
    }

    public var parameters: [Parameter] { affine ? [gamma, beta] : [] }

    public var state: [StateTensor] {
        [StateTensor(name: "running_mean", value: runningMean), StateTensor(name: "running_var", value: runningVariance),
         StateTensor(name: "num_batches_tracked", value: batchesTracked)]
    }

    public var summary: String { affine ? "bn \(channels)" : "bn \(channels) (no affine)" }

    private func dims(_ x: Tensor) -> (Int, Int) {
        precondition((x.rank == 4 || x.rank == 2) && x.shape[1] == channels, "BatchNorm: input \(x.shape), channels \(channels)")
        return (x.shape[0], x.rank == 4 ? x.shape[2] * x.shape[3] : 1)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (n, hw) = dims(x)
        input = x
        let y = outputTensor(x.shape)
        trainedLast = training && !frozen
        if trainedLast, let sync = synchronizer, sync.isDistributed {
            forwardSynchronized(x, n: n, hw: hw, y: y, sync: sync)
        } else if trainedLast {
            batchNormForwardTraining(x.data, batch: n, channels: channels, spatial: hw, gamma: gamma.value.data,
                                     beta: beta.value.data, epsilon: epsilon, y: y.data, mean: mean.data,
                                     invStd: invStd.data, variance: variance.data)
            batchNormUpdateRunning(runningMean: runningMean.data, runningVariance: runningVariance.data, mean: mean.data,
                                   variance: variance.data, channels: channels, count: n * hw, momentum: momentum)
            batchesTracked[0] += 1
        } else {
            normalizeWithRunningStatistics(x, n: n, hw: hw, into: y)
        }
        return y
    }

    /// Where the output goes: the workspace's transient buffer when a consumer recomputes it, else our own.
    private func outputTensor(_ shape: [Int]) -> Tensor { transientOutput?.transient(shape) ?? out.tensor(shape) }

    private func normalizeWithRunningStatistics(_ x: Tensor, n: Int, hw: Int, into y: Tensor) {
        batchNormForwardInference(x.data, batch: n, channels: channels, spatial: hw, gamma: gamma.value.data,
                                  beta: beta.value.data, runningMean: runningMean.data,
                                  runningVariance: runningVariance.data, epsilon: epsilon, y: y.data)
    }

    public func recomputedOutput() -> Tensor {
        let x = input
        let (n, hw) = dims(x)
        let y = outputTensor(x.shape)
        if trainedLast {
            batchNormApply(x.data, batch: n, channels: channels, spatial: hw, mean: mean.data, invStd: invStd.data,
                           gamma: gamma.value.data, beta: beta.value.data, y: y.data)
        } else {
            normalizeWithRunningStatistics(x, n: n, hw: hw, into: y)
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let x = input
        let (n, hw) = dims(x)
        let dx = TensorPool.shared.tensor(x.shape)
        if trainedLast, let sync = synchronizer, sync.isDistributed {
            backwardSynchronized(dy, x, n: n, hw: hw, dx: dx, sync: sync)
        } else if trainedLast {
            batchNormBackward(dy.data, x.data, batch: n, channels: channels, spatial: hw, gamma: gamma.value.data,
                              mean: mean.data, invStd: invStd.data, dx: dx.data, dgamma: gamma.grad.data, dbeta: beta.grad.data)
        } else {
            // Frozen statistics: y = γ(x − μ_r)/σ_r + β is affine in x.
            batchNormBackwardInference(dy.data, batch: n, channels: channels, spatial: hw, gamma: gamma.value.data,
                                       runningVariance: runningVariance.data, epsilon: epsilon, dx: dx.data)
            for c in 0..<channels {
                let inv = 1 / (runningVariance[c] + epsilon).squareRoot(), mu = runningMean[c]
                var dg: Double = 0, db: Double = 0
                for i in 0..<n {
                    let base = (i * channels + c) * hw
                    for j in 0..<hw {
                        let g = Double(dy.data[base + j])
                        db += g; dg += g * Double((x.data[base + j] - mu) * inv)
                    }
                }
                gamma.grad.data[c] += Float(dg); beta.grad.data[c] += Float(db)
            }
        }
        return dx
    }

    // MARK: Synchronised statistics

    /// Values per channel in the last synchronised forward's global batch (backward divides by it).
    private var syncCount = 0

    /// Local moments, summed over ranks with the value count, then the usual normalisation.
    private func forwardSynchronized(_ x: Tensor, n: Int, hw: Int, y: Tensor, sync: Communicator) {
        var sums = [Double](repeating: 0, count: 2 * channels + 1)
        sums.withUnsafeMutableBufferPointer { s in
            batchNormLocalMoments(x.data, batch: n, channels: channels, spatial: hw, sums: s.baseAddress!)
            s[2 * channels] = Double(n * hw)
            sync.sum(s.baseAddress!, count: s.count)
        }
        syncCount = Int(sums[2 * channels])
        sums.withUnsafeBufferPointer { s in
            batchNormApplyMoments(x.data, batch: n, channels: channels, spatial: hw, sums: s.baseAddress!, count: syncCount,
                                  gamma: gamma.value.data, beta: beta.value.data, epsilon: epsilon, y: y.data,
                                  mean: mean.data, invStd: invStd.data, variance: variance.data)
        }
        batchNormUpdateRunning(runningMean: runningMean.data, runningVariance: runningVariance.data, mean: mean.data,
                               variance: variance.data, channels: channels, count: syncCount, momentum: momentum)
        batchesTracked[0] += 1
    }

    /// dγ and dβ get this rank's share (the gradient all-reduce adds the others); dx needs the
    /// global Σdy and Σdy·(x − μ).
    private func backwardSynchronized(_ dy: Tensor, _ x: Tensor, n: Int, hw: Int, dx: Tensor, sync: Communicator) {
        var sums = [Double](repeating: 0, count: 2 * channels)
        sums.withUnsafeMutableBufferPointer { s in
            batchNormLocalGradientSums(dy.data, x.data, batch: n, channels: channels, spatial: hw, mean: mean.data, sums: s.baseAddress!)
            for c in 0..<channels {
                beta.grad[c] += Float(s[2 * c])
                gamma.grad[c] += Float(s[2 * c + 1] * Double(invStd[c]))
            }
            sync.sum(s.baseAddress!, count: s.count)
            batchNormApplyGradientSums(dy.data, x.data, batch: n, channels: channels, spatial: hw, sums: s.baseAddress!,
                                       count: syncCount, gamma: gamma.value.data, mean: mean.data, invStd: invStd.data, dx: dx.data)
        }
    }
}
