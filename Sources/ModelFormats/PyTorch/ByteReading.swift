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

extension String {
    /// The string as an error message may quote it: control characters escaped (a hostile name
    /// must not break the one-line message or the terminal) and cut to `limit` characters.
    func printable(limit: Int = 80) -> String {
        var out = ""
        for scalar in unicodeScalars.prefix(limit) {
            if scalar.value < 0x20 || (0x7f..<0xa0).contains(scalar.value) || scalar.properties.generalCategory == .lineSeparator
                || scalar.properties.generalCategory == .paragraphSeparator {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return unicodeScalars.count > limit ? out + "…" : out
    }
}
