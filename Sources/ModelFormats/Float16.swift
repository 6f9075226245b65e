/// Half-precision bit patterns widened to `Float`, exactly: every float16 and bfloat16 value
/// (subnormals, infinities, NaN payloads) is representable in binary32. Written out by hand
/// because Swift's `Float16` is missing on macOS for x86-64. Both readers (PyTorch storages, ONNX tensors) use it.
extension Float {
    /// The IEEE 754 binary16 value with bit pattern `bits` (sign 1, exponent 5, fraction 10).
    public init(float16Bits bits: UInt16) {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1f
        let fraction = UInt32(bits & 0x3ff)
        switch exponent {
        case 0:
            // Zero or subnormal: fraction × 2⁻²⁴, exact because the fraction has 10 bits.
            let magnitude = Float(fraction) * 0x1p-24
            self = sign != 0 ? -magnitude : magnitude
        case 0x1f:
            // Infinity or NaN; the fraction moves to the top of binary32's, keeping NaN payloads.
            self = Float(bitPattern: sign | 0x7f80_0000 | fraction << 13)
        default:
            // Rebias the exponent from 15 to 127.
            self = Float(bitPattern: sign | (exponent + 112) << 23 | fraction << 13)
        }
    }

    /// The bfloat16 value with bit pattern `bits`: the top half of a binary32.
    public init(bfloat16Bits bits: UInt16) {
        self = Float(bitPattern: UInt32(bits) << 16)
    }
}
