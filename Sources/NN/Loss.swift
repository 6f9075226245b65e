import Kernels
import Tensor

/// Mean softmax cross-entropy over a batch: logits [n, k], integer labels in 0..<k.
public final class SoftmaxCrossEntropy {
    private var probabilities = Buffer(), dBuffer = Buffer()
    private var labels: [Int32] = []
    private var shape: [Int] = []
    /// The last forward's logits (the caller's tensor, read before the next forward).
    public private(set) var scores = Tensor(zeros: [1, 1])

    public init() {}

    /// Returns the mean loss (accumulated in Double) and keeps the softmax for backward.
    public func forward(_ logits: Tensor, labels: [Int32]) -> Double {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                     "SoftmaxCrossEntropy: logits \(logits.shape) for \(labels.count) labels")
        shape = logits.shape; self.labels = labels; scores = logits
        let p = probabilities.tensor(shape)
        return labels.withUnsafeBufferPointer {
            softmaxCrossEntropyForward(logits.data, labels: $0.baseAddress!, batch: shape[0], classes: shape[1], probabilities: p.data)
        }
    }

    /// dL/dlogits of the mean loss, times `scale`.
    public func backward(scale: Float = 1) -> Tensor {
        let d = dBuffer.tensor(shape), p = probabilities.tensor(shape)
        labels.withUnsafeBufferPointer {
            softmaxCrossEntropyBackward(p.data, labels: $0.baseAddress!, batch: shape[0], classes: shape[1], scale: scale, dlogits: d.data)
        }
        return d
    }

    /// The softmax of the last forward.
    public var lastProbabilities: Tensor { probabilities.tensor(shape) }
}
