import Foundation

/// The ranks of a data-parallel job as threads of one process: what `Communicator.inProcess`
/// hands out, so multi-rank behaviour is testable without `mpirun`. Each collective publishes
/// every rank's pointer, rank 0 combines them in rank order (so every rank receives the same
/// bits), and barriers keep a rank from leaving before all have copied the result.
final class InProcessGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var arrived = 0, generation = 0
    /// One pointer per rank, each written only by its rank: a fixed buffer rather than an Array,
    /// whose copy-on-write subscript setter the ranks would run concurrently on one value.
    private let slots: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private var shared: UnsafeMutableRawPointer?
    private var sharedBytes = 0

    init(size: Int) {
        self.size = size
        slots = .allocate(capacity: size)
        slots.initialize(repeating: nil, count: size)
    }

    deinit {
        shared?.deallocate()
        slots.deallocate()
    }

    func barrier() {
        condition.lock(); defer { condition.unlock() }
        let g = generation
        arrived += 1
        if arrived == size {
            arrived = 0; generation += 1
            condition.broadcast()
        } else {
            while generation == g { condition.wait() }
        }
    }

    /// In place on every rank: the element-wise sum over ranks, added in rank order.
    /// Every rank passes the same count (as with MPI), so an empty sum returns on all of them.
    func sum<T: FloatingPoint>(_ values: UnsafeMutablePointer<T>, count: Int, rank: Int) {
        guard count > 0 else { return }
        slots[rank] = UnsafeMutableRawPointer(values)
        barrier()
        if rank == 0 {
            let bytes = count * MemoryLayout<T>.stride
            if sharedBytes < bytes {
                shared?.deallocate()
                shared = .allocate(byteCount: bytes, alignment: 64); sharedBytes = bytes
            }
            let out = shared!.bindMemory(to: T.self, capacity: count)
            out.update(from: slots[0]!.assumingMemoryBound(to: T.self), count: count)
            for r in 1..<size {
                let p = slots[r]!.assumingMemoryBound(to: T.self)
                for i in 0..<count { out[i] += p[i] }
            }
        }
        barrier()
        values.update(from: shared!.assumingMemoryBound(to: T.self), count: count)
        barrier()
    }

    /// Rank `root`'s values on every rank.
    func broadcast<T>(_ values: UnsafeMutablePointer<T>, count: Int, rank: Int, root: Int) {
        guard count > 0 else { return }
        slots[rank] = UnsafeMutableRawPointer(values)
        barrier()
        if rank != root { values.update(from: slots[root]!.assumingMemoryBound(to: T.self), count: count) }
        barrier()
    }
}
