/// One storage of a `torch.save` file: `count` elements of `dtype` starting at `byteOffset` of
/// `bytes`. `bytes` is usually the whole file (shared, not copied: arrays are copy-on-write), or an
/// inflated ZIP entry. Tensors are views into storages, and several tensors may share one.
struct TorchStorage: Sendable {
    /// The key the pickle's persistent id gives it (the ZIP record name under `data/`, or the
    /// legacy format's storage key).
    let key: String
    let dtype: TorchDType
    let bytes: [UInt8]
    let byteOffset: Int
    let count: Int

    /// `bytes[available]` must hold `count` elements from its start; checked with overflow-free arithmetic.
    init(key: String, dtype: TorchDType, bytes: [UInt8], available: Range<Int>, count: Int, file: String) throws {
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteCount)
        guard count >= 0, !overflow, available.upperBound <= bytes.count, byteCount <= available.count else {
            throw ModelFormatError(file: file, "storage \(key) claims \(count) \(dtype.rawValue) elements (\(overflow ? "too many" : String(byteCount)) bytes), but only \(available.count) bytes are there")
        }
        self.key = key
        self.dtype = dtype
        self.bytes = bytes
        self.byteOffset = available.lowerBound
        self.count = count
    }

    /// The elements `offset..<offset + count` as a storage of their own: the legacy format's
    /// storage views (files from before PyTorch 0.4) point into a root storage this way.
    func view(key: String, offset: Int, count: Int, file: String) throws -> TorchStorage {
        guard offset >= 0, count >= 0, offset <= self.count, count <= self.count - offset else {
            throw ModelFormatError(file: file, "storage view \(key) covers elements \(offset)..<\(offset &+ count) of storage \(self.key), which has \(self.count)")
        }
        let start = byteOffset + offset * dtype.byteCount
        return try TorchStorage(key: key, dtype: dtype, bytes: bytes, available: start..<(start + count * dtype.byteCount), count: count, file: file)
    }
}
