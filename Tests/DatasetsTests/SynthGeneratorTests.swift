import Foundation
import ImageIO
import Tensor
import Datasets
import Testing

/// The renderer on its own: determinism per (seed, identity, image) and landmarks that sit on the
/// drawn features, through a real 5-point alignment.
@Suite struct SynthGeneratorTests {
    @Test func samePhotoKeyGivesIdenticalPixelsAndOtherKeysDiffer() {
        let g = SyntheticFaceGenerator(seed: 7)
        let a = g.render(identity: 3, image: 2, framing: .aligned(size: 56))
        let b = SyntheticFaceGenerator(seed: 7).render(identity: 3, image: 2, framing: .aligned(size: 56))
        #expect(a.image == b.image && a.landmarks == b.landmarks)
        #expect(g.render(identity: 3, image: 1, framing: .aligned(size: 56)).image != a.image)
        #expect(g.render(identity: 4, image: 2, framing: .aligned(size: 56)).image != a.image)
        #expect(SyntheticFaceGenerator(seed: 8).render(identity: 3, image: 2, framing: .aligned(size: 56)).image != a.image)
        #expect(g.identity(3) == SyntheticFaceGenerator(seed: 7).identity(3))
        #expect(g.identity(3) != g.identity(4))
    }

    @Test func alignedLandmarksAreNearTheScaledTemplate() {
        let g = SyntheticFaceGenerator(seed: 1)
        for id in 0..<6 {
            let face = g.render(identity: id, image: 0, framing: .aligned(size: 56))
            #expect(face.image.width == 56 && face.image.height == 56)
            // Detector error and face shape move the points a little off the template, never far.
            for (p, t) in zip(face.landmarks, synthTemplate(size: 56)) {
                #expect(hypot(p.x - t.x, p.y - t.y) < 6, "identity \(id): landmark \(p) vs template \(t)")
            }
        }
    }

    /// Unaligned photos with a coloured dot painted on each landmark: after `align` with those
    /// landmarks every dot's centroid must be where the alignment transform sends its landmark
    /// (within 1 px) and near the template (the similarity fit's residual only).
    @Test func aligningUnalignedPhotosPutsTheMarkedLandmarksOnTheTemplate() throws {
        let g = SyntheticFaceGenerator(seed: 5, difficulty: 0.5)
        var worstResidual = 0.0
        for id in 0..<4 {
            for image in 0..<2 {
                let face = g.render(identity: id, image: image, framing: .unaligned(size: 112, canvas: 168), markLandmarks: true)
                #expect(face.image.width == 168)
                let m = try alignmentTransform(landmarks: face.landmarks, outputSize: 112)
                let aligned = try align(image: face.image, landmarks: face.landmarks, outputSize: 112)
                for (k, landmark) in face.landmarks.enumerated() {
                    let expected = m.apply(landmark)
                    let found = try #require(markerCentroid(aligned, color: synthMarkerColors[k], near: expected, window: 6),
                                             "identity \(id) image \(image): marker \(k) not found near \(expected)")
                    #expect(hypot(found.x - expected.x, found.y - expected.y) < 1,
                            "identity \(id) image \(image) landmark \(k): marker at \(found), landmark maps to \(expected)")
                    let t = arcFaceTemplate112[k]
                    worstResidual = max(worstResidual, hypot(found.x - t.x, found.y - t.y))
                }
            }
        }
        #expect(worstResidual < 10, "a landmark lands \(worstResidual) px from its template point")
    }

    /// Without markers: the eye landmarks are on the drawn pupils (darker than the cheek below).
    @Test func eyeLandmarksSitOnThePupils() {
        let g = SyntheticFaceGenerator(seed: 2, difficulty: 0)
        for id in 0..<8 {
            let face = g.render(identity: id, image: 0, framing: .unaligned(size: 112, canvas: 168))
            for eye in face.landmarks.prefix(2) {
                let centre = luminance(face.image, at: eye)
                let cheek = luminance(face.image, at: Point2D(x: eye.x + (face.landmarks[2].x - eye.x) * 0.3,
                                                               y: eye.y + (face.landmarks[2].y - eye.y) * 0.6))
                #expect(centre < cheek - 25, "identity \(id): eye at \(eye) has luminance \(centre), cheek \(cheek)")
            }
        }
    }

    @Test func contactSheetHoldsOneCellPerPhoto() {
        let g = SyntheticFaceGenerator(seed: 1)
        let sheet = syntheticContactSheet(g, identities: [0, 1], shots: [.standard, .frontal, .profile], size: 32)
        #expect(sheet.width == 96 && sheet.height == 64)
        let cell = g.render(identity: 1, image: 2, shot: .profile, framing: .aligned(size: 32)).image
        #expect(sheet[64 + 5, 32 + 7] == cell[5, 7] && sheet[64 + 20, 32 + 17] == cell[20, 17])
    }
}

/// Centroid of the pixels within `window` of `near` weighted by how close they are to `color`.
func markerCentroid(_ image: RGBImage, color: (UInt8, UInt8, UInt8), near p: Point2D, window: Int) -> Point2D? {
    var sw = 0.0, sx = 0.0, sy = 0.0
    let cx = Int(p.x.rounded()), cy = Int(p.y.rounded())
    for y in max(cy - window, 0)...min(cy + window, image.height - 1) {
        for x in max(cx - window, 0)...min(cx + window, image.width - 1) {
            let (r, g, b) = image[x, y]
            let d = abs(Double(r) - Double(color.0)) + abs(Double(g) - Double(color.1)) + abs(Double(b) - Double(color.2))
            let w = max(0, 1 - d / 150)
            sw += w; sx += w * Double(x); sy += w * Double(y)
        }
    }
    return sw > 0.5 ? Point2D(x: sx / sw, y: sy / sw) : nil
}

/// Mean luminance of the 3×3 pixels around `p`.
func luminance(_ image: RGBImage, at p: Point2D) -> Double {
    var s = 0.0
    for dy in -1...1 {
        for dx in -1...1 {
            let (r, g, b) = image[Int(p.x.rounded()) + dx, Int(p.y.rounded()) + dy]
            s += 0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b)
        }
    }
    return s / 9
}
