import Foundation
import Testing
import Datasets

@Suite struct IDXTests {
    @Test func roundTripPlainAndGzip() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let images = IDXArray(dims: [5, 28, 28], bytes: randomBytes(5 * 784, seed: 7))
        let labels = IDXArray(dims: [5], bytes: [3, 1, 4, 1, 5])
        for gzip in [false, true] {
            let ip = dir.file("images-\(gzip)"), lp = dir.file("labels-\(gzip)")
            try IDX.write(images, to: ip, gzip: gzip)
            try IDX.write(labels, to: lp, gzip: gzip)
            let raw = try DataFile.readRaw(ip)
            #expect(Gzip.isGzip(raw) == gzip)
            if !gzip { #expect(Array(raw.prefix(8)) == [0, 0, 8, 3, 0, 0, 0, 5]) }
            #expect(try IDX.read(ip, rank: 3) == images)
            #expect(try IDX.read(lp, rank: 1) == labels)
            #expect(try IDX.read(lp) == labels)   // any rank
        }
    }

    /// Compression is recognised by the 1f 8b magic, not by the file name.
    @Test func gzipDetectedByContentNotName() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let a = IDXArray(dims: [2, 3, 4], bytes: Array(0..<24))
        try IDX.write(a, to: dir.file("looks-plain"), gzip: true)
        try IDX.write(a, to: dir.file("looks-compressed.gz"), gzip: false)
        #expect(try IDX.read(dir.file("looks-plain")) == a)
        #expect(try IDX.read(dir.file("looks-compressed.gz")) == a)
    }

    @Test func gzipRoundTripAndMultiMember() throws {
        let data = randomBytes(100_000, seed: 3) + [UInt8](repeating: 42, count: 50_000)
        let z = try Gzip.compress(data)
        #expect(z.count < data.count)
        #expect(try Gzip.decompress(z) == data)
        // Two concatenated members decompress to the concatenation, as gunzip does.
        let z2 = try Gzip.compress([1, 2, 3])
        #expect(try Gzip.decompress(z + z2) == data + [1, 2, 3])
        #expect(try Gzip.decompress(try Gzip.compress([])) == [])
    }

    /// The real Fashion-MNIST (Debian package dataset-fashion-mnist). Reference values were computed
    /// independently with Python's gzip module: image 0 of the training set sums to 76247, image 0
    /// of the test set to 33456, the first labels are 9 (ankle boot) in both.
    @Test(.enabled(if: fashionMNISTInstalled)) func realFashionMNIST() throws {
        let (train, test) = try loadClassification(DataSpec(parsing: "fashion-mnist:" + fashionMNISTFolder))
        #expect(train.count == 60000)
        #expect(test.count == 10000)
        #expect((train.channels, train.height, train.width) == (1, 28, 28))
        #expect((test.channels, test.height, test.width) == (1, 28, 28))
        #expect(train.classes == 10)
        #expect(train.classCounts == [Int](repeating: 6000, count: 10))
        #expect(test.classCounts == [Int](repeating: 1000, count: 10))
        #expect(train.labels[0] == 9)
        #expect(train.classNames[Int(train.labels[0])] == "ankle boot")
        #expect(train.image(0).reduce(0) { $0 + Int($1) } == 76247)
        #expect(test.labels[0] == 9)
        #expect(test.image(0).reduce(0) { $0 + Int($1) } == 33456)

        let info = try datasetInfo(DataSpec(parsing: "fashion-mnist:" + fashionMNISTFolder))
        #expect(info.contains("train: 60000 images (6000–6000 per class)"))
        #expect(info.contains("test: 10000 images (1000–1000 per class)"))
        #expect(info.contains("shape: 1x28x28"))
        #expect(info.contains("classes: 10"))
    }
}
