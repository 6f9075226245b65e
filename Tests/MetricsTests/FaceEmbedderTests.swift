import Datasets
import Metrics
import Foundation
import ImageIO
import NN
import Search
import Tensor
import Testing

/// Flip fusion and norms against a hand computation, and the protocol files against the table the
/// program checks with.
@Suite struct FaceEmbedderTests {
    /// Six distinct 16×16 images (asymmetric, so the mirror image really differs) as PNG bytes.
    static func images() throws -> InMemoryFaceImages {
        var encoded: [Data] = []
        for k in 0..<6 {
            var pixels = [UInt8](repeating: 0, count: 16 * 16 * 3)
            for i in pixels.indices { pixels[i] = UInt8((i * (k + 3) + k * 17 + (i % 48) * (i / 48) % 251) % 256) }
            encoded.append(Data(try encodePNG(RGBImage(width: 16, height: 16, pixels: pixels))))
        }
        return InMemoryFaceImages(name: "test", images: encoded, labels: Array(repeating: 0, count: 6))
    }

    @Test(arguments: [false, true]) func flipFusionIsTheNormalisedSumOfRawEmbeddings(bgr: Bool) throws {
        let arch = Architecture(irStages: [1, 1, 1, 1], width: 4, inputSize: 16, embeddingSize: 8, dropout: 0)
        var rng = RNG(seed: 3)
        let net = NetworkBuilder.build(arch, rng: &rng)
        let source = try Self.images()
        let e = FaceEmbedder(network: net, inputSize: 16, bgr: bgr, batchSize: 4).embed(source)
        #expect(e.count == 6 && e.dimension == 8 && e.skipped.isEmpty && e.indices == Array(0..<6))

        for k in 0..<6 {
            let image = try decodeImage([UInt8](source.images[k]))
            let x = image.normalizedTensor(bgr: bgr).reshaped([1, 3, 16, 16])
            let raw = net.forward(x, training: false).array
            let rawFlipped = net.forward(image.flippedHorizontally().normalizedTensor(bgr: bgr).reshaped([1, 3, 16, 16]), training: false).array
            let sum = zip(raw, rawFlipped).map { Double($0) + Double($1) }
            let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let expected = sum.map { $0 / norm }
            let got = Array(e.row(k)).map(Double.init)
            #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "image \(k): \(got) vs \(expected)")
            let rawNorm = raw.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(Double(e.norms[k]) - rawNorm) < 1e-4 * rawNorm)
        }

        let plain = FaceEmbedder(network: net, inputSize: 16, bgr: bgr, flip: false, batchSize: 4).embed(source)
        let image = try decodeImage([UInt8](source.images[2]))
        let raw = net.forward(image.normalizedTensor(bgr: bgr).reshaped([1, 3, 16, 16]), training: false).array
        let n = raw.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(zip(Array(plain.row(2)), raw).allSatisfy { abs(Double($0) - Double($1) / n) < 1e-5 })
    }

    @Test func mirrorImagesReverseEveryRow() {
        let x = Tensor(shape: [1, 1, 2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect(FaceEmbedder.withMirrorImages(x).array == [1, 2, 3, 4, 5, 6, 3, 2, 1, 6, 5, 4])
    }

    @Test func protocolFilesMatchTheTableTheProgramChecks() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("protocols").path
        for p in EvaluationProtocol.known {
            let file = dir + "/" + p.name.lowercased().replacingOccurrences(of: "-", with: "_") + ".json"
            if ProcessInfo.processInfo.environment["FACENAS_WRITE_PROTOCOLS"] == "1" { try p.jsonData().write(to: URL(fileURLWithPath: file)) }
            #expect(try EvaluationProtocol.load(file) == p, "\(file) differs from EvaluationProtocol.known")
        }
        #expect(EvaluationProtocol.forVerificationFile("/data/faces/lfw.bin")?.pairs == 6000)
        #expect(EvaluationProtocol.forVerificationFile("cfp_fp.bin")?.pairs == 7000)
        #expect(EvaluationProtocol.forVerificationFile("mine.bin") == nil)
        #expect(throws: (any Error).self) { try EvaluationProtocol.forVerificationFile("agedb_30.bin")!.checkPairs(5400, file: "agedb_30.bin") }
    }
}
