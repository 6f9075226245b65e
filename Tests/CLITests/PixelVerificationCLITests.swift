import Datasets
import Foundation
import ImageIO
import TestSupport
import Testing

/// `verify --pixels`: the raw-pixel baseline equals `verify --embeddings` and the independent numpy
/// reference on the same pixels written as an .npy; bad input gives one line naming what is wrong.
@Suite(.serialized) struct PixelVerificationCLITests {
    struct VerifyJSON: Decodable {
        struct Set: Decodable { var name: String, pairs: Int, accuracy: Double, accuracy_std: Double, threshold: Double }
        var sets: [Set]
        var embedding: String?
    }
    struct Reference: Decodable { var pairs: Int, accuracy: Double, accuracy_std: Double, threshold: Double }

    static func decode<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func pixelsMatchEmbeddingsFormAndNumpy() throws {
        let dir = CLI.temporaryDirectory("verify-pixels")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["synth", "--out", dir + "/synth", "--size", "32", "--identities", "40", "--images-per-identity", "8", "--seed", "7"])
        #expect(r.status == 0, "\(r.stderr)")
        let bin = dir + "/synth/verification/synth.bin"
        let pixels = try CLI.run(["verify", "--pixels", "--bin", bin, "--json", dir + "/pixels.json"])
        #expect(pixels.status == 0, "\(pixels.stderr)")

        // The same pixels, computed here from the decoded images, as rows of an .npy and an index pairs file.
        let set = try VerificationBin(path: bin)
        var rows: [Float] = [], width = 0
        for data in set.images {
            let image = try decodeImage([UInt8](data))
            width = image.pixels.count
            rows += image.pixels.map { (Float($0) / 255 - 0.5) / 0.5 }
        }
        try NPY.write(rows, shape: [set.images.count, width], to: dir + "/pixels.npy")
        let pairs = set.isSame.enumerated().map { "\(2 * $0.offset) \(2 * $0.offset + 1) \($0.element ? 1 : 0)\n" }.joined()
        try Data(pairs.utf8).write(to: URL(fileURLWithPath: dir + "/pairs.txt"))
        let embeddings = try CLI.run(["verify", "--embeddings", dir + "/pixels.npy", "--pairs", dir + "/pairs.txt", "--json", dir + "/npy.json"])
        #expect(embeddings.status == 0, "\(embeddings.stderr)")

        let a = try Self.decode(VerifyJSON.self, dir + "/pixels.json"), b = try Self.decode(VerifyJSON.self, dir + "/npy.json")
        let p = try #require(a.sets.first), e = try #require(b.sets.first)
        print("verify --pixels on synth (32 px, 40 identities): accuracy \(p.accuracy) ± \(p.accuracy_std), threshold \(p.threshold), \(p.pairs) pairs")
        #expect(a.embedding == "raw pixels" && p.name == "synth" && p.pairs == set.pairCount && p.pairs >= 10)
        #expect(abs(p.accuracy - e.accuracy) < 1e-9 && abs(p.accuracy_std - e.accuracy_std) < 1e-9 && abs(p.threshold - e.threshold) < 1e-9)
        // Pixels must tell something (above chance) but far from everything on this set.
        #expect(p.accuracy > 0.5 && p.accuracy < 0.95)

        if InteropPython.available(for: "the numpy check of verify --pixels") {
            let reference = CLI.packageRoot.appendingPathComponent("Tests/MetricsTests/metrics_reference.py").path
            try InteropPython.run(reference, inline: false, ["verify", dir + "/pixels.npy", dir + "/pairs.txt", dir + "/ref.json"])
            let ref = try Self.decode(Reference.self, dir + "/ref.json")
            #expect(ref.pairs == p.pairs && abs(p.accuracy - ref.accuracy) < 1e-9 && abs(p.accuracy_std - ref.accuracy_std) < 1e-9, "\(p) vs \(ref)")
            #expect(abs(p.threshold - ref.threshold) < 1e-9)
        }
    }

    @Test func badInput() throws {
        let dir = CLI.temporaryDirectory("verify-pixels-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Pair 4's second image is 24×24 in a set of 32×32 images.
        var images: [Data] = []
        for i in 0..<24 {
            let side = i == 9 ? 24 : 32
            let pixels = (0..<(side * side * 3)).map { UInt8(($0 * 7 + i * 13) % 256) }
            images.append(Data(try encodePNG(RGBImage(width: side, height: side, pixels: pixels))))
        }
        try VerificationBin(images: images, isSame: (0..<12).map { $0 % 2 == 0 }).write(to: dir + "/mixed.bin")
        let mixed = try CLI.run(["verify", "--pixels", "--bin", dir + "/mixed.bin"])
        #expect(mixed.status != 0)
        #expect(mixed.stderr.contains("\(dir)/mixed.bin: image 9 (pair 4) is 24×24, expected 32×32"), "\(mixed.stderr)")

        let both = try CLI.run(["verify", "--pixels", "--model", dir + "/m.safetensors", "--bin", dir + "/mixed.bin"])
        #expect(both.status != 0 && both.stderr.contains("--pixels") && both.stderr.contains("excludes --model"), "\(both.stderr)")
        // A public set's name commits it to its protocol's pair count, as in the model form.
        try FileManager.default.copyItem(atPath: dir + "/mixed.bin", toPath: dir + "/lfw.bin")
        let lfw = try CLI.run(["verify", "--pixels", "--bin", dir + "/lfw.bin"])
        #expect(lfw.status != 0 && lfw.stderr.contains("lfw.bin: 12 pairs, but the LFW protocol has 6000"), "\(lfw.stderr)")
        let none = try CLI.run(["verify", "--pixels"])
        #expect(none.status != 0 && none.stderr.contains("--pixels needs at least one --bin"), "\(none.stderr)")
    }
}
