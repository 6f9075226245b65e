/// Exact widening of PyTorch's 16-bit float formats to `Float`. Done on the bits rather than
/// through `Float16`, which Swift does not offer on every platform (macOS on Intel).
enum HalfFloat {
    /// IEEE binary16: every value, subnormals, infinities and NaN payloads included, is exactly
    /// representable as a binary32, so this is a lossless re-encoding.
    static func float(fromHalfBits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1f
        let mantissa = UInt32(h & 0x3ff)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa · 2^-24, exact in binary32 (a 10-bit integer scaled by a power of two).
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: magnitude.bitPattern | sign)
        case 0x1f:
            // Infinity or NaN: the payload keeps its position at the top of the mantissa (quiet bit included).
            return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
        default:
            // Rebias the exponent from 15 to 127.
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// bfloat16 is the top half of a binary32, so widening is a shift.
    static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }
}
