import Foundation
import ImageIO
import Tensor

/// Which kind of photo of a person to take; each has its own random stream, so adding profile
/// shots never changes the standard ones.
public enum SyntheticShot: UInt64, Sendable {
    /// Pose, expression and light drawn from the difficulty's full ranges.
    case standard = 1
    /// Nearly frontal (yaw within a sixth of the standard range), as CFP's frontal images.
    case frontal = 2
    /// Head turned 30°–45° to either side (more at higher difficulty), as CFP's profiles.
    case profile = 3
}

/// How the face sits in the picture.
public enum SyntheticFraming: Sendable, Equatable {
    /// `size`×`size`, the five landmarks on the template scaled to `size` up to the simulated
    /// detector error, as an insightface crop.
    case aligned(size: Int)
    /// `canvas`×`canvas` with the face rotated, scaled and shifted at random, for `facenas align`
    /// to bring to `size`.
    case unaligned(size: Int, canvas: Int)
}

/// One rendered photo and where its five landmarks are, in its pixel coordinates.
public struct SyntheticFace: Sendable {
    public var image: RGBImage
    /// Left eye, right eye, nose tip, left and right mouth corner (the `arcFaceTemplate112` order).
    public var landmarks: [Point2D]
    /// The JPEG quality this photo is meant to be stored at (part of its nuisance).
    public var jpegQuality: Int
}

/// The 112×112 template scaled to any size (not only the multiples of 112 and 128 that
/// insightface defines), so small test sets can be drawn at 56×56.
public func synthTemplate(size: Int) -> [Point2D] {
    let k = Double(size) / 112
    return arcFaceTemplate112.map { Point2D(x: $0.x * k, y: $0.y * k) }
}

/// Procedural faces: every person and every photo is a pure function of (seed, identity, image,
/// shot), so a set can be rendered in any order on any number of threads and come out the same.
public struct SyntheticFaceGenerator: Sendable {
    public let seed: UInt64
    /// 0 easy … 1 hard; 0.5 is the default of `facenas synth`.
    public let difficulty: Float

    public init(seed: UInt64, difficulty: Float = 0.5) {
        precondition((0...1).contains(difficulty), "difficulty \(difficulty) outside 0…1")
        self.seed = seed
        self.difficulty = difficulty
    }

    /// Range factor of the identity attributes: people grow more alike as difficulty rises.
    public var identitySpread: Float { 1.25 - 0.5 * difficulty }
    /// Range factor of pose, light, background and camera effects: 0.3 … 1 (default) … 1.7.
    public var nuisanceStrength: Float { 0.3 + 1.4 * difficulty }

    public func identity(_ index: Int) -> SyntheticIdentity {
        var rng = RNG(seed: SeedMix.mix(seed, SeedMix.synthIdentity, UInt64(index)))
        return SyntheticIdentity.sample(rng: &rng, spread: identitySpread)
    }

    /// The random stream of one photo; nuisance is drawn from its start, noise from the rest.
    func photoRNG(identity: Int, image: Int, shot: SyntheticShot) -> RNG {
        RNG(seed: SeedMix.mix(seed, SeedMix.synthPhoto, UInt64(identity), UInt64(image), shot.rawValue))
    }

    public func nuisance(identity: Int, image: Int, shot: SyntheticShot = .standard) -> SyntheticNuisance {
        var rng = photoRNG(identity: identity, image: image, shot: shot)
        return drawNuisance(&rng, shot: shot)
    }

    private func drawNuisance(_ rng: inout RNG, shot: SyntheticShot) -> SyntheticNuisance {
        var n = SyntheticNuisance.sample(rng: &rng, strength: nuisanceStrength)
        switch shot {
        case .standard: break
        case .frontal: n.yaw /= 6
        case .profile:
            let side: Float = rng.uniform() < 0.5 ? -1 : 1
            n.yaw = side * rng.uniform(0.52, 0.7 + 0.15 * difficulty)
        }
        return n
    }

