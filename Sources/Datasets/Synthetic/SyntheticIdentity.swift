import Tensor

/// How a synthetic person wears their hair.
public enum SyntheticHairStyle: Int, Sendable, CaseIterable {
    case bald, buzz, short, fringe, long
}

/// The attributes that make one synthetic person recognisable. Lengths are in the canonical face
/// frame: pixels of a frontal face aligned to the 112×112 template (eyes near y 52, mouth near 92),
/// so the attributes read like measurements on an insightface crop. Colours are RGB 0…255.
public struct SyntheticIdentity: Sendable, Equatable {
    public var faceHalfWidth: Float
    public var foreheadHeight: Float
    public var chinLength: Float
    /// How much the jaw narrows toward the chin (0 square, 0.5 pointed).
    public var jawTaper: Float
    public var skin: SIMD3<Float>

    public var eyeHalfSpacing: Float
    public var eyeY: Float
    public var eyeHalfWidth: Float
    public var eyeHalfHeight: Float
    /// Outer corners up (> 0) or down, radians.
    public var eyeTilt: Float
    public var irisRadius: Float
    public var iris: SIMD3<Float>

    public var browHalfLength: Float
    public var browThickness: Float
    /// Distance from the eye centre up to the brow.
    public var browGap: Float
    public var browArch: Float
    public var browTilt: Float

    public var noseY: Float
    public var noseHalfWidth: Float

    public var mouthY: Float
    public var mouthHalfWidth: Float
    public var lipThickness: Float
    public var lip: SIMD3<Float>

    public var hair: SIMD3<Float>
    public var hairStyle: SyntheticHairStyle
    public var hairlineY: Float
    /// > 0: the hairline comes down at the temples; < 0: it recedes there.
    public var hairlineCurve: Float
    public var hairVolume: Float
    public var earSize: Float

    /// Frame colour when the person wears glasses.
    public var glasses: SIMD3<Float>?
    /// Beard opacity, 0 when clean-shaven.
    public var beard: Float
    public var moustache: Bool

    /// Draws a person. `spread` (0.75…1.25) scales every continuous attribute's range around the
    /// population mean: smaller spread, more alike people, harder recognition.
    public static func sample(rng: inout RNG, spread: Float) -> SyntheticIdentity {
        func around(_ mean: Float, _ halfRange: Float) -> Float { mean + halfRange * spread * rng.uniform(-1, 1) }
        func pick(_ palette: [SIMD3<Float>], jitter: Float) -> SIMD3<Float> {
            let base = palette[rng.int(palette.count)]
            let j = SIMD3<Float>(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)) * jitter * spread
            return simdClamp(base + j, 0, 255)
        }

        // Skin tones lie near one line from light to dark; a warm/cool shift gives the second axis.
        let tone = min(max(0.5 + 0.5 * spread * rng.uniform(-1, 1), 0), 1)
        let light = SIMD3<Float>(238, 204, 178), dark = SIMD3<Float>(92, 58, 42)
        let warmth = 14 * spread * rng.uniform(-1, 1)
        let skin = simdClamp(light + (dark - light) * tone + SIMD3(warmth, 0, -warmth), 0, 255)

        let hairPalette: [SIMD3<Float>] = [
            SIMD3(25, 20, 18), SIMD3(60, 40, 28), SIMD3(110, 72, 40), SIMD3(150, 70, 35),
            SIMD3(205, 170, 105), SIMD3(150, 150, 150), SIMD3(225, 222, 215),
        ]
        let irisPalette: [SIMD3<Float>] = [
            SIMD3(60, 35, 20), SIMD3(110, 70, 35), SIMD3(120, 110, 50), SIMD3(70, 120, 70),
            SIMD3(70, 120, 190), SIMD3(120, 135, 150),
        ]

        var id = SyntheticIdentity(
            faceHalfWidth: around(39, 5), foreheadHeight: around(50, 5), chinLength: around(47, 5),
            jawTaper: around(0.25, 0.2), skin: skin,
            eyeHalfSpacing: around(17.6, 2.8), eyeY: around(52, 3), eyeHalfWidth: around(6.8, 1.6),
            eyeHalfHeight: around(3.4, 0.9), eyeTilt: around(0, 0.18), irisRadius: around(2.9, 0.5),
            iris: pick(irisPalette, jitter: 15),
            browHalfLength: around(8.5, 2), browThickness: around(2.6, 1.2), browGap: around(9, 2.2),
            browArch: around(0.03, 0.025), browTilt: around(0, 0.2),
            noseY: around(72, 3.5), noseHalfWidth: around(6.5, 1.8),
            mouthY: around(92, 3.5), mouthHalfWidth: around(14.5, 2.8), lipThickness: around(5.5, 1.8),
            lip: .zero,
            hair: pick(hairPalette, jitter: 18),
            hairStyle: SyntheticHairStyle.allCases[rng.int(SyntheticHairStyle.allCases.count)],
            hairlineY: around(22, 5), hairlineCurve: around(0.006, 0.012), hairVolume: around(1.08, 0.06),
            earSize: around(8, 1.5),
            glasses: nil, beard: 0, moustache: false)
        let redness = rng.uniform(0.25, 0.6)
        id.lip = simdClamp(id.skin + (SIMD3<Float>(175, 60, 70) - id.skin) * redness - 10, 0, 255)
        if rng.uniform() < 0.2 { id.glasses = pick([SIMD3(20, 20, 20), SIMD3(120, 80, 40), SIMD3(180, 180, 190)], jitter: 15) }
        if rng.uniform() < 0.2 { id.beard = rng.uniform(0.5, 0.9) }
        id.moustache = rng.uniform() < 0.15
        // Keep the parts apart whatever the draws: mouth below the nose, chin below the mouth.
        id.mouthY = max(id.mouthY, id.noseY + 13)
        id.chinLength = max(id.chinLength, id.mouthY + 12 - 60)
        id.faceHalfWidth = max(id.faceHalfWidth, id.eyeHalfSpacing + id.eyeHalfWidth + 6)
        return id
    }
}

@inline(__always)
func simdClamp(_ v: SIMD3<Float>, _ lo: Float, _ hi: Float) -> SIMD3<Float> {
    v.replacing(with: lo, where: v .< lo).replacing(with: hi, where: v .> hi)
}
