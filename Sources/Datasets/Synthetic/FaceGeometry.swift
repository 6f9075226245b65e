import Foundation
import ImageIO

/// A person in one pose and expression, laid out in the canonical frame: the shapes to paint back to
/// front, and the five landmarks (left eye, right eye, nose tip, left and right mouth corner, in
/// the order of `arcFaceTemplate112`) at the centres of the painted parts.
struct FaceGeometry {
    var shapes: [SynthShape]
    var landmarks: [Point2D]
}

/// Canonical frame: x 0…112 left to right with the face's mid-line at 56, y down, the head centre
/// row at 60. A feature at depth z (toward the camera) moves sideways by z·sin(yaw) and vertically
/// by −z·sin(pitch) while the head outline stays put — the parallax that makes a turned head look
/// turned and moves the landmarks the way real ones move.
private let midX: Float = 56
private let headY: Float = 60

private struct Projection {
    let yaw: Float, pitch: Float
    func point(_ x: Float, _ y: Float, z: Float) -> (Float, Float) {
        (midX + (x - midX) * cos(yaw) + z * sin(yaw), headY + (y - headY) * cos(pitch) - z * sin(pitch))
    }
    /// Horizontal size factor of a part on side −1 (image left) or +1: the side turned away shrinks.
    func width(side: Float) -> Float { max(cos(yaw) - 0.45 * side * sin(yaw), 0.2) }
}

