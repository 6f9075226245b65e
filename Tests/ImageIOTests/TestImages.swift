import Foundation
import ImageIO
import Tensor

/// A smooth, photo-like test image: gradients plus low-frequency waves, every channel different.
func smoothImage(width: Int, height: Int) -> RGBImage {
    var im = RGBImage(width: width, height: height)
    for y in 0..<height {
        for x in 0..<width {
            let fx = Double(x) / Double(max(width - 1, 1)), fy = Double(y) / Double(max(height - 1, 1))
            let r = 40 + 170 * fx
            let g = 128 + 90 * sin(6.0 * fx + 3.0 * fy)
            let b = 30 + 200 * fy * (1 - fx / 2)
            im[x, y] = (UInt8(r.rounded()), UInt8(g.rounded()), UInt8(b.rounded()))
        }
    }
    return im
}

/// Uniform random bytes (the hardest case for a codec, the easiest for spotting index errors).
func noiseImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
    var rng = RNG(seed: seed)
    return RGBImage(width: width, height: height, pixels: (0..<width * height * 3).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
}

/// Paints a red disc of `radius` around (cx, cy) (pixel centres inside it).
func drawDot(_ im: inout RGBImage, at p: Point2D, radius: Double) {
    let x0 = max(0, Int((p.x - radius).rounded(.down))), x1 = min(im.width - 1, Int((p.x + radius).rounded(.up)))
    let y0 = max(0, Int((p.y - radius).rounded(.down))), y1 = min(im.height - 1, Int((p.y + radius).rounded(.up)))
    guard x0 <= x1, y0 <= y1 else { return }
    for y in y0...y1 {
        for x in x0...x1 where (Double(x) - p.x) * (Double(x) - p.x) + (Double(y) - p.y) * (Double(y) - p.y) <= radius * radius {
            im[x, y] = (255, 0, 0)
        }
    }
}

/// Centroids of the red blobs (4-connected components of pixels with r − g > 60), each weighted by
/// its redness so bilinear blurring at the edges does not bias it. Sorted by size, largest first.
func redBlobCentroids(_ im: RGBImage) -> [Point2D] {
    let redness = { (x: Int, y: Int) -> Double in
        let (r, g, _) = im[x, y]
        return Double(Int(r) - Int(g))
    }
    var seen = [Bool](repeating: false, count: im.width * im.height)
    var blobs: [(Point2D, Double)] = []
    for sy in 0..<im.height {
        for sx in 0..<im.width where !seen[sy * im.width + sx] && redness(sx, sy) > 60 {
            var stack = [(sx, sy)], sumW = 0.0, sumX = 0.0, sumY = 0.0
            seen[sy * im.width + sx] = true
            while let (x, y) = stack.popLast() {
                let w = redness(x, y)
                sumW += w; sumX += w * Double(x); sumY += w * Double(y)
                for (nx, ny) in [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)]
                where nx >= 0 && ny >= 0 && nx < im.width && ny < im.height && !seen[ny * im.width + nx] && redness(nx, ny) > 60 {
                    seen[ny * im.width + nx] = true
                    stack.append((nx, ny))
                }
            }
            blobs.append((Point2D(x: sumX / sumW, y: sumY / sumW), sumW))
        }
    }
    return blobs.sorted { $0.1 > $1.1 }.map(\.0)
}

func distance(_ a: Point2D, _ b: Point2D) -> Double { ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot() }
