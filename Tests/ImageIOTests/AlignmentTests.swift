import Foundation
import ImageIO
import Testing

@Suite struct AlignmentTests {
    /// Points moved by a known similarity: the estimate recovers scale, rotation and shift.
    @Test(arguments: [(1.7, 0.35, 40.0, -12.0), (0.45, -2.8, 3.5, 250.0), (1.0, 0.0, 0.0, 0.0)])
    func umeyamaRecoversKnownSimilarity(params: (Double, Double, Double, Double)) throws {
        let truth = AffineMatrix(scale: params.0, angle: params.1, shift: Point2D(x: params.2, y: params.3))
        let src = arcFaceTemplate112
        let dst = src.map(truth.apply)
        let m = try estimateSimilarity(from: src, to: dst)
        for (got, want) in [(m.a, truth.a), (m.b, truth.b), (m.tx, truth.tx), (m.c, truth.c), (m.d, truth.d), (m.ty, truth.ty)] {
            #expect(abs(got - want) < 1e-4, "\(m) vs \(truth)")
        }
    }

    /// Mirrored points: the best similarity is still a rotation (det > 0), never a reflection.
    @Test func umeyamaNeverReflects() throws {
        let src = arcFaceTemplate112
        let mirrored = src.map { Point2D(x: 112 - $0.x, y: $0.y) }
        let m = try estimateSimilarity(from: src, to: mirrored)
        #expect(m.a * m.d - m.b * m.c > 0)
        #expect(abs(m.a - m.d) < 1e-12 && abs(m.b + m.c) < 1e-12)
    }

    /// With noisy points the result is the least-squares optimum: no small perturbation of the
    /// parameters lowers the summed squared error in template space.
    @Test func umeyamaIsLeastSquares() throws {
        let src = [Point2D(x: 10, y: 20), Point2D(x: 50, y: 22), Point2D(x: 31, y: 40), Point2D(x: 14, y: 60), Point2D(x: 47, y: 61)]
        let dst = arcFaceTemplate112
        let m = try estimateSimilarity(from: src, to: dst)
        func cost(_ t: AffineMatrix) -> Double {
            var sum = 0.0
            for (s, d) in zip(src, dst) {
                let p = t.apply(s)
                sum += (p.x - d.x) * (p.x - d.x) + (p.y - d.y) * (p.y - d.y)
            }
            return sum
        }
        let best = cost(m)
        let scale = m.scale, angle = atan2(m.c, m.a)
        for (ds, da, dx, dy) in [(1e-3, 0.0, 0.0, 0.0), (-1e-3, 0.0, 0.0, 0.0), (0.0, 1e-3, 0.0, 0.0), (0.0, -1e-3, 0.0, 0.0),
                                 (0.0, 0.0, 0.01, 0.0), (0.0, 0.0, 0.0, -0.01)] {
            let t = AffineMatrix(scale: scale + ds, angle: angle + da, shift: Point2D(x: m.tx + dx, y: m.ty + dy))
            #expect(cost(t) > best)
        }
    }

    @Test func templateSizes() throws {
        #expect(try alignmentTemplate(size: 112) == arcFaceTemplate112)
        let t224 = try alignmentTemplate(size: 224)
        #expect(abs(t224[0].x - 76.5892) < 1e-9 && abs(t224[4].y - 184.4082) < 1e-9)
        let t128 = try alignmentTemplate(size: 128)
        #expect(abs(t128[0].x - 46.2946) < 1e-9 && abs(t128[0].y - 51.6963) < 1e-9)
        #expect(throws: ImageIOError.self) { try alignmentTemplate(size: 100) }
    }

    /// Warping by an integer shift moves pixels exactly and fills what was outside with black.
    @Test func warpByIntegerShift() throws {
        let im = noiseImage(width: 20, height: 15, seed: 4)
        let out = try im.warped(by: AffineMatrix(scale: 1, angle: 0, shift: Point2D(x: 3, y: -2)), width: 20, height: 15)
        for y in 0..<15 {
            for x in 0..<20 {
                let sx = x - 3, sy = y + 2
                let inside = sx >= 0 && sy >= 0 && sx < 20 && sy < 15
                #expect(out[x, y] == (inside ? im[sx, sy] : (0, 0, 0)))
            }
        }
    }

    /// Acceptance: five red dots drawn at the template moved by a known rotation, scale and shift;
    /// after `align`, the dots' centroids are within 1 px of the template (residuals printed).
    @Test(arguments: [(1.7, 0.35, 40.0, 30.0), (0.8, -0.6, 10.0, 90.0), (2.6, 2.2, 310.0, 120.0)])
    func alignedDotsLandOnTemplate(params: (Double, Double, Double, Double)) throws {
        let truth = AffineMatrix(scale: params.0, angle: params.1, shift: Point2D(x: params.2, y: params.3))
        let landmarks = arcFaceTemplate112.map(truth.apply)
        var im = RGBImage(width: 320, height: 280, pixels: [UInt8](repeating: 90, count: 320 * 280 * 3))
        for p in landmarks { drawDot(&im, at: p, radius: 2.2 * params.0) }
        let aligned = try align(image: im, landmarks: landmarks, outputSize: 112)
        #expect(aligned.width == 112 && aligned.height == 112)
        let found = redBlobCentroids(aligned)
        #expect(found.count == 5, "found \(found.count) blobs")
        var residuals: [Double] = []
        for t in arcFaceTemplate112 {
            let nearest = try #require(found.min { distance($0, t) < distance($1, t) })
            residuals.append(distance(nearest, t))
        }
        print("alignment residuals (px) for \(params): \(residuals.map { String(format: "%.3f", $0) })")
        #expect(residuals.allSatisfy { $0 < 1 }, "\(residuals)")
    }

    @Test func alignRefusesDegenerateLandmarks() {
        let same = [Point2D](repeating: Point2D(x: 5, y: 5), count: 5)
        #expect(throws: ImageIOError.self) { try align(image: RGBImage(width: 8, height: 8), landmarks: same) }
        #expect(throws: ImageIOError.self) { try align(image: RGBImage(width: 8, height: 8), landmarks: Array(arcFaceTemplate112.prefix(4))) }
    }
}
