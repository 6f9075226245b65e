import Foundation

/// Recycled memory for tensors that live only as long as someone holds them: the input
/// gradients of a backward pass. Each is consumed by the layer below and dropped, so a few
/// storages serve a whole network instead of one per layer, which roughly halves the memory
/// of a training step (PyTorch frees gradients the same way).
///
/// A storage is free again once the pool holds the only reference to it. `tensor(_:)` hands
/// out the smallest free storage that fits, so a step's requests settle into the same storages
/// every step; when none fits it drops the free ones that are too small and allocates.
/// Thread-safe: networks on different threads share the pool.
public final class TensorPool: @unchecked Sendable {
    public static let shared = TensorPool()

    private var storages: [TensorStorage] = []
    private let lock = NSLock()

    public init() {}

    /// A tensor of `shape` whose contents are unspecified; its memory returns to the pool when
    /// the last copy of the tensor is gone.
    public func tensor(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        lock.lock(); defer { lock.unlock() }
        var best = -1
        for i in storages.indices where storages[i].count >= n && isKnownUniquelyReferenced(&storages[i]) {
            if best < 0 || storages[i].count < storages[best].count { best = i }
        }
        if best < 0 {
            // Free storages too small for this request go first: a run that moves on to larger
            // networks (a search trains one candidate after another) keeps only what still fits.
            var kept: [TensorStorage] = []
            for i in storages.indices where storages[i].count >= n || !isKnownUniquelyReferenced(&storages[i]) {
                kept.append(storages[i])
            }
            storages = kept
            storages.append(TensorStorage(count: n))
            best = storages.count - 1
        }
        return Tensor(shape: shape, storage: storages[best])
    }

    /// Bytes held, in use or free.
    public var bytes: Int {
        lock.lock(); defer { lock.unlock() }
        return storages.reduce(0) { $0 + $1.count } * MemoryLayout<Float>.stride
    }

    /// Releases the free storages (those nobody else holds).
    public func trim() {
        lock.lock(); defer { lock.unlock() }
        var kept: [TensorStorage] = []
        for i in storages.indices where !isKnownUniquelyReferenced(&storages[i]) { kept.append(storages[i]) }
        storages = kept
    }
}
