/// A dense Float32 array with a shape, stored row-major (NCHW for images) in 64-byte-aligned memory.
///
/// `Tensor` is a value with *reference* storage: copies share the same memory, as a layer's output
/// buffer is reused across steps. Use `copy()` when an independent copy is needed.
public struct Tensor: @unchecked Sendable {
    public private(set) var shape: [Int]
    public let storage: TensorStorage

    /// Allocates `shape.reduce(1, *)` floats, zero-filled.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *))
    }

    public init(shape: [Int], repeating value: Float) {
        self.init(zeros: shape)
        if value != 0 { data.update(repeating: value, count: count) }
    }

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "Tensor: \(values.count) values for shape \(shape)")
        self.init(zeros: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A tensor over existing storage (a reshape); the element count must match.
    public init(shape: [Int], storage: TensorStorage) {
        precondition(shape.reduce(1, *) <= storage.count, "Tensor: shape \(shape) exceeds storage of \(storage.count)")
        self.shape = shape
        self.storage = storage
    }

    @inlinable public var data: UnsafeMutablePointer<Float> { storage.pointer }
    @inlinable public var count: Int { shape.reduce(1, *) }
    @inlinable public var rank: Int { shape.count }

    /// The same memory seen with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "reshape \(shape) -> \(newShape): element counts differ")
        return Tensor(shape: newShape, storage: storage)
    }

    public func copy() -> Tensor {
        let t = Tensor(zeros: shape)
        t.data.update(from: data, count: count)
        return t
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public subscript(i: Int) -> Float {
        get { data[i] }
        nonmutating set { data[i] = newValue }
    }

    public func zero() { data.update(repeating: 0, count: count) }
    public func fill(_ v: Float) { data.update(repeating: v, count: count) }
}

/// Owns 64-byte-aligned memory for a tensor; freed when the last reference goes.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

/// A reusable buffer that grows to the largest size asked for; layers keep their outputs and
/// scratch in these so a training step does not allocate once shapes are stable.
public struct Buffer: @unchecked Sendable {
    public private(set) var tensor = Tensor(zeros: [0])

    public init() {}

    /// A tensor of `shape` over this buffer's memory; contents are unspecified unless `zeroed`.
    public mutating func tensor(_ shape: [Int], zeroed: Bool = false) -> Tensor {
        let n = shape.reduce(1, *)
        if tensor.storage.count < n { tensor = Tensor(zeros: [n]) }
        let t = Tensor(shape: shape, storage: tensor.storage)
        if zeroed { t.zero() }
        return t
    }
}