func faceGeometry(_ id: SyntheticIdentity, _ n: SyntheticNuisance) -> FaceGeometry {
    let pr = Projection(yaw: n.yaw, pitch: n.pitch)
    var shapes: [SynthShape] = []
    let skin = id.skin
    let shade = { (f: Float) in simdClamp(skin * f, 0, 255) }

    // Behind the head: long hair, clothes, neck, ears.
    if id.hairStyle == .long {
        shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: midX, cy: headY + 18,
                                                     a: id.faceHalfWidth * id.hairVolume + 10, b: id.foreheadHeight + 40),
                                 color: id.hair))
    }
    if id.hairStyle == .short || id.hairStyle == .fringe {
        // Hair seen around the sides of the head down to the ears.
        let (_, earY) = pr.point(midX, id.eyeY + 4, z: 0)
        let sides = SynthRegion(kind: .ellipse, cx: midX, cy: headY - 5,
                                a: id.faceHalfWidth * id.hairVolume + 3, b: id.foreheadHeight * id.hairVolume + 3)
        shapes.append(SynthShape(region: sides, clip: SynthRegion(kind: .halfPlane, cx: midX, cy: earY, a: 1, b: 1),
                                 color: simdClamp(id.hair * 0.85, 0, 255), feather: 0.5))
    }
    shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: midX, cy: headY + id.chinLength + 48, a: 78, b: 42),
                             color: n.clothes))
    shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: midX, cy: headY + id.chinLength, a: id.faceHalfWidth * 0.58, b: 30),
                             color: shade(0.82)))
    for side: Float in [-1, 1] {
        let (ex, ey) = pr.point(midX + side * (id.faceHalfWidth - 1), id.eyeY + 8, z: -6)
        shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: ex, cy: ey, a: id.earSize * 0.55 * pr.width(side: -side),
                                                     b: id.earSize * 1.25),
                                 color: shade(0.9)))
    }

    // Head: the outline keeps its place under yaw, only narrowing a little.
    let head = SynthRegion(kind: .head(lowerB: id.chinLength, taper: id.jawTaper), cx: midX, cy: headY,
                           a: id.faceHalfWidth * (0.93 + 0.07 * cos(n.yaw)), b: id.foreheadHeight)
    shapes.append(SynthShape(region: head, color: skin))
    // A soft darker rim reads as the roundness of the face.
    var rim = head
    rim.innerRing = 6
    shapes.append(SynthShape(region: rim, color: shade(0.8), alpha: 0.5, feather: 5))

    if id.beard > 0 {
        let (_, by) = pr.point(midX, id.mouthY - 7, z: 10)
        let above = SynthRegion(kind: .halfPlane, cx: midX, cy: by, a: 1, b: 1, angle: .pi, bend: -0.012)
        shapes.append(SynthShape(region: head, clip: above, color: id.hair, alpha: id.beard, feather: 1.5))
    }

    // Hair on top of the head, cut at the hairline.
    if id.hairStyle != .bald {
        let cap = SynthRegion(kind: .ellipse, cx: midX, cy: headY - 4,
                              a: id.faceHalfWidth * id.hairVolume + 1.5, b: (id.foreheadHeight - 4) * id.hairVolume + 2)
        let lineY = id.hairStyle == .fringe ? id.hairlineY + 9 : id.hairlineY
        let curve = id.hairStyle == .fringe ? -0.002 : id.hairlineCurve
        let (hx, hy) = pr.point(midX, lineY, z: 8)
        let line = SynthRegion(kind: .halfPlane, cx: hx, cy: hy, a: 1, b: 1, bend: curve)
        shapes.append(SynthShape(region: cap, clip: line, color: id.hair, alpha: id.hairStyle == .buzz ? 0.6 : 1, feather: 0.6))
    }

    // Eyes, brows, nose, mouth, each at its depth.
    var landmarks: [Point2D] = []
    let lidColor = simdClamp(skin * 0.35, 0, 255)
    let browColor = simdClamp(id.hair * 0.75 + SIMD3(repeating: 8), 0, 255)
    for side: Float in [-1, 1] {
        let k = pr.width(side: side)
        let (ex, ey) = pr.point(midX + side * id.eyeHalfSpacing, id.eyeY, z: 10)
        landmarks.append(Point2D(x: Double(ex), y: Double(ey)))
        let tilt = -side * id.eyeTilt
        let open = max(id.eyeHalfHeight * (1 - n.blink), 0.35)
        let eye = SynthRegion(kind: .ellipse, cx: ex, cy: ey, a: id.eyeHalfWidth * k, b: open, angle: tilt)
        shapes.append(SynthShape(region: eye, color: SIMD3(238, 234, 228)))
        let iris = SynthRegion(kind: .ellipse, cx: ex, cy: ey, a: id.irisRadius * k, b: id.irisRadius)
        shapes.append(SynthShape(region: iris, clip: eye, color: id.iris))
        let pupil = SynthRegion(kind: .ellipse, cx: ex, cy: ey, a: id.irisRadius * 0.45 * k, b: id.irisRadius * 0.45)
        shapes.append(SynthShape(region: pupil, clip: eye, color: SIMD3(12, 10, 10)))
        var lid = eye
        lid.ring = 1.1
        shapes.append(SynthShape(region: lid, color: lidColor, alpha: 0.9))

        let (bx, by) = pr.point(midX + side * (id.eyeHalfSpacing + 1), id.eyeY - id.browGap - n.browRaise, z: 12)
        shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: bx, cy: by, a: id.browHalfLength * k, b: id.browThickness / 2,
                                                     angle: -side * id.browTilt, bend: id.browArch),
                                 color: browColor, alpha: 0.95, feather: 0.4))

        if let frame = id.glasses {
            let lens = SynthRegion(kind: .ellipse, cx: ex, cy: ey + 1, a: (id.eyeHalfWidth + 4.5) * k, b: id.eyeHalfHeight + 5.5, ring: 1.3)
            shapes.append(SynthShape(region: lens, color: frame))
        }
    }
    if id.glasses != nil {
        let (lx, ly) = (Float(landmarks[0].x), Float(landmarks[0].y)), (rx, ry) = (Float(landmarks[1].x), Float(landmarks[1].y))
        let bridgeHalf = max((rx - lx) / 2 - (id.eyeHalfWidth + 4.5) * cos(n.yaw), 1)
        shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: (lx + rx) / 2, cy: (ly + ry) / 2 - 1, a: bridgeHalf, b: 0.7,
                                                     angle: atan2(ry - ly, rx - lx)),
                                 color: id.glasses!))
    }

    let (nx, ny) = pr.point(midX, id.noseY, z: 24)
    let (sx, sy) = pr.point(midX, (id.eyeY + id.noseY) / 2, z: 16)
    shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: sx + 2, cy: sy, a: 1.6, b: (ny - sy) + 2),
                             color: shade(0.72), alpha: 0.4, feather: 2))
    shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: nx, cy: ny, a: id.noseHalfWidth * 0.6 * cos(n.yaw), b: 3.4),
                             color: simdClamp(skin * 0.93 + SIMD3(10, 0, 0), 0, 255), feather: 1.2))
    for side: Float in [-1, 1] {
        let (qx, qy) = pr.point(midX + side * id.noseHalfWidth * 0.55, id.noseY + 2.6, z: 20)
        shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: qx, cy: qy, a: 1.9 * pr.width(side: side), b: 1.1,
                                                     angle: side * 0.3),
                                 color: shade(0.4)))
    }
    landmarks.append(Point2D(x: Double(nx), y: Double(ny)))

    let (mx, my) = pr.point(midX, id.mouthY, z: 14)
    let halfWidth = (id.mouthHalfWidth + 2 * n.smile) * cos(n.yaw)
    let curve = -0.012 * n.smile
    let lips = SynthRegion(kind: .ellipse, cx: mx, cy: my, a: halfWidth, b: id.lipThickness / 2 + n.mouthOpen / 2, bend: curve)
    shapes.append(SynthShape(region: lips, color: id.lip, feather: 0.3))
    if n.mouthOpen > 0.5 {
        shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: mx, cy: my, a: halfWidth * 0.78, b: n.mouthOpen / 2, bend: curve),
                                 color: SIMD3(55, 18, 22)))
    } else {
        shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: mx, cy: my, a: halfWidth * 0.96, b: 0.55, bend: curve),
                                 color: simdClamp(id.lip * 0.45, 0, 255)))
    }
    if id.moustache {
        shapes.append(SynthShape(region: SynthRegion(kind: .ellipse, cx: mx, cy: my - id.lipThickness / 2 - 2.2, a: halfWidth * 0.9, b: 2.2,
                                                     bend: 0.01),
                                 color: id.hair, alpha: 0.9, feather: 0.8))
    }
    // The corners are where the bent lip outline ends: y' = 0 at x = ±a, i.e. y = my + curve·a².
    let cornerY = my + curve * halfWidth * halfWidth
    landmarks.append(Point2D(x: Double(mx - halfWidth), y: Double(cornerY)))
    landmarks.append(Point2D(x: Double(mx + halfWidth), y: Double(cornerY)))
    return FaceGeometry(shapes: shapes, landmarks: landmarks)
}
