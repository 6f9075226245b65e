import Foundation

// The face formats (RecordIO, pickle, MAT v5) are all little-endian; callers check bounds first
// so that a short buffer becomes a DatasetError naming the file, never a trap.
extension Array where Element == UInt8 {
    func u16LE(at i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }

    func u32LE(at i: Int) -> UInt32 {
        UInt32(self[i]) | UInt32(self[i + 1]) << 8 | UInt32(self[i + 2]) << 16 | UInt32(self[i + 3]) << 24
    }

    func u64LE(at i: Int) -> UInt64 { UInt64(u32LE(at: i)) | UInt64(u32LE(at: i + 4)) << 32 }

    mutating func appendLE(_ v: UInt16) { append(UInt8(v & 0xff)); append(UInt8(v >> 8)) }

    mutating func appendLE(_ v: UInt32) {
        for s in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: v >> UInt32(s))) }
    }

    mutating func appendLE(_ v: UInt64) { appendLE(UInt32(truncatingIfNeeded: v)); appendLE(UInt32(v >> 32)) }
}
