import Foundation
import NN
import Tensor
import Testing

/// The ranks of an in-process data-parallel job, one `Thread` each: `body(rank, communicator)`
/// runs on every rank at once and the results come back in rank order. The first rank to throw
/// makes the call throw at once: the other ranks may be waiting in a collective it will never
/// join (under MPI it would abort the job), so they are left blocked rather than waited for. A job
/// that does not end within `seconds` is a deadlock, thrown as `RankTimeout`.
func runRanks<T: Sendable>(_ ranks: Int, seconds: Double = 180,
                           _ body: @escaping @Sendable (Int, Communicator) throws -> T) throws -> [T] {
    let comms = Communicator.inProcess(ranks: ranks)
    let results = RankResults<T>(ranks)
    let done = DispatchSemaphore(value: 0)
    for r in 0..<ranks {
        let comm = comms[r]
        let t = Thread {
            let outcome = Result { try body(r, comm) }
            results.set(r, outcome)
            done.signal()
        }
        // Network builders and the loaders recurse a little; the platform default for secondary
        // threads is smaller than the main thread's.
        t.stackSize = 16 << 20
        t.start()
    }
    let deadline = DispatchTime.now() + seconds
    for _ in 0..<ranks {
        guard done.wait(timeout: deadline) == .success else {
            throw RankTimeout(ranks: ranks, seconds: seconds)
        }
        if let e = results.firstError() { throw e }
    }
    return try results.values()
}

struct RankTimeout: Error, CustomStringConvertible {
    let ranks: Int, seconds: Double
    var description: String { "\(ranks) in-process ranks did not finish within \(Int(seconds)) s (deadlock?)" }
}

private final class RankResults<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, Error>?]
    init(_ n: Int) { slots = Array(repeating: nil, count: n) }
    func set(_ r: Int, _ v: Result<T, Error>) { lock.lock(); slots[r] = v; lock.unlock() }
    func firstError() -> Error? {
        lock.lock(); defer { lock.unlock() }
        for case .failure(let e)? in slots { return e }
        return nil
    }
    func values() throws -> [T] {
        lock.lock(); defer { lock.unlock() }
        return try slots.map { try $0!.get() }
    }
}

/// Named tensors copied out of a network or head (parameters and state), for comparisons.
struct Snapshot: Sendable, Equatable {
    var tensors: [String: [Float]]

    init(_ entries: CheckpointEntries) {
        var t: [String: [Float]] = [:]
        for (n, p) in entries.parameters { t[n] = p.value.array }
        for (n, s) in entries.state { t[n] = s.array }
        tensors = t
    }

    init(file path: String) throws {
        let f = try Safetensors.read(path)
        var t: [String: [Float]] = [:]
        for (n, v) in f.tensors where n.hasPrefix("model.") { t[String(n.dropFirst("model.".count))] = v.array }
        tensors = t
    }

    /// Names of trainable weights (batch-norm running statistics and AdaFace's feature-norm
    /// statistics are state, compared separately).
    static func isState(_ name: String) -> Bool {
        ["running_", "num_batches", "batch_mean", "batch_std"].contains { name.contains($0) }
    }

    /// Bit patterns, so that NaN equals NaN.
    var bits: [String: [UInt32]] { tensors.mapValues { $0.map(\.bitPattern) } }
}

/// How far `b` is from `a`, tensor by tensor over the names they share (which must be all).
struct Distance: CustomStringConvertible {
    /// max |a − b| over max |a|: the measure of the MPI tests (`WeightDistance`).
    var maxRelative: Double
    /// max |a − b| over max |a − start|: the error relative to how far training moved the weights,
    /// which a wrong gradient scale or a missed rank would make of order 1.
    var updateRelative: Double
    var maxUpdate: Double
    var tensors: Int

    init(_ a: Snapshot, _ b: Snapshot, start: Snapshot, include: (String) -> Bool) {
        var maxDiff = 0.0, maxValue = 0.0, maxMove = 0.0, n = 0
        for (name, x) in a.tensors where include(name) {
            let y = b.tensors[name]!, s = start.tensors[name]!
            precondition(x.count == y.count && x.count == s.count, "\(name): shapes differ")
            for i in 0..<x.count {
                maxDiff = max(maxDiff, abs(Double(x[i]) - Double(y[i])))
                maxValue = max(maxValue, abs(Double(x[i])))
                maxMove = max(maxMove, abs(Double(x[i]) - Double(s[i])))
            }
            n += 1
        }
        maxRelative = maxDiff / max(maxValue, 1e-30)
        updateRelative = maxDiff / max(maxMove, 1e-30)
        maxUpdate = maxMove
        tensors = n
    }

    var description: String {
        String(format: "max-relative %.2e, update-relative %.2e (largest update %.2e) over %d tensors",
               maxRelative, updateRelative, maxUpdate, tensors)
    }
}

/// Largest |a − b| / |a| over the pairs.
func relativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) / max(abs($0), 1e-12) }.max() ?? 0
}
