// Shapes: all kernels here work in place on H×W×3 interleaved UInt8 (or `count` pixels of 3 bytes).

/// Mirrors each row left ↔ right.
func flipRowsRGB(_ p: UnsafeMutablePointer<UInt8>, width: Int, height: Int) {
    for y in 0..<height {
        let row = p + y * width * 3
        var l = 0, r = width - 1
        while l < r {
            for c in 0..<3 { let t = row[3 * l + c]; row[3 * l + c] = row[3 * r + c]; row[3 * r + c] = t }
            l += 1; r -= 1
        }
    }
}

/// x ← clamp(round(x·factor)): a blend with black, torchvision's adjust_brightness.
func scaleBrightnessRGB(_ p: UnsafeMutablePointer<UInt8>, count: Int, factor: Float) {
    for i in 0..<count * 3 { p[i] = saturatingByte(Float(p[i]) * factor) }
}

/// x ← clamp(round(m + factor·(x − m))), m the mean luma of the whole image: adjust_contrast.
func scaleContrastRGB(_ p: UnsafeMutablePointer<UInt8>, count: Int, factor: Float) {
    guard count > 0 else { return }
    var sum: Double = 0
    for i in 0..<count { sum += Double(luma(p + 3 * i)) }
    let mean = Float(sum / Double(count))
    for i in 0..<count * 3 { p[i] = saturatingByte(mean + factor * (Float(p[i]) - mean)) }
}

/// Each pixel ← clamp(round(g + factor·(x − g))), g that pixel's luma: adjust_saturation.
func scaleSaturationRGB(_ p: UnsafeMutablePointer<UInt8>, count: Int, factor: Float) {
    for i in 0..<count {
        let q = p + 3 * i, g = luma(q)
        for c in 0..<3 { q[c] = saturatingByte(g + factor * (Float(q[c]) - g)) }
    }
}

/// ITU-R 601 luma, PIL's "L" conversion (which torchvision's PIL path of ColorJitter uses).
@inline(__always) private func luma(_ q: UnsafePointer<UInt8>) -> Float {
    0.299 * Float(q[0]) + 0.587 * Float(q[1]) + 0.114 * Float(q[2])
}

extension RGBImage {
    /// The mirror image (x ↦ width − 1 − x).
    public func flippedHorizontally() -> RGBImage {
        var out = self
        out.pixels.withUnsafeMutableBufferPointer { flipRowsRGB($0.baseAddress!, width: width, height: height) }
        return out
    }
}
