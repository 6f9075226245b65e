import Foundation
import Tensor

/// One mini-batch: `x` is [B, C, H, W] normalised Float, `labels[k]` and `indices[k]` (index into
/// the dataset) describe image k.
public struct Batch: Sendable {
    public let x: Tensor
    public let labels: [Int32]
    public let indices: [Int]
    public var count: Int { labels.count }
}

/// Iterates one epoch of batches of a `ClassificationDataset`.
///
/// Determinism: the epoch's order is a permutation drawn from an RNG seeded by a mix of (seed,
/// epoch); batch b's augmentation comes from an RNG seeded by (seed, epoch, b). Every batch is
/// therefore a pure function of (dataset, settings, seed, epoch, b): independent of threads and
/// timing, and a run resumed at epoch e sees exactly the batches an uninterrupted run would.
/// With `limit`, the epoch uses a stratified subset of `limit` images drawn with `seed` alone, the
/// same subset every epoch (see `stratifiedSubset`).
///
/// Prefetch: a background thread builds up to `prefetch` batches ahead into a bounded queue. Each
/// batch is a freshly allocated tensor that the consumer owns and may keep as long as it likes;
/// the queue bound keeps memory flat over an epoch (at most `prefetch` + 1 batches in flight besides
/// those the consumer holds). Dropping the loader before the end stops the thread.
/// Without shuffling and augmentation (evaluation), images keep their dataset order and native size.
///
/// Sharded (data-parallel training, `shard` = (rank, ranks)): batch b holds only rank's rows of
/// global batch b, rows `count·rank/ranks ..< count·(rank+1)/ranks`, augmented exactly as in the
/// global batch (the generator is advanced past the earlier rows' draws), so the ranks' shards
/// together are the batch one process would build, and no rank decodes another's images.
public final class BatchLoader: Sequence, IteratorProtocol {
    public let batchSize: Int
    public let batchCount: Int
    /// Dataset indices in the order this epoch visits them.
    public let order: [Int]
    /// Shape of one image in `Batch.x` (C, H, W): the crop size when augmenting, else native.
    public let imageShape: [Int]

    private let plan: EpochPlan
    private let queue: PrefetchQueue<Batch>

    public init(dataset: ClassificationDataset, batchSize: Int, shuffle: Bool, augment: Bool, recipe: DatasetRecipe,
                seed: UInt64, epoch: Int, limit: Int? = nil, dropLast: Bool = false, prefetch: Int = 2,
                shard: (rank: Int, ranks: Int)? = nil) {
        precondition(batchSize >= 1, "BatchLoader: batch size must be at least 1")
        precondition(prefetch >= 1, "BatchLoader: prefetch must be at least 1")
        var base = Array(0..<dataset.count)
        if let limit, limit < dataset.count {
            base = BatchLoader.stratifiedSubset(labels: dataset.labels, classes: dataset.classes,
                                                count: Swift.max(0, limit), seed: seed)
        }
        if shuffle {
            var rng = RNG(seed: SeedMix.mix(seed, SeedMix.permutation, UInt64(bitPattern: Int64(epoch))))
            let p = rng.permutation(base.count)
            base = p.map { base[$0] }
        }
        let augmenter = Augmenter(recipe: recipe, channels: dataset.channels, height: dataset.height, width: dataset.width)
        var count = dropLast ? base.count / batchSize : (base.count + batchSize - 1) / batchSize
        // A last global batch too small to give every rank a row is dropped, on every rank alike.
        if let shard, count > 0, base.count - (count - 1) * batchSize < shard.ranks { count -= 1 }
        self.batchSize = batchSize
        self.batchCount = count
        self.order = Array(base.prefix(Swift.min(base.count, count * batchSize)))
        self.imageShape = augment ? [dataset.channels, augmenter.outHeight, augmenter.outWidth]
                                  : [dataset.channels, dataset.height, dataset.width]
        self.plan = EpochPlan(dataset: dataset, order: order, batchSize: batchSize, batchCount: count, augment: augment,
                              augmenter: augmenter, seed: seed, epoch: epoch, imageShape: imageShape,
                              shard: shard.map { [$0.rank, $0.ranks] })
        self.queue = PrefetchQueue(capacity: prefetch)

        let plan = self.plan, queue = self.queue
        if count == 0 {
            queue.finish()
        } else {
            let thread = Thread {
                for b in 0..<plan.batchCount {
                    if queue.isCancelled { return }
                    if !queue.put(plan.batch(b)) { return }
                }
                queue.finish()
            }
            thread.name = "facenas.prefetch"
            thread.start()
        }
    }

    deinit { queue.cancel() }

    /// The next batch of the epoch, in order; nil after the last one.
    public func next() -> Batch? { queue.take() }

    /// Batch `b` computed on the calling thread (identical to the one `next()` delivers).
    public func batch(_ b: Int) -> Batch {
        precondition(b >= 0 && b < batchCount, "BatchLoader.batch: \(b) out of 0..<\(batchCount)")
        return plan.batch(b)
    }

    /// Most batches that were ever waiting in the prefetch queue (never more than `prefetch`).
    public var peakQueued: Int { queue.peakCount }

    /// Images in this epoch.
    public var imageCount: Int { order.count }
}

/// Everything needed to build any batch of one epoch.
struct EpochPlan: Sendable {
    let dataset: ClassificationDataset
    let order: [Int]
    let batchSize: Int
    let batchCount: Int
    let augment: Bool
    let augmenter: Augmenter
    let seed: UInt64
    let epoch: Int
    let imageShape: [Int]
    /// [rank, ranks] of a sharded loader.
    let shard: [Int]?

    func batch(_ b: Int) -> Batch {
        let lo = b * batchSize, hi = min(order.count, lo + batchSize)
        var rows = 0..<(hi - lo)
        if let shard { rows = Communicator.shard(of: rows.count, rank: shard[0], ranks: shard[1]) }
        let indices = Array(order[(lo + rows.lowerBound)..<(lo + rows.upperBound)])
        let x = Tensor(zeros: [indices.count] + imageShape)
        let per = imageShape.reduce(1, *)
        let srcSize = dataset.imageSize
        var rng = RNG(seed: SeedMix.mix(seed, SeedMix.augmentation, UInt64(bitPattern: Int64(epoch)), UInt64(b)))
        if augment { for _ in 0..<rows.lowerBound { _ = augmenter.draw(&rng) } }
        dataset.images.withUnsafeBufferPointer { images in
            for (k, i) in indices.enumerated() {
                let src = images.baseAddress! + i * srcSize
                if augment {
                    let p = augmenter.draw(&rng)
                    augmenter.train(src, params: p, into: x.data + k * per)
                } else {
                    augmenter.test(src, into: x.data + k * per)
                }
            }
        }
        return Batch(x: x, labels: indices.map { dataset.labels[$0] }, indices: indices)
    }
}
