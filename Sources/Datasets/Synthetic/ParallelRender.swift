import Foundation
import Tensor

/// Runs `work` over `0..<count` on both cores in batches, handing each batch's results to `consume`
/// in index order on the calling thread. Results are pure functions of their index, so the output
/// does not depend on the thread count; batching bounds memory (a batch of JPEGs, not a data set)
/// and gives `consume` a steady stream for writing and progress.
func renderInBatches<Output>(count: Int, batch: Int = 256, _ work: @Sendable (Int) throws -> Output,
                             consume: (Int, Output) throws -> Void) throws {
    var start = 0
    while start < count {
        let n = min(batch, count - start)
        let slots = UnsafeMutablePointer<Result<Output, Error>?>.allocate(capacity: n)
        slots.initialize(repeating: nil, count: n)
        defer { slots.deinitialize(count: n); slots.deallocate() }
        let shared = SendableSlots(slots)
        let base = start
        Parallel.forWorkers(n) { _, lo, hi in
            for i in lo..<hi { shared.pointer[i] = Result { try work(base + i) } }
        }
        for i in 0..<n { try consume(base + i, slots[i]!.get()) }
        start += n
    }
}

/// Each worker writes only its own range of slots.
private struct SendableSlots<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { pointer = p }
}
