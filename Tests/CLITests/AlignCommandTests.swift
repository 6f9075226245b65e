import Foundation
import ImageIO
import Testing

/// `facenas align` end to end: dots drawn at a rotated, scaled and shifted template come out on the
/// template; unreadable images are listed and counted without failing the run.
@Suite(.serialized) struct AlignCommandTests {
    @Test func alignWritesFacesOnTheTemplateAndListsBadImages() throws {
        let dir = CLI.temporaryDirectory("align")
        let images = dir + "/images"
        try FileManager.default.createDirectory(atPath: images + "/sub", withIntermediateDirectories: true)
        let cases: [(String, AffineMatrix)] = [
            ("sub/a.png", AffineMatrix(scale: 1.6, angle: 0.4, shift: Point2D(x: 50, y: 20))),
            ("b.jpg", AffineMatrix(scale: 2.1, angle: -0.3, shift: Point2D(x: 10, y: 60))),
        ]
        var lines = ["# test landmarks", ""]
        for (path, m) in cases {
            let points = arcFaceTemplate112.map(m.apply)
            var im = RGBImage(width: 300, height: 300, pixels: [UInt8](repeating: 80, count: 300 * 300 * 3))
            for p in points { paintDot(&im, at: p, radius: 2.5 * m.scale) }
            let bytes = path.hasSuffix(".png") ? try encodePNG(im) : try encodeJPEG(im, quality: 95)
            try Data(bytes).write(to: URL(fileURLWithPath: images + "/" + path))
            lines.append(path + " " + points.map { String(format: "%.4f %.4f", $0.x, $0.y) }.joined(separator: " "))
        }
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).write(to: URL(fileURLWithPath: images + "/bad.jpg"))
        let anyPoints = arcFaceTemplate112.map { String(format: "%.1f %.1f", $0.x, $0.y) }.joined(separator: " ")
        lines += ["bad.jpg " + anyPoints, "missing.png " + anyPoints]
        try lines.joined(separator: "\n").write(toFile: dir + "/lm.txt", atomically: true, encoding: .utf8)

        let r = try CLI.run(["align", "--images", images, "--landmarks", dir + "/lm.txt", "--out", dir + "/out"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("aligned: 2 of 4 images, skipped: 2"), "stdout: \(r.stdout)")
        #expect(r.stderr.contains("skipped: \(images)/bad.jpg: ") && r.stderr.contains("skipped: \(images)/missing.png: "), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"))
        for (path, _) in cases {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/out/" + path)))
            #expect(ImageFormat(sniffing: bytes) == (path.hasSuffix(".png") ? .png : .jpeg))
            let face = try decodeImage(bytes)
            #expect(face.width == 112 && face.height == 112)
            for t in arcFaceTemplate112 {
                let c = try #require(redCentroid(face, near: t, window: 6), "no dot near \(t) in \(path)")
                let err = ((c.x - t.x) * (c.x - t.x) + (c.y - t.y) * (c.y - t.y)).squareRoot()
                #expect(err < 1, "\(path): dot at \(c), template \(t), off by \(err) px")
            }
        }

        // Nothing alignable: non-zero status. A malformed landmark line: one error naming file and line.
        try "bad.jpg \(anyPoints)\n".write(toFile: dir + "/only-bad.txt", atomically: true, encoding: .utf8)
        let none = try CLI.run(["align", "--images", images, "--landmarks", dir + "/only-bad.txt", "--out", dir + "/out2"])
        #expect(none.status != 0 && none.stderr.contains("no image could be aligned"), "stderr: \(none.stderr)")
        try "# x\nb.jpg 1 2 3\n".write(toFile: dir + "/broken.txt", atomically: true, encoding: .utf8)
        let broken = try CLI.run(["align", "--images", images, "--landmarks", dir + "/broken.txt", "--out", dir + "/out3"])
        #expect(broken.status != 0 && broken.stderr.contains("\(dir)/broken.txt:2: expected an image path and 10 numbers"), "stderr: \(broken.stderr)")
    }
}

private func paintDot(_ im: inout RGBImage, at p: Point2D, radius: Double) {
    for y in Int(p.y - radius - 1)...Int(p.y + radius + 1) {
        for x in Int(p.x - radius - 1)...Int(p.x + radius + 1) where (Double(x) - p.x) * (Double(x) - p.x) + (Double(y) - p.y) * (Double(y) - p.y) <= radius * radius {
            im[x, y] = (255, 0, 0)
        }
    }
}

/// Redness-weighted centroid (r − g above 60) of the pixels within `window` of `p`; the five dots
/// are > 15 px apart in the template, so each window sees one dot.
private func redCentroid(_ im: RGBImage, near p: Point2D, window: Int) -> Point2D? {
    var sw = 0.0, sx = 0.0, sy = 0.0
    for y in max(0, Int(p.y) - window)...min(im.height - 1, Int(p.y) + window) {
        for x in max(0, Int(p.x) - window)...min(im.width - 1, Int(p.x) + window) {
            let (r, g, _) = im[x, y]
            let w = Double(Int(r) - Int(g))
            if w > 60 { sw += w; sx += w * Double(x); sy += w * Double(y) }
        }
    }
    return sw > 0 ? Point2D(x: sx / sw, y: sy / sw) : nil
}
