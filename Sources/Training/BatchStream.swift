import Datasets
import NN
import Tensor

/// Where an epoch's batches come from: the classification loader, the face loader, or a fixed
/// batch (bench, tests).
public protocol BatchStream {
    mutating func next() -> (Tensor, [Int32])?
    /// Unreadable images skipped so far; nil for sources that cannot skip any.
    var skippedCount: Int? { get }
}

/// The classification loader's batches.
public struct ClassificationBatches: BatchStream {
    public let loader: BatchLoader
    public init(_ loader: BatchLoader) { self.loader = loader }
    public mutating func next() -> (Tensor, [Int32])? {
        guard let b = loader.next() else { return nil }
        return (b.x, b.labels)
    }
    public var skippedCount: Int? { nil }
}

/// The face loader's batches. Data-parallel, a rank whose whole shard of a batch was unreadable
/// ends the job: it cannot take part in the step's collectives with nothing to contribute.
public struct FaceBatches: BatchStream {
    public let loader: FaceBatchLoader
    let dataParallel: DataParallel?
    let epoch: Int
    private var index = 0

    public init(_ loader: FaceBatchLoader, epoch: Int, dataParallel: DataParallel?) {
        self.loader = loader; self.epoch = epoch; self.dataParallel = dataParallel
    }

    public mutating func next() -> (Tensor, [Int32])? {
        guard let b = loader.next() else { return nil }
        if b.count == 0, let dp = dataParallel {
            dp.communicator.abort("every image of this rank's shard of batch \(index + 1) of epoch \(epoch + 1) was unreadable (\(loader.skipped.last?.reason ?? ""))")
        }
        index += 1
        return (b.x, b.labels)
    }

    public var skippedCount: Int? { loader.skipped.count }
}

/// The same batch `count` times.
public struct RepeatedBatch: BatchStream {
    public let x: Tensor, labels: [Int32]
    public var remaining: Int
    public init(x: Tensor, labels: [Int32], count: Int) { self.x = x; self.labels = labels; remaining = count }
    public mutating func next() -> (Tensor, [Int32])? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        return (x, labels)
    }
    public var skippedCount: Int? { nil }
}
