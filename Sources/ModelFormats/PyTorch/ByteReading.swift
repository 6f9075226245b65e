/// Little-endian integers at a byte offset. Callers check the bounds first (every reader here
/// validates lengths against the bytes that remain before reading), so these only assemble bytes.
extension Array where Element == UInt8 {
    func littleEndian<T: FixedWidthInteger & UnsignedInteger>(at offset: Int, as: T.Type) -> T {
        var value: T = 0
        for i in (0..<MemoryLayout<T>.size).reversed() { value = value << 8 | T(self[offset + i]) }
        return value
    }

    /// True when `count` bytes start at `offset` (no overflow for any `offset`, `count`).
    func has(_ count: Int, at offset: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= self.count && count <= self.count - offset
    }
}
