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
