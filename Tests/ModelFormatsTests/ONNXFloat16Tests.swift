import ModelFormats
import Testing

/// float16 and bfloat16 widening: known values at every edge, and every float16 pattern against
/// Swift's own `Float16` where the platform has it.
struct ONNXFloat16Tests {
    @Test func float16KnownValues() {
        let cases: [(UInt16, Float)] = [
            (0x0000, 0), (0x3c00, 1), (0xc000, -2), (0x3555, 0.333251953125), (0x7bff, 65504),
            (0x0001, 0x1p-24), (0x03ff, 1023 * 0x1p-24), (0x0400, 0x1p-14), (0x8001, -0x1p-24),
            (0x7c00, .infinity), (0xfc00, -.infinity),
        ]
        for (bits, value) in cases { #expect(Float(float16Bits: bits) == value, "0x\(String(bits, radix: 16))") }
        #expect(Float(float16Bits: 0x8000).bitPattern == 0x8000_0000)
        // NaN payloads move to the top of binary32's fraction, unquieted, as numpy does.
        #expect(Float(float16Bits: 0x7e00).bitPattern == 0x7fc0_0000)
        #expect(Float(float16Bits: 0x7c01).bitPattern == 0x7f80_2000)
        #expect(Float(float16Bits: 0xfe01).bitPattern == 0xffc0_2000)
    }

    @Test func bfloat16KnownValues() {
        #expect(Float(bfloat16Bits: 0x3f80) == 1)
        #expect(Float(bfloat16Bits: 0xc000) == -2)
        #expect(Float(bfloat16Bits: 0x0001) == 0x1p-133)
        #expect(Float(bfloat16Bits: 0x7f7f) == Float(bitPattern: 0x7f7f_0000))
        #expect(Float(bfloat16Bits: 0xff80) == -.infinity)
        #expect(Float(bfloat16Bits: 0x7fc1).bitPattern == 0x7fc1_0000)
    }

    #if !(os(macOS) && arch(x86_64))
    @Test func everyFloat16PatternMatchesSwiftsFloat16() {
        var mismatches = 0
        for bits in 0...UInt16.max {
            let ours = Float(float16Bits: bits)
            let swift = Float(Float16(bitPattern: bits))
            if swift.isNaN {
                // Hardware conversion may set the quiet bit; the payload and sign must agree.
                if !ours.isNaN || ours.bitPattern | 0x0040_0000 != swift.bitPattern | 0x0040_0000 { mismatches += 1 }
            } else if ours.bitPattern != swift.bitPattern {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }
    #endif
}
