import Foundation

/// A bounded FIFO between one producer thread and one consumer, guarded by an NSCondition.
/// `put` blocks while the queue is full; `take` blocks while it is empty and not finished.
final class PrefetchQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private var finished = false
    private var cancelled = false
    private var peak = 0
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity >= 1, "PrefetchQueue: capacity must be at least 1")
        self.capacity = capacity
    }

    /// Appends `item`, waiting for room; false when the consumer has gone away (stop producing).
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        if head > 0 && head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        items.append(item)
        peak = max(peak, items.count - head)
        condition.broadcast()
        return true
    }

    /// The next item, waiting for the producer; nil once the producer has finished and all items were taken.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !finished && !cancelled { condition.wait() }
        if head == items.count { return nil }
        let item = items[head]
        head += 1
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        condition.broadcast()
        return item
    }

    /// Producer: no more items will come.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: stop the producer and drop what is queued.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        head = 0
        condition.broadcast()
        condition.unlock()
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Most items ever queued at once (≤ capacity).
    var peakCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return peak
    }
}
