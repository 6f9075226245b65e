import ImageIO
import Tensor

// PyTorch's `interpolate(mode="area")`, i.e. adaptive average pooling, which facenet-pytorch
// uses for every resize (pyramid levels and the 24×24 / 48×48 crops). Output cell i of n over
// an input of length L averages input indices floor(i·L/n) ..< ceil((i+1)·L/n): windows overlap
// by a pixel when L/n is fractional, and repeat pixels when upsampling.

/// The input range an output cell averages over, along one axis.
@inline(__always)
func areaWindow(_ i: Int, outputs n: Int, inputs length: Int) -> Range<Int> {
    (i * length / n)..<((i + 1) * length + n - 1) / n
}

/// The image as planar floats, [3, h, w] (R, G, B planes), values 0…255.
func planarFloats(_ image: RGBImage) -> Tensor {
    let (w, h) = (image.width, image.height), plane = w * h
    let t = Tensor(zeros: [3, h, w])
    image.pixels.withUnsafeBufferPointer { px in
        let d = t.data
        for i in 0..<plane {
            d[i] = Float(px[3 * i]); d[plane + i] = Float(px[3 * i + 1]); d[2 * plane + i] = Float(px[3 * i + 2])
        }
    }
    return t
}

/// Area-resamples the region rows `rows`, columns `cols` of the planar image `image` ([3, H, W])
/// to outH × outW and applies MTCNN's input scaling (v − 127.5) · 0.0078125, writing [3, outH, outW]
/// at `out`.
func areaResample(_ image: Tensor, rows: Range<Int>, cols: Range<Int>, outHeight oh: Int, outWidth ow: Int,
                  into out: UnsafeMutablePointer<Float>) {
    let (h, w) = (image.shape[1], image.shape[2])
    let rh = rows.count, rw = cols.count
    let xWindows = (0..<ow).map { areaWindow($0, outputs: ow, inputs: rw) }
    for c in 0..<3 {
        let plane = image.data + c * h * w, dst = out + c * oh * ow
        for oy in 0..<oh {
            let yr = areaWindow(oy, outputs: oh, inputs: rh)
            for ox in 0..<ow {
                let xr = xWindows[ox]
                var sum: Float = 0
                for y in yr {
                    let row = plane + (rows.lowerBound + y) * w + cols.lowerBound
                    for x in xr { sum += row[x] }
                }
                let mean = sum / Float(yr.count * xr.count)
                dst[oy * ow + ox] = (mean - 127.5) * 0.0078125
            }
        }
    }
}
