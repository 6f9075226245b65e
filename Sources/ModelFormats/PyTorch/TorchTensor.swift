/// A tensor of a `torch.save` file: a strided view (`shape`, `strides`, `storageOffset`, all in
/// elements, as PyTorch keeps them) into a storage that other tensors may share. The geometry is
/// checked against the storage when the tensor is made, so reading its elements cannot go out of
/// bounds.
public struct TorchTensor: Sendable {
    public let dtype: TorchDType
    public let shape: [Int]
    public let strides: [Int]
    public let storageOffset: Int
    /// The storage's key: tensors with the same key share memory in PyTorch (tied weights, views).
    public var storageKey: String { storage.key }
    let storage: TorchStorage
    /// The file it came from, for error messages.
    let file: String

    /// Most elements one tensor may have (2^31): the largest face models have tens of millions.
    public static let maxElementCount = 1 << 31
    /// Most dimensions accepted; PyTorch itself allows 64.
    public static let maxDimensions = 64

    /// Number of elements (1 for a scalar, whose shape is []).
    public var count: Int { shape.reduce(1, *) }

    /// True when the elements lie in row-major order without gaps, so they can be read as one run.
    public var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            if stride != expected { return false }
            expected *= size
        }
        return true
    }

    /// Checks that every element the view can reach lies inside `storage`. `place` names the tensor
    /// (a pickle offset) in the error.
    init(storage: TorchStorage, shape: [Int], strides: [Int], storageOffset: Int, file: String, place: String) throws {
        func fail(_ what: String) -> ModelFormatError { ModelFormatError(file: file, "\(place): \(what)") }
        guard shape.count == strides.count else { throw fail("tensor has \(shape.count) sizes but \(strides.count) strides") }
        guard shape.count <= Self.maxDimensions else { throw fail("tensor has \(shape.count) dimensions, expected at most \(Self.maxDimensions)") }
        guard storageOffset >= 0 else { throw fail("negative storage offset \(storageOffset)") }
        var count = 1
        var lastIndex = storageOffset
        for (size, stride) in zip(shape, strides) {
            guard size >= 0, stride >= 0 else { throw fail("size \(size) with stride \(stride); expected both ≥ 0") }
            let (c, o1) = count.multipliedReportingOverflow(by: size)
            guard !o1, c <= Self.maxElementCount else { throw fail("shape \(shape) has more than \(Self.maxElementCount) elements") }
            count = c
            if size > 0 {
                let (reach, o2) = (size - 1).multipliedReportingOverflow(by: stride)
                let (end, o3) = lastIndex.addingReportingOverflow(reach)
                guard !o2, !o3 else { throw fail("shape \(shape) with strides \(strides) overflows") }
                lastIndex = end
            }
        }
        if count > 0 {
            guard lastIndex < storage.count else {
                throw fail("shape \(shape), strides \(strides) and offset \(storageOffset) reach element \(lastIndex) of storage \(storage.key), which has \(storage.count)")
            }
        } else {
            guard storageOffset <= storage.count else { throw fail("offset \(storageOffset) is past storage \(storage.key), which has \(storage.count) elements") }
        }
        self.dtype = storage.dtype
        self.shape = shape
        self.strides = strides
        self.storageOffset = storageOffset
        self.storage = storage
        self.file = file
    }

    /// The elements in row-major order of `shape` (a contiguous copy), converted to `Float`:
    /// float16 and bfloat16 exactly; float64 and integers beyond 2^24 rounded to nearest; bools as 0 and 1.
    public func floats() throws -> [Float] {
        switch dtype {
        case .float32: return gather { raw, i in Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
        case .float16: return gather { raw, i in Float(float16Bits: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
        case .bfloat16: return gather { raw, i in Float(bfloat16Bits: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
        case .float64: return gather { raw, i in Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))) }
        default: return try integers().map { Float($0) }
        }
    }

    /// The elements in row-major order as `Int64`, for the integer and bool types (step counters,
    /// `num_batches_tracked`); float types are refused rather than truncated.
    public func integers() throws -> [Int64] {
        switch dtype {
        case .int64: return gather { raw, i in Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
        case .int32: return gather { raw, i in Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))) }
        case .int16: return gather { raw, i in Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))) }
        case .int8: return gather { raw, i in Int64(raw.load(fromByteOffset: i, as: Int8.self)) }
        case .uint8: return gather { raw, i in Int64(raw.load(fromByteOffset: i, as: UInt8.self)) }
        case .bool: return gather { raw, i in raw.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0 }
        case .float32, .float16, .bfloat16, .float64:
            throw ModelFormatError(file: file, "tensor of storage \(storage.key) holds \(dtype.rawValue), not integers")
        }
    }

    /// Walks the view's elements in row-major order; `element(raw, i)` reads element `i` of the
    /// storage (`raw` starts at the storage's first byte). Bounds were checked in `init`.
    private func gather<T>(_ element: (UnsafeRawBufferPointer, Int) -> T) -> [T] {
        let n = count
        guard n > 0 else { return [] }
        return storage.bytes.withUnsafeBytes { all in
            let raw = UnsafeRawBufferPointer(rebasing: all[storage.byteOffset...])
            var out = [T]()
            out.reserveCapacity(n)
            if isContiguous {
                for i in storageOffset..<(storageOffset + n) { out.append(element(raw, i)) }
                return out
            }
            // An odometer over the dimensions, the innermost fastest. A stride is only added when
            // it leads to an element that exists, so `position` never leaves the range `init`
            // checked (a size-1 dimension may have any stride, even one near Int.max).
            let rank = shape.count
            var index = [Int](repeating: 0, count: rank)
            var position = storageOffset
            for _ in 0..<n {
                out.append(element(raw, position))
                var d = rank - 1
                while d >= 0 {
                    if index[d] + 1 < shape[d] {
                        index[d] += 1
                        position += strides[d]
                        break
                    }
                    position -= strides[d] * index[d]
                    index[d] = 0
                    d -= 1
                }
            }
            return out
        }
    }
}
