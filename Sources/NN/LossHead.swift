import Tensor

/// What turns a network's output and the labels into a loss: softmax cross-entropy over class
/// scores, or a margin head over face embeddings (which owns the class centres). The training
/// step treats every kind alike.
///
/// `forward` keeps what `backward` needs; `backward(scale:)` returns dLoss/dfeatures times
/// `scale` and **adds** into the head's own parameters' gradients, as a layer's backward does.
public protocol LossHead: AnyObject {
    /// Mean loss over the batch of `features` [n, d] with one label per row.
    func forward(_ features: Tensor, labels: [Int32], training: Bool) -> Double
    func backward(scale: Float) -> Tensor
    /// The last forward's class scores [n, classes], for counting correct predictions.
    var scores: Tensor { get }
    /// Trainable parameters and saved state, named relative to the head ("weight", "batch_mean").
    var parameters: [Parameter] { get }
    var state: [StateTensor] { get }
    var summary: String { get }
    /// Data-parallel training: statistics the head keeps over a batch are taken over every rank's
    /// shard. Heads without batch statistics ignore it.
    var synchronizer: Communicator? { get set }

    /// True for heads that keep statistics over a training batch (AdaFace's feature-norm mean and
    /// std), which a training forward updates over its own rows. Gradient accumulation must take
    /// them over the whole batch instead: it collects `statisticsValues` of every micro-batch,
    /// calls `updateStatistics` once with all of them, then runs the micro-batches with
    /// `updatingStatistics: false`. Heads without such statistics skip that first pass.
    var keepsBatchStatistics: Bool { get }
    /// What the batch statistics need of `features` [n, d], one value per row.
    func statisticsValues(_ features: Tensor) -> [Float]
    /// Updates the statistics once over the values of a whole batch, as a training forward of it would.
    func updateStatistics(_ values: [Float])
    /// `forward`, with the statistics updated over this batch only when `updatingStatistics`.
    func forward(_ features: Tensor, labels: [Int32], training: Bool, updatingStatistics: Bool) -> Double
}

/// A head without batch statistics: nothing to collect, and every forward is the plain one.
extension LossHead {
    public var keepsBatchStatistics: Bool { false }
    public func statisticsValues(_ features: Tensor) -> [Float] { [] }
    public func updateStatistics(_ values: [Float]) {}
    public func forward(_ features: Tensor, labels: [Int32], training: Bool, updatingStatistics: Bool) -> Double {
        forward(features, labels: labels, training: training)
    }
}

extension SoftmaxCrossEntropy: LossHead {
    public func forward(_ features: Tensor, labels: [Int32], training: Bool) -> Double { forward(features, labels: labels) }
    public var parameters: [Parameter] { [] }
    public var state: [StateTensor] { [] }
    public var summary: String { "softmax cross-entropy" }
    public var synchronizer: Communicator? {
        get { nil }
        set {}
    }
}

extension MarginHead: LossHead {
    public var scores: Tensor { logits }
}
