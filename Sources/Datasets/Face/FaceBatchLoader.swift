import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ImageIO
import Tensor

// glibc ≥ 2.30 has gettid(), but the Glibc module does not export it.
@_silgen_name("gettid") private func linuxThreadID() -> Int32

/// A face image the loader could not use, and why.
public struct SkippedImage: Sendable, Equatable {
    public var index: Int
    public var reason: String
}

/// Iterates one epoch of face batches: `x` is [B, 3, S, S], normalised (x/255 − 0.5)/0.5 in RGB
/// (BGR with `bgr`), labels are identities.
///
/// A background thread decodes, resizes to S×S when needed, augments and normalises, and keeps at
/// most `prefetch` batches ready in a bounded queue, so memory stays flat however long the epoch;
/// the training loop owns the two cores meanwhile. Determinism: the epoch's order is a permutation
/// seeded by (seed, epoch) and image k of the epoch is augmented from an RNG seeded by (seed, epoch,
/// k), so every batch is a pure function of its coordinates. An image that cannot be decoded is
/// skipped (the batch takes the next one) and listed in `skipped`, complete once `next()` returned nil.
public final class FaceBatchLoader: Sequence, IteratorProtocol {
    public struct Shard: Sendable, Equatable {
        public var rank: Int, ranks: Int
        public init(rank: Int, ranks: Int) { self.rank = rank; self.ranks = ranks }
    }

    public struct Options: Sendable {
        public var batchSize: Int
        /// Output side S.
        public var imageSize: Int
        public var shuffle = true
        /// Training augmentation; nil for evaluation.
        public var augmenter: FaceAugmenter?
        public var bgr = false
        public var seed: UInt64 = 0
        public var epoch = 0
        public var dropLast = false
        public var prefetch = 4
        /// Data-parallel training: (rank, ranks). Batch b is then this rank's rows of global batch
        /// b (`batchSize` is the global size), rows count·rank/ranks ..< count·(rank+1)/ranks, each
        /// image augmented as in the global batch; an unreadable image leaves its row out rather
        /// than borrowing another rank's image, so the ranks stay in step, one batch per global batch.
        public var shard: Shard?
        public init(batchSize: Int, imageSize: Int) { self.batchSize = batchSize; self.imageSize = imageSize }
    }

    public let options: Options
    /// Source indices in the order this epoch visits them.
    public let order: [Int]
    private let queue: PrefetchQueue<Batch>
    private let skippedBox = SkippedList()

    /// `indices`: the images of the source to use (all when nil), e.g. a training subset.
    public init(source: any FaceImageSource, options: Options, indices: [Int]? = nil) {
        precondition(options.batchSize >= 1 && options.imageSize >= 1 && options.prefetch >= 1, "FaceBatchLoader: bad options")
        var base = indices ?? Array(0..<source.count)
        if options.shuffle {
            var rng = RNG(seed: SeedMix.mix(options.seed, SeedMix.permutation, UInt64(bitPattern: Int64(options.epoch))))
            let p = rng.permutation(base.count)
            base = p.map { base[$0] }
        }
        self.options = options
        self.order = base
        queue = PrefetchQueue(capacity: options.prefetch)
        let producer = Producer(source: source, options: options, order: base, queue: queue, skipped: skippedBox)
        let t = Thread {
            // Decoding is a few percent of a core next to training. At nice 10 (still about a tenth of
            // a busy core, far more than it needs) it fills the gaps between the training's parallel
            // regions rather than preempting a worker, which would stall the step at the next barrier.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(linuxThreadID()), 10)
            producer.run()
        }
        t.name = "facenas-face-loader"
        t.start()
    }

    deinit { queue.cancel() }

    public func next() -> Batch? { queue.take() }

    /// Images skipped so far (all of the epoch's once iteration has ended).
    public var skipped: [SkippedImage] { skippedBox.items }

    /// Most batches that were ever waiting at once (≤ `prefetch`): the loader's memory bound.
    public var peakQueued: Int { queue.peakCount }
}

