import Datasets
import Foundation
import ImageIO
import Tensor
import Testing

@Suite struct FaceBatchLoaderTests {
    /// `n` JPEG faces-to-be (smooth colour fields, label = i % 5), some at another size so the
    /// loader must resize, and the images at `corrupt` replaced by broken bytes.
    static func source(_ n: Int, corrupt: Set<Int> = [], side: Int = 32) throws -> InMemoryFaceImages {
        var rng = RNG(seed: 9)
        var images: [Data] = []
        for i in 0..<n {
            let s = i % 7 == 3 ? side + 8 : side
            var img = RGBImage(width: s, height: s)
            let (a, b, c) = (rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255))
            for y in 0..<s {
                for x in 0..<s {
                    let o = (y * s + x) * 3
                    img.pixels[o] = UInt8(a * Float(x) / Float(s)); img.pixels[o + 1] = UInt8(b * Float(y) / Float(s)); img.pixels[o + 2] = UInt8(c)
                }
            }
            var bytes = try encodeJPEG(img, quality: 90)
            if corrupt.contains(i) { bytes = i % 2 == 0 ? Array(bytes.prefix(bytes.count / 2)) : [0xFF, 0xD8, 0xFF, 1, 2, 3] }
            images.append(Data(bytes))
        }
        return InMemoryFaceImages(name: "memory", images: images, labels: (0..<n).map { $0 % 5 })
    }

    static func epoch(_ loader: FaceBatchLoader) -> [Batch] { Array(loader) }

    @Test func skipsCorruptImagesCountsThemAndFillsBatches() throws {
        let src = try Self.source(50, corrupt: [4, 17])
        var o = FaceBatchLoader.Options(batchSize: 8, imageSize: 32)
        o.augmenter = FaceAugmenter(config: .adaFace)
        let loader = FaceBatchLoader(source: src, options: o)
        let batches = Self.epoch(loader)
        #expect(batches.map(\.count) == [8, 8, 8, 8, 8, 8])
        #expect(batches.allSatisfy { $0.x.shape == [$0.count, 3, 32, 32] })
        #expect(loader.skipped.map(\.index).sorted() == [4, 17])
        #expect(Set(batches.flatMap(\.indices)) == Set(0..<50).subtracting([4, 17]))
        #expect(batches.allSatisfy { b in zip(b.indices, b.labels).allSatisfy { Int($1) == $0 % 5 } })
        #expect(loader.peakQueued <= o.prefetch)
    }

    @Test func epochsAreReproducibleAndDiffer() throws {
        let src = try Self.source(30)
        var o = FaceBatchLoader.Options(batchSize: 7, imageSize: 32)
        o.augmenter = FaceAugmenter(config: .adaFace); o.seed = 4; o.epoch = 2
        let a = Self.epoch(FaceBatchLoader(source: src, options: o)), b = Self.epoch(FaceBatchLoader(source: src, options: o))
        #expect(a.map(\.indices) == b.map(\.indices) && a.map(\.x.array) == b.map(\.x.array))
        #expect(a.last?.count == 2)
        o.epoch = 3
        let c = Self.epoch(FaceBatchLoader(source: src, options: o))
        #expect(c.map(\.indices) != a.map(\.indices))
    }

    /// Without augmentation and shuffling, a batch is the decoded, resized, normalised images.
    @Test func evaluationBatchesAreTheNormalisedImages() throws {
        let src = try Self.source(10)
        var o = FaceBatchLoader.Options(batchSize: 4, imageSize: 32)
        o.shuffle = false; o.bgr = true
        let batches = Self.epoch(FaceBatchLoader(source: src, options: o))
        #expect(batches.flatMap(\.indices) == Array(0..<10))
        for b in batches {
            for (k, i) in b.indices.enumerated() {
                var img = try decodeImage([UInt8](src.images[i]))
                if img.width != 32 { img = img.resized(width: 32, height: 32) }
                let want = img.normalizedTensor(bgr: true).array
                let got = Array(b.x.array[(k * 3072)..<((k + 1) * 3072)])
                #expect(got == want, "image \(i)")
            }
        }
    }

    static var residentBytes: Int {
        let s = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        return (Int(s.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 4096
    }

    /// Memory stays flat over long epochs: the queue bound holds, and resident memory after a
    /// second epoch of 112×112 images is within a few MB of the first's.
    @Test func memoryStaysFlatOverEpochs() throws {
        let src = try Self.source(400, side: 112)
        var o = FaceBatchLoader.Options(batchSize: 32, imageSize: 112)
        o.augmenter = FaceAugmenter(config: .adaFace)
        var rss: [Int] = []
        for e in 0..<3 {
            o.epoch = e
            let loader = FaceBatchLoader(source: src, options: o)
            var n = 0
            while let b = loader.next() { n += b.count }
            #expect(n == 400 && loader.peakQueued <= o.prefetch)
            rss.append(Self.residentBytes)
        }
        #expect(rss[2] - rss[1] < 16 << 20, "resident memory grew from \(rss[1] >> 20) MB to \(rss[2] >> 20) MB")
    }
}