    /// Renders photo `image` of person `identity`. `markLandmarks` paints a pure-colour dot on each
    /// landmark after all other effects (red, green, blue, yellow, cyan in landmark order), so tests
    /// can find them in the pixels.
    public func render(identity: Int, image: Int, shot: SyntheticShot = .standard,
                       framing: SyntheticFraming, markLandmarks: Bool = false) -> SyntheticFace {
        var rng = photoRNG(identity: identity, image: image, shot: shot)
        let n = drawNuisance(&rng, shot: shot)
        let person = self.identity(identity)
        let geometry = faceGeometry(person, n)
        let size: Int, canvas: Int
        switch framing {
        case let .aligned(s): size = s; canvas = s
        case let .unaligned(s, c): size = s; canvas = c
        }
        precondition(size >= 16 && canvas >= size, "framing \(framing): sizes must be ≥ 16 and canvas ≥ size")
        // A similarity fit of five non-collinear points never fails; the landmarks always are.
        let fit = try! estimateSimilarity(from: geometry.landmarks, to: synthTemplate(size: size))
        let placement: AffineMatrix
        switch framing {
        case .aligned:
            placement = detectorError(n, size: size)
        case .unaligned:
            var frameRNG = RNG(seed: SeedMix.mix(seed, SeedMix.synthFrame, UInt64(identity), UInt64(image), shot.rawValue))
            placement = randomPlacement(&frameRNG, size: size, canvas: canvas)
        }
        let transform = compose(placement, fit)
        var picture = paintPhoto(geometry.shapes.map { $0.mapped(by: transform) }, nuisance: n,
                                 width: canvas, height: canvas, faceSize: size, faceCentre: transform.apply(Point2D(x: 56, y: 64)),
                                 rng: &rng)
        let landmarks = geometry.landmarks.map(transform.apply)
        if markLandmarks { paintMarkers(&picture, at: landmarks, radius: max(1.5, Double(size) / 40)) }
        return SyntheticFace(image: picture, landmarks: landmarks, jpegQuality: n.jpegQuality)
    }

    /// The residual misplacement of an aligned crop, applied about the crop's centre.
    private func detectorError(_ n: SyntheticNuisance, size: Int) -> AffineMatrix {
        let k = Double(size) / 112, c = Double(size) / 2
        let m = AffineMatrix(scale: Double(n.alignmentScale), angle: Double(n.alignmentRoll), shift: Point2D(x: 0, y: 0))
        let moved = m.apply(Point2D(x: c, y: c))
        return AffineMatrix(a: m.a, b: m.b, tx: c - moved.x + Double(n.alignmentShift.x) * k,
                            c: m.c, d: m.d, ty: c - moved.y + Double(n.alignmentShift.y) * k)
    }

    /// An aligned frame moved onto a larger canvas: rotated up to ±(0.2 + 0.4·difficulty) rad,
    /// scaled 0.8…1.25, its centre anywhere that keeps most of the face inside.
    private func randomPlacement(_ rng: inout RNG, size: Int, canvas: Int) -> AffineMatrix {
        let angle = Double(rng.uniform(-1, 1) * (0.2 + 0.4 * difficulty))
        let scale = Double(rng.uniform(0.8, 1.25))
        let room = max(Double(canvas) - Double(size) * scale, 0) / 2 * 0.8
        let target = Point2D(x: Double(canvas) / 2 + room * Double(rng.uniform(-1, 1)),
                             y: Double(canvas) / 2 + room * Double(rng.uniform(-1, 1)))
        var m = AffineMatrix(scale: scale, angle: angle, shift: Point2D(x: 0, y: 0))
        let moved = m.apply(Point2D(x: Double(size) / 2, y: Double(size) / 2))
        m.tx = target.x - moved.x
        m.ty = target.y - moved.y
        return m
    }
}

/// outer ∘ inner as one affine map.
func compose(_ outer: AffineMatrix, _ inner: AffineMatrix) -> AffineMatrix {
    AffineMatrix(a: outer.a * inner.a + outer.b * inner.c, b: outer.a * inner.b + outer.b * inner.d,
                 tx: outer.a * inner.tx + outer.b * inner.ty + outer.tx,
                 c: outer.c * inner.a + outer.d * inner.c, d: outer.c * inner.b + outer.d * inner.d,
                 ty: outer.c * inner.tx + outer.d * inner.ty + outer.ty)
}

extension SeedMix {
    static let synthIdentity: UInt64 = 0x7369_6964     // "siid"
    static let synthPhoto: UInt64 = 0x7370_686F        // "spho"
    static let synthFrame: UInt64 = 0x7366_726D        // "sfrm"
    static let synthSplit: UInt64 = 0x7373_706C        // "sspl"
}
