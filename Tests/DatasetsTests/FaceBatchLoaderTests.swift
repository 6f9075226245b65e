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

    /// The queue bound holds over several full epochs of 112×112 images (resident-memory figures
    /// come from `facenas bench --case face-loader`, in a process of its own).
    @Test func queueStaysBoundedOverEpochs() throws {
        let src = try Self.source(200, side: 112)
        var o = FaceBatchLoader.Options(batchSize: 32, imageSize: 112)
        o.augmenter = FaceAugmenter(config: .adaFace)
        for e in 0..<2 {
            o.epoch = e
            let loader = FaceBatchLoader(source: src, options: o)
            // A late consumer: the producer fills the queue (however busy the machine), then must wait.
            let deadline = Date().addingTimeInterval(60)
            while loader.peakQueued < o.prefetch && Date() < deadline { usleep(10_000) }
            usleep(300_000)
            var n = 0
            while let b = loader.next() { n += b.count }
            #expect(n == 200 && loader.peakQueued == o.prefetch)
        }
    }
}

@Suite struct FaceCorruptImageTests {
    static func tempDir(_ name: String) -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("facenas-corrupt-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: d)
        return d
    }

    /// A RecordIO with one broken JPEG: training skips it, counts it and names the
    /// file, the record and its byte offset.
    @Test func corruptJPEGInRecordIOIsSkippedAndNamed() throws {
        let src = try FaceBatchLoaderTests.source(12, corrupt: [2])
        let dir = Self.tempDir("rec")
        let w = try RecordIOWriter(directory: dir, imageSize: (32, 32))
        let byClass = (0..<12).sorted { (src.labels[$0], $0) < (src.labels[$1], $1) }   // the writer wants class order
        for i in byClass { try w.append(imageBytes: src.images[i], label: src.labels[i]) }
        let position = try #require(byClass.firstIndex(of: 2))
        try w.finish(classes: 5)
        let reader = try RecordIOReader(directory: dir)
        #expect(reader.count == 12 && reader.classes == 5)
        var o = FaceBatchLoader.Options(batchSize: 4, imageSize: 32)
        o.augmenter = FaceAugmenter(config: .adaFace)
        let loader = FaceBatchLoader(source: reader, options: o)
        let n = Array(loader).reduce(0) { $0 + $1.count }
        #expect(n == 11)
        let s = try #require(loader.skipped.first)
        #expect(loader.skipped.count == 1 && s.index == position)
        // Key 0 is the header record, so image i is record i + 1.
        #expect(s.reason.hasPrefix("\(dir)/train.rec: record \(position + 1) at byte "), "\(s.reason)")
    }

    @Test func corruptJPEGInBinIsNamedByElement() throws {
        let src = try FaceBatchLoaderTests.source(4, corrupt: [3])
        let bin = VerificationBin(images: src.images, isSame: [true, false])
        _ = try bin.decodedImage(at: 0, file: "x.bin")
        #expect(throws: DatasetError.self) { try bin.decodedImage(at: 3, file: "x.bin") }
        do { _ = try bin.decodedImage(at: 3, file: "x.bin") } catch { #expect("\(error)".hasPrefix("x.bin: element 3 (pair 1): ")) }
    }
}
