import Foundation
import NN
import Tensor

/// Data-parallel training over the ranks of a communicator (DistributedDataParallel's pattern):
/// every rank runs the same network on its shard of each global batch, scales its loss gradient
/// by its share of the global batch, and the ranks sum their gradients, so every rank takes the
/// step one process would take on the whole batch and the weights stay identical.
///
/// Gradients are summed in buckets of about `bucketBytes` after the backward pass, not
/// overlapped with it: on one machine the sum is a shared-memory copy of 0.3–2.5% of a step
/// (README, "Several machines (MPI)"), and a layer-by-layer overlap would need hooks in every
/// layer's backward.
public final class DataParallel {
    public let communicator: Communicator
    public let syncBatchNorm: Bool
    /// Compare a checksum of the weights across ranks after every step and stop on a mismatch.
    public var verifyReplicas = false
    public private(set) var replicaChecks = 0
    public var bucketBytes = 8 << 20
    private var bucket: [Float] = []
    /// Wall time spent in `sumGradients` (waiting for the slowest rank included), and its calls.
    public private(set) var gradientSumSeconds = 0.0, gradientSums = 0

    public init(communicator: Communicator, syncBatchNorm: Bool = false) {
        self.communicator = communicator; self.syncBatchNorm = syncBatchNorm
    }

    /// The training's data-parallel setting over `communicator`: nil in a world of one process.
    public static func make(communicator: Communicator, syncBatchNorm: Bool, verifyReplicas: Bool = false) -> DataParallel? {
        guard communicator.isDistributed else { return nil }
        let dp = DataParallel(communicator: communicator, syncBatchNorm: syncBatchNorm)
        dp.verifyReplicas = verifyReplicas
        return dp
    }

    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }

    /// Rows `lo..<hi` of a global batch of `count` rows that this rank computes.
    public func shard(of count: Int) -> Range<Int> { Communicator.shard(of: count, rank: rank, ranks: size) }

    /// Synchronises every batch norm under `network` when `syncBatchNorm`.
    public func prepare(_ network: Layer) {
        guard syncBatchNorm else { return }
        for bn in network.layers(of: BatchNorm.self) { bn.synchronizer = communicator }
    }

    /// The sums over ranks of this rank's [rows, Σloss·rows, correct]: the global batch size,
    /// mean loss and correct count, and the factor for this rank's mean-loss gradient (its share
    /// of the rows) that makes the ranks' summed gradients the global mean's.
    public func globalBatch(rows: Int, meanLoss: Double, correct: Int)
        -> (rows: Int, loss: Double, correct: Int, gradientScale: Float) {
        let s = communicator.sum([Double(rows), meanLoss * Double(rows), Double(correct)])
        return (Int(s[0]), s[1] / max(s[0], 1), Int(s[2]), Float(rows) / Float(max(s[0], 1)))
    }

    /// Sums every parameter's gradient over ranks: large tensors in place, small ones packed into
    /// a bucket so that a network of many small tensors costs few collective calls.
    public func sumGradients(_ parameters: [Parameter]) {
        let start = Date()
        defer { gradientSumSeconds += Date().timeIntervalSince(start); gradientSums += 1 }
        let limit = max(1, bucketBytes / 4)
        var pending: [Parameter] = [], filled = 0
        func flush() {
            guard !pending.isEmpty else { return }
            if bucket.count < filled { bucket = [Float](repeating: 0, count: filled) }
            bucket.withUnsafeMutableBufferPointer { b in
                var at = 0
                for p in pending { (b.baseAddress! + at).update(from: p.grad.data, count: p.grad.count); at += p.grad.count }
                communicator.sum(b.baseAddress!, count: filled)
                at = 0
                for p in pending { p.grad.data.update(from: b.baseAddress! + at, count: p.grad.count); at += p.grad.count }
            }
            pending.removeAll(keepingCapacity: true); filled = 0
        }
        for p in parameters {
            let n = p.grad.count
            if n >= limit { communicator.sum(p.grad.data, count: n); continue }
            if filled + n > limit { flush() }
            pending.append(p); filled += n
        }
        flush()
    }

    /// Averages batch-norm running statistics over ranks (local BN lets them drift apart), so that
    /// evaluation and the checkpoint see one model. A no-op with synchronised BN, where they agree.
    public func averageRunningStatistics(_ network: Layer) {
        guard !syncBatchNorm else { return }
        let inv = 1 / Float(size)
        for bn in network.layers(of: BatchNorm.self) {
            for t in [bn.runningMean, bn.runningVariance] {
                communicator.sum(t.data, count: t.count)
                for i in 0..<t.count { t[i] *= inv }
            }
        }
    }

    /// Stops the job when the ranks' weights differ: each rank hashes its parameter bytes and
    /// compares with rank 0's hash.
    public func checkReplicas(_ parameters: [Parameter], step: Int) {
        guard verifyReplicas else { return }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for p in parameters {
            let bytes = UnsafeRawBufferPointer(start: p.value.data, count: p.value.count * 4)
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        let mine = [Double(h >> 32), Double(h & 0xffff_ffff)]
        let root = communicator.broadcast(mine)
        let mismatches = communicator.sum([root == mine ? 0 : 1])[0]
        if mismatches > 0 {
            communicator.abort("weights differ between ranks after step \(step + 1) (\(Int(mismatches)) of \(size) ranks differ from rank 0)")
        }
        replicaChecks += 1
    }
}