final class SkippedList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [SkippedImage] = []
    func append(_ s: SkippedImage) { lock.lock(); list.append(s); lock.unlock() }
    var items: [SkippedImage] { lock.lock(); defer { lock.unlock() }; return list }
}

/// The loader's background work, kept apart so the thread holds no reference to the loader and
/// dropping the loader (which cancels the queue) ends it.
private struct Producer: @unchecked Sendable {
    let source: any FaceImageSource
    let options: FaceBatchLoader.Options
    let order: [Int]
    let queue: PrefetchQueue<Batch>
    let skipped: SkippedList

    func run() {
        if let shard = options.shard { return runShard(shard) }
        let s = options.imageSize, plane = 3 * s * s, bs = options.batchSize
        var position = 0
        while position < order.count {
            let x = Tensor(zeros: [bs, 3, s, s])
            var labels: [Int32] = [], indices: [Int] = []
            while labels.count < bs && position < order.count {
                let k = position, index = order[k]
                position += 1
                if let label = load(position: k, index: index, into: x.data + labels.count * plane) {
                    labels.append(Int32(label)); indices.append(index)
                }
            }
            if labels.isEmpty || (options.dropLast && labels.count < bs) { break }
            if !queue.put(Batch(x: Self.firstRows(x, labels.count), labels: labels, indices: indices)) { return }
        }
        queue.finish()
    }

    /// `x` itself when all its rows were filled, else a copy of its first `rows` images.
    private static func firstRows(_ x: Tensor, _ rows: Int) -> Tensor {
        guard rows < x.shape[0] else { return x }
        let out = Tensor(zeros: [rows] + x.shape.dropFirst())
        out.data.update(from: x.data, count: out.count)
        return out
    }

    /// Decodes, resizes, augments (from the epoch position's generator) and normalises one image
    /// into `dst`; nil, with the image listed in `skipped`, when it cannot be read.
    private func load(position k: Int, index: Int, into dst: UnsafeMutablePointer<Float>) -> Int? {
        let s = options.imageSize
        do {
            let (label, bytes) = try source.encodedImage(at: index)
            var image: RGBImage
            do { image = try decodeImage([UInt8](bytes)) } catch {
                throw DatasetError.io(file: source.location(of: index), reason: "\(error)")
            }
            if image.width != s || image.height != s { image = image.resized(width: s, height: s) }
            if let aug = options.augmenter {
                var rng = RNG(seed: SeedMix.mix(options.seed, SeedMix.augmentation, UInt64(bitPattern: Int64(options.epoch)), UInt64(k)))
                image = aug.augment(image, rng: &rng)
            }
            image.writeNormalized(into: dst, bgr: options.bgr)
            return label
        } catch {
            skipped.append(SkippedImage(index: index, reason: "\(error)"))
            return nil
        }
    }

    /// One batch per global batch: this rank's rows of it (see `Options.shard`).
    private func runShard(_ shard: FaceBatchLoader.Shard) {
        let s = options.imageSize, plane = 3 * s * s, bs = options.batchSize
        let globalBatches = options.dropLast ? order.count / bs : (order.count + bs - 1) / bs
        for b in 0..<globalBatches {
            let count = min(bs, order.count - b * bs)
            let rows = Communicator.shard(of: count, rank: shard.rank, ranks: shard.ranks)
            let lo = b * bs + rows.lowerBound, hi = b * bs + rows.upperBound
            let x = Tensor(zeros: [hi - lo, 3, s, s])
            var labels: [Int32] = [], indices: [Int] = []
            for k in lo..<hi {
                if let label = load(position: k, index: order[k], into: x.data + labels.count * plane) {
                    labels.append(Int32(label)); indices.append(order[k])
                }
            }
            if !queue.put(Batch(x: Self.firstRows(x, labels.count), labels: labels, indices: indices)) { return }
        }
        queue.finish()
    }
}
