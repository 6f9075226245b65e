import ImageIO

/// A copy of `image` with each face's box outlined (green) and its five landmarks marked (red
/// squares), for a person to check what `facenas detect` found. Line width and marker size grow
/// with the image so they stay visible on large photos.
public func drawDetections(_ faces: [FaceDetection], on image: RGBImage) -> RGBImage {
    var out = image
    let thickness = max(2, min(image.width, image.height) / 250)
    func fill(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: (UInt8, UInt8, UInt8)) {
        let xa = max(0, x0), ya = max(0, y0), xb = min(image.width, x1), yb = min(image.height, y1)
        guard xa < xb, ya < yb else { return }
        for y in ya..<yb {
            for x in xa..<xb {
                let i = 3 * (y * image.width + x)
                out.pixels[i] = color.0; out.pixels[i + 1] = color.1; out.pixels[i + 2] = color.2
            }
        }
    }
    func int(_ v: Double) -> Int { v.isFinite ? Int(max(-1e6, min(1e6, v)).rounded()) : 0 }
    for f in faces {
        let (x1, y1, x2, y2) = (int(f.x1), int(f.y1), int(f.x2), int(f.y2))
        let green: (UInt8, UInt8, UInt8) = (40, 220, 60)
        fill(x1, y1, x2, y1 + thickness, green); fill(x1, y2 - thickness, x2, y2, green)
        fill(x1, y1, x1 + thickness, y2, green); fill(x2 - thickness, y1, x2, y2, green)
        let r = thickness + 1
        for p in f.landmarks { fill(int(p.x) - r, int(p.y) - r, int(p.x) + r + 1, int(p.y) + r + 1, (235, 30, 30)) }
    }
    return out
}
