import Foundation

// Shapes: src inH×inW×3 UInt8 → dst outH×outW×3 UInt8. `inverse` maps a destination pixel centre
// (x, y) (integer coordinates, no half-pixel offset) to the source point that is sampled there.
//
// cv2.warpAffine semantics with INTER_LINEAR and BORDER_CONSTANT 0: the source point is quantised
// to 1/32 pixel as OpenCV's fixed-point tables do, the four neighbours are blended bilinearly and a
// neighbour outside the source counts as black, so edges fade into the black border rather than
// being clamped. Results agree with OpenCV to ±1 grey level (it also quantises the weights).
func warpAffineRGB(_ src: UnsafePointer<UInt8>, inWidth: Int, inHeight: Int,
                   _ dst: UnsafeMutablePointer<UInt8>, outWidth: Int, outHeight: Int, inverse m: AffineMatrix) {
    for y in 0..<outHeight {
        for x in 0..<outWidth {
            let sx = ((m.a * Double(x) + m.b * Double(y) + m.tx) * 32).rounded() / 32
            let sy = ((m.c * Double(x) + m.d * Double(y) + m.ty) * 32).rounded() / 32
            let out = dst + (y * outWidth + x) * 3
            let fx0 = sx.rounded(.down), fy0 = sy.rounded(.down)
            // Far outside (or NaN): black without touching Int conversion limits.
            guard fx0 >= -1, fy0 >= -1, fx0 < Double(inWidth), fy0 < Double(inHeight) else {
                out[0] = 0; out[1] = 0; out[2] = 0
                continue
            }
            let x0 = Int(fx0), y0 = Int(fy0)
            let fx = Float(sx - fx0), fy = Float(sy - fy0)
            var r: Float = 0, g: Float = 0, b: Float = 0
            for k in 0..<4 {
                let px = x0 + (k & 1), py = y0 + (k >> 1)
                guard px >= 0, py >= 0, px < inWidth, py < inHeight else { continue }
                let w = ((k & 1) == 0 ? 1 - fx : fx) * ((k >> 1) == 0 ? 1 - fy : fy)
                let p = src + (py * inWidth + px) * 3
                r += w * Float(p[0]); g += w * Float(p[1]); b += w * Float(p[2])
            }
            out[0] = saturatingByte(r); out[1] = saturatingByte(g); out[2] = saturatingByte(b)
        }
    }
}

extension RGBImage {
    /// `cv2.warpAffine(image, transform, (width, height))`: `transform` maps this image's coordinates
    /// to the output's, and each output pixel samples this image at transform⁻¹·(x, y).
    public func warped(by transform: AffineMatrix, width outWidth: Int, height outHeight: Int) throws -> RGBImage {
        guard let inverse = transform.inverse else { throw ImageIOError("the warp transform is singular (det = 0)") }
        var out = RGBImage(width: outWidth, height: outHeight)
        guard width > 0, height > 0 else { return out }
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                warpAffineRGB(src.baseAddress!, inWidth: width, inHeight: height, dst.baseAddress!,
                              outWidth: outWidth, outHeight: outHeight, inverse: inverse)
            }
        }
        return out
    }
}
