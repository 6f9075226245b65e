import Foundation
import ImageIO
import Tensor

/// Takes the photo: background and clutter, the face's pixel-frame shapes, then light, lens blur,
/// a low-resolution camera and sensor noise — in the order light passes through them. `faceSize`
/// is the side of the face's aligned frame in this picture's pixels (the yardstick for blur and
/// light falloff); `rng` supplies the noise.
func paintPhoto(_ shapes: [SynthShape], nuisance n: SyntheticNuisance, width: Int, height: Int,
                faceSize: Int, faceCentre: Point2D, rng: inout RNG) -> RGBImage {
    let count = width * height * 3
    let canvas = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { canvas.deallocate() }
    fillBackground(canvas, width: width, height: height, color: n.background, gradient: n.backgroundGradient)
    let w = Float(width), h = Float(height)
    for item in n.clutter {
        let region = SynthRegion(kind: .ellipse, cx: item.cx * w, cy: item.cy * h, a: item.a * w, b: item.b * h, angle: item.angle)
        paintShape(canvas, width: width, height: height, SynthShape(region: region, color: item.color, alpha: item.alpha))
    }
    for shape in shapes { paintShape(canvas, width: width, height: height, shape) }

    let unit = Float(faceSize) / 112
    applyLighting(canvas, width: width, height: height, centre: SIMD2(Float(faceCentre.x), Float(faceCentre.y)),
                  direction: SIMD2(cos(n.lightAngle), sin(n.lightAngle)), radius: 56 * unit,
                  gradient: n.lightGradient, gain: n.colorCast * n.brightness)
    if n.blurSigma * unit >= 0.25 {
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { scratch.deallocate() }
        gaussianBlur(canvas, width: width, height: height, sigma: n.blurSigma * unit, scratch: scratch)
    }
    var image = RGBImage(width: width, height: height)
    image.pixels.withUnsafeMutableBufferPointer { quantizeCanvas(canvas, count: count, $0.baseAddress!) }
    if n.resolution < 1 {
        let lw = max(Int((Float(width) * n.resolution).rounded()), 8), lh = max(Int((Float(height) * n.resolution).rounded()), 8)
        image = image.resized(width: lw, height: lh, filter: .area).resized(width: width, height: height, filter: .bilinear)
    }
    if n.noiseSigma > 0 {
        image.pixels.withUnsafeMutableBufferPointer { addSensorNoise($0.baseAddress!, count: count, sigma: n.noiseSigma, rng: &rng) }
    }
    return image
}

/// The landmark dot colours, in landmark order.
public let synthMarkerColors: [(UInt8, UInt8, UInt8)] = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255)]

/// Anti-aliased discs of the marker colours centred on `points`.
func paintMarkers(_ image: inout RGBImage, at points: [Point2D], radius: Double) {
    let count = image.pixels.count
    var canvas = image.pixels.map(Float.init)
    canvas.withUnsafeMutableBufferPointer { c in
        for (p, color) in zip(points, synthMarkerColors) {
            let r = Float(radius)
            let disc = SynthShape(region: SynthRegion(kind: .ellipse, cx: Float(p.x), cy: Float(p.y), a: r, b: r),
                                  color: SIMD3(Float(color.0), Float(color.1), Float(color.2)))
            paintShape(c.baseAddress!, width: image.width, height: image.height, disc)
        }
    }
    canvas.withUnsafeBufferPointer { c in
        image.pixels.withUnsafeMutableBufferPointer { quantizeCanvas(c.baseAddress!, count: count, $0.baseAddress!) }
    }
}
