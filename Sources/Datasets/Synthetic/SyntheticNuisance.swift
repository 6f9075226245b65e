import Tensor

/// One background object: an ellipse or bar in canvas-relative coordinates (0…1 both axes).
struct ClutterItem: Sendable {
    var cx, cy, a, b, angle: Float
    var color: SIMD3<Float>
    var alpha: Float
}

/// Everything about one photo that is not the person: pose, expression, light, background, camera.
/// Angles in radians, lengths in canonical-frame pixels (see `SyntheticIdentity`).
public struct SyntheticNuisance: Sendable {
    /// Head turned toward the image's right (> 0) or left.
    public var yaw: Float
    /// Head tilted up (> 0) or down.
    public var pitch: Float
    public var smile: Float
    public var mouthOpen: Float
    public var browRaise: Float
    public var blink: Float

    public var lightAngle: Float
    /// Relative brightness change across the face along `lightAngle`.
    public var lightGradient: Float
    public var brightness: Float
    public var colorCast: SIMD3<Float>

    public var background: SIMD3<Float>
    public var backgroundGradient: SIMD3<Float>
    public var clothes: SIMD3<Float>
    var clutter: [ClutterItem]

    /// Error of the face detector's landmarks that an aligned crop keeps: roll, relative scale, shift.
    public var alignmentRoll: Float
    public var alignmentScale: Float
    public var alignmentShift: SIMD2<Float>

    public var blurSigma: Float
    public var noiseSigma: Float
    /// 1 keeps full resolution; < 1 down-samples by this factor and back up.
    public var resolution: Float
    public var jpegQuality: Int

    /// The neutral frontal photo: no expression, even light, plain background, sharp, clean.
    public static let neutral = SyntheticNuisance(
        yaw: 0, pitch: 0, smile: 0, mouthOpen: 0, browRaise: 0, blink: 0,
        lightAngle: 0, lightGradient: 0, brightness: 1, colorCast: SIMD3(1, 1, 1),
        background: SIMD3(128, 128, 128), backgroundGradient: .zero, clothes: SIMD3(60, 60, 90), clutter: [],
        alignmentRoll: 0, alignmentScale: 1, alignmentShift: .zero,
        blurSigma: 0, noiseSigma: 0, resolution: 1, jpegQuality: 95)

    /// Draws a photo's conditions. `strength` scales every range: about 0.3 at difficulty 0, 1 at
    /// the default 0.5, 1.7 at difficulty 1.
    public static func sample(rng: inout RNG, strength k: Float) -> SyntheticNuisance {
        func spread(_ halfRange: Float) -> Float { halfRange * k * rng.uniform(-1, 1) }
        func chance(_ p: Float) -> Bool { rng.uniform() < min(p * k, 1) }
        var n = neutral
        n.yaw = spread(0.35)
        n.pitch = spread(0.12)
        n.smile = chance(0.45) ? rng.uniform(0.2, 1) : 0
        n.mouthOpen = chance(0.2) ? rng.uniform(1, 5) : 0
        n.browRaise = chance(0.25) ? rng.uniform(0.5, 3) : 0
        n.blink = chance(0.1) ? rng.uniform(0.5, 0.9) : 0

        n.lightAngle = rng.uniform(0, 2 * .pi)
        n.lightGradient = min(0.45 * k * rng.uniform(), 0.8)
        n.brightness = max(1 + spread(0.3), 0.35)
        n.colorCast = SIMD3(1 + spread(0.1), 1 + spread(0.1), 1 + spread(0.1))

        n.background = SIMD3(rng.uniform(20, 235), rng.uniform(20, 235), rng.uniform(20, 235))
        n.backgroundGradient = SIMD3(spread(60), spread(60), spread(60))
        n.clothes = SIMD3(rng.uniform(15, 240), rng.uniform(15, 240), rng.uniform(15, 240))
        let items = Int((rng.uniform(0, 6) * k).rounded(.down))
        n.clutter = (0..<items).map { _ in
            ClutterItem(cx: rng.uniform(), cy: rng.uniform(), a: rng.uniform(0.04, 0.3), b: rng.uniform(0.02, 0.2),
                        angle: rng.uniform(0, .pi), color: SIMD3(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)),
                        alpha: rng.uniform(0.5, 1))
        }

        n.alignmentRoll = spread(0.05)
        n.alignmentScale = 1 + spread(0.04)
        n.alignmentShift = SIMD2(spread(2), spread(2))

        n.blurSigma = chance(0.4) ? rng.uniform(0.3, 1.0) * k : 0
        n.noiseSigma = rng.uniform(0, 6) * k
        n.resolution = chance(0.2) ? max(rng.uniform(0.3, 0.7), 0.2) : 1
        n.jpegQuality = Int(95 - rng.uniform(0, 30) * k)
        return n
    }
}
