import Tensor

/// What a training-mode forward of a network changes besides its outputs: every batch norm's
/// running statistics and step count, every dropout's generator. Gradient accumulation runs a
/// micro-batch's forward twice (once for a head's whole-batch statistics, once for the gradient);
/// restoring the state taken before the first run makes it leave no trace, so the second run draws
/// the same dropout masks and batch norm updates its running statistics once per micro-batch, as a
/// single forward would.
public struct ForwardTrace {
    private let batchNorms: [(layer: BatchNorm, mean: [Float], variance: [Float], tracked: Float)]
    private let dropouts: [(layer: Dropout, rng: RNG)]

    /// The state of every batch norm and dropout at or below `network`, as it is now.
    public init(of network: Layer) {
        batchNorms = network.layers(of: BatchNorm.self).map {
            (layer: $0, mean: $0.runningMean.array, variance: $0.runningVariance.array, tracked: $0.batchesTracked[0])
        }
        dropouts = network.layers(of: Dropout.self).map { (layer: $0, rng: $0.rng) }
    }

    /// Puts the state back as it was when this trace was taken.
    public func restore() {
        for b in batchNorms {
            b.mean.withUnsafeBufferPointer { b.layer.runningMean.data.update(from: $0.baseAddress!, count: $0.count) }
            b.variance.withUnsafeBufferPointer { b.layer.runningVariance.data.update(from: $0.baseAddress!, count: $0.count) }
            b.layer.batchesTracked[0] = b.tracked
        }
        for d in dropouts { d.layer.rng = d.rng }
    }
}
