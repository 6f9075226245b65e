import Tensor

/// A layer whose output need not be kept for backward: its consumer asks for it again there.
///
/// Training keeps every activation a backward reads. In an IR network a batch norm's output is
/// read only by the next layer (a PReLU, or a convolution's weight gradient), and the batch
/// norm keeps its input anyway; so the output can live in the workspace's one transient buffer
/// and be recomputed (one affine pass) when the consumer's backward needs it. At IR-18's batch
/// of 32 that drops eight 112×112×64 maps' worth of activations (performance.md).
public protocol RecomputableOutput: AnyObject {
    /// The output of the last forward, recomputed bit-identically from what the layer kept.
    func recomputedOutput() -> Tensor
}

extension BatchNorm: RecomputableOutput {
    /// Writes the output into the workspace's transient buffer and lets `consumer` recompute it
    /// in backward instead of reading a kept copy.
    public func recompute(for consumer: RecomputingInput, in workspace: Workspace) {
        transientOutput = workspace
        consumer.inputSource = self
    }
}

/// A layer that can take its backward's input from a `RecomputableOutput` instead of the tensor
/// its forward saw.
public protocol RecomputingInput: AnyObject {
    var inputSource: RecomputableOutput? { get set }
}

extension PReLU: RecomputingInput {}
extension Conv2D: RecomputingInput {}
