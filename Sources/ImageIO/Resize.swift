// Shapes: src inH×inW×3 UInt8 → tmp inH×outW×3 Float (horizontal pass) → dst outH×outW×3 UInt8
// (vertical pass). Separable because every filter here is a product of two 1-D kernels.
func resampleRGB(_ src: UnsafePointer<UInt8>, inWidth: Int, inHeight: Int,
                 _ dst: UnsafeMutablePointer<UInt8>, outWidth: Int, outHeight: Int,
                 xTaps: UnsafePointer<Int32>, xWeights: UnsafePointer<Float>, xCount: Int,
                 yTaps: UnsafePointer<Int32>, yWeights: UnsafePointer<Float>, yCount: Int,
                 workspace tmp: UnsafeMutablePointer<Float>) {
    for y in 0..<inHeight {
        let row = src + y * inWidth * 3, out = tmp + y * outWidth * 3
        for o in 0..<outWidth {
            var r: Float = 0, g: Float = 0, b: Float = 0
            for k in 0..<xCount {
                let p = row + Int(xTaps[o * xCount + k]) * 3, w = xWeights[o * xCount + k]
                r += w * Float(p[0]); g += w * Float(p[1]); b += w * Float(p[2])
            }
            out[3 * o] = r; out[3 * o + 1] = g; out[3 * o + 2] = b
        }
    }
    let rowLength = outWidth * 3
    for o in 0..<outHeight {
        let out = dst + o * rowLength
        for j in 0..<rowLength {
            var v: Float = 0
            for k in 0..<yCount { v += yWeights[o * yCount + k] * tmp[Int(yTaps[o * yCount + k]) * rowLength + j] }
            out[j] = saturatingByte(v)
        }
    }
}

/// Rounds to nearest and clamps: cubic and Lanczos overshoot past 0 and 255 near edges.
@inline(__always) func saturatingByte(_ v: Float) -> UInt8 { UInt8(min(max(v + 0.5, 0), 255)) }

extension RGBImage {
    /// This image resampled to `width`×`height` (see `ResizeFilter` for the coordinate convention).
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResizeFilter = .bilinear) -> RGBImage {
        precondition(outWidth > 0 && outHeight > 0 && width > 0 && height > 0,
                     "resize \(width)x\(height) → \(outWidth)x\(outHeight): sizes must be positive")
        if outWidth == width && outHeight == height { return self }   // every filter is the identity at scale 1
        let xs = AxisTaps(filter: filter, from: width, to: outWidth)
        let ys = AxisTaps(filter: filter, from: height, to: outHeight)
        var out = RGBImage(width: outWidth, height: outHeight)
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: height * outWidth * 3)
        defer { tmp.deallocate() }
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                resampleRGB(src.baseAddress!, inWidth: width, inHeight: height, dst.baseAddress!, outWidth: outWidth, outHeight: outHeight,
                            xTaps: xs.index, xWeights: xs.weight, xCount: xs.taps,
                            yTaps: ys.index, yWeights: ys.weight, yCount: ys.taps, workspace: tmp)
            }
        }
        return out
    }
}
