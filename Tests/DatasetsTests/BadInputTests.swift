import Foundation
import Testing
import Datasets

/// Every malformed input fails with one line naming the file, the offset or record, and what was expected.
@Suite struct BadInputTests {
    /// Writes a Fashion-MNIST-layout folder with `n` training images and `m` training labels.
    private func writeFolder(_ dir: TempDir, images n: Int = 3, labels m: Int = 3, gzip: Bool = false) throws {
        let s = gzip ? ".gz" : ""
        try IDX.write(IDXArray(dims: [n, 28, 28], bytes: randomBytes(n * 784, seed: 1)),
                      to: dir.file("train-images-idx3-ubyte" + s), gzip: gzip)
        try IDX.write(IDXArray(dims: [m], bytes: (0..<m).map { UInt8($0 % 10) }),
                      to: dir.file("train-labels-idx1-ubyte" + s), gzip: gzip)
        try IDX.write(IDXArray(dims: [2, 28, 28], bytes: randomBytes(2 * 784, seed: 2)),
                      to: dir.file("t10k-images-idx3-ubyte" + s), gzip: gzip)
        try IDX.write(IDXArray(dims: [2], bytes: [0, 1]), to: dir.file("t10k-labels-idx1-ubyte" + s), gzip: gzip)
    }

    @Test func truncatedImages() throws {
        let dir = TempDir()
        defer { dir.remove() }
        try writeFolder(dir, gzip: true)
        // 3 images of 28x28 = 2352 payload bytes; keep the header and 1200 of them.
        let full = IDX.encode(IDXArray(dims: [3, 28, 28], bytes: randomBytes(3 * 784, seed: 1)))
        let path = dir.file("train-images-idx3-ubyte.gz")
        try DataFile.write(Array(full.prefix(16 + 1200)), to: path, gzip: true)
        let msg = errorMessage { _ = try loadClassification(DataSpec(kind: .fashionMNIST, path: dir.path)) }
        #expect(msg == "\(path): truncated at byte 16+2352 (expected 3 images of 28x28 = 2352 bytes, found 1200)")

        // A header cut short, and a file shorter than the magic.
        #expect(errorMessage { _ = try IDX.decode([0, 0, 8, 3, 0, 0, 0, 3, 0], file: "f", rank: 3) }
                == "f: truncated at byte 4+12 (expected 3 big-endian dimension sizes = 12 bytes, found 5)")
        #expect(errorMessage { _ = try IDX.decode([0, 0], file: "f") }
                == "f: truncated at byte 0+4 (expected an IDX magic number = 4 bytes, found 2)")
    }

    @Test func truncatedLabelsAndTrailingBytes() throws {
        let labels = IDX.encode(IDXArray(dims: [10], bytes: Array(repeating: 1, count: 10)))
        #expect(errorMessage { _ = try IDX.decode(Array(labels.prefix(8 + 4)), file: "l", rank: 1) }
                == "l: truncated at byte 8+10 (expected 10 labels = 10 bytes, found 4)")
        #expect(errorMessage { _ = try IDX.decode(labels + [0, 0], file: "l", rank: 1) }
                == "l: 2 unexpected bytes after byte 18 (expected the file to end after 10 labels)")
    }

    @Test func wrongMagic() throws {
        let dir = TempDir()
        defer { dir.remove() }
        try writeFolder(dir)
        // A labels file where the images should be.
        let path = dir.file("train-images-idx3-ubyte")
        try IDX.write(IDXArray(dims: [3], bytes: [1, 2, 3]), to: path)
        let msg = errorMessage { _ = try loadClassification(DataSpec(kind: .fashionMNIST, path: dir.path)) }
        #expect(msg == "\(path): bad magic 0x00000801, expected 0x00000803 (IDX unsigned-byte 3-D)")
        // Not IDX at all (a PNG signature).
        #expect(errorMessage { _ = try IDX.decode([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0], file: "x.png", rank: 1) }
                == "x.png: bad magic 0x89504e47, expected 0x00000801 (IDX unsigned-byte 1-D)")
    }

    @Test func labelImageCountMismatch() throws {
        let dir = TempDir()
        defer { dir.remove() }
        try writeFolder(dir, images: 3, labels: 2)
        let msg = errorMessage { _ = try loadClassification(DataSpec(kind: .fashionMNIST, path: dir.path)) }
        #expect(msg == "\(dir.file("train-labels-idx1-ubyte")): 2 labels but \(dir.file("train-images-idx3-ubyte")) has 3 images (expected one label per image)")
    }

    @Test func labelOutOfRange() throws {
        let dir = TempDir()
        defer { dir.remove() }
        try writeFolder(dir)
        let path = dir.file("t10k-labels-idx1-ubyte")
        try IDX.write(IDXArray(dims: [2], bytes: [0, 10]), to: path)
        let msg = errorMessage { _ = try loadClassification(DataSpec(kind: .mnist, path: dir.path)) }
        #expect(msg == "\(path): label 10 of record 1 at byte 9 is out of range (expected 0..<10)")
    }

    @Test func missingFolderAndFile() throws {
        #expect(errorMessage { _ = try loadClassification(DataSpec(parsing: "fashion-mnist:/nonexistent/x")) }
                == "fashion-mnist:/nonexistent/x: folder does not exist")
        let dir = TempDir()
        defer { dir.remove() }
        try writeFolder(dir)
        try FileManager.default.removeItem(atPath: dir.file("train-labels-idx1-ubyte"))
        #expect(errorMessage { _ = try loadClassification(DataSpec(kind: .fashionMNIST, path: dir.path)) }
                == "fashion-mnist:\(dir.path): missing file train-labels-idx1-ubyte(.gz)")
        // Sub-folders that were also searched are named.
        _ = dir.mkdir("raw")
        #expect(errorMessage { _ = try loadClassification(DataSpec(kind: .fashionMNIST, path: dir.path)) }
                == "fashion-mnist:\(dir.path): missing file train-labels-idx1-ubyte(.gz) (also looked in raw/)")
        #expect(errorMessage { _ = try loadClassification(DataSpec(kind: .cifar10, path: dir.path)) }
                == "cifar10:\(dir.path): missing file data_batch_1.bin(.gz)")
        // A file where the folder should be.
        #expect(errorMessage { _ = try loadClassification(DataSpec(kind: .mnist, path: dir.file("t10k-labels-idx1-ubyte"))) }
                == "mnist:\(dir.file("t10k-labels-idx1-ubyte")): is a file, expected a folder")
    }

    @Test func corruptGzip() throws {
        let dir = TempDir()
        defer { dir.remove() }
        try writeFolder(dir, gzip: true)
        let path = dir.file("train-images-idx3-ubyte.gz")
        var z = try DataFile.readRaw(path)
        // Damage the deflate data (the 10-byte gzip header stays valid).
        for i in 12..<40 { z[i] ^= 0xA5 }
        try DataFile.write(z, to: path)
        let msg = errorMessage { _ = try loadClassification(DataSpec(kind: .fashionMNIST, path: dir.path)) } ?? ""
        #expect(msg.hasPrefix("\(path): corrupt gzip at compressed byte "), "\(msg)")

        // A gzip file cut in the middle of its stream.
        let whole = try Gzip.compress(randomBytes(5000, seed: 9))
        let cut = Array(whole.prefix(whole.count / 2))
        let cutMsg = errorMessage { _ = try Gzip.decompress(cut, file: "half.gz") } ?? ""
        #expect(cutMsg.hasPrefix("half.gz: corrupt gzip at compressed byte \(cut.count): stream ends early (file has \(cut.count) compressed bytes, "), "\(cutMsg)")
        #expect(cutMsg.hasSuffix(" decompressed so far; expected more data)"), "\(cutMsg)")
        // Garbage after the stream.
        let msg2 = errorMessage { _ = try Gzip.decompress(whole + [1, 2, 3], file: "tail.gz") }
        #expect(msg2 == "tail.gz: corrupt gzip at compressed byte \(whole.count): 3 unexpected bytes after the end of the gzip stream")
    }

    @Test func cifarTruncatedAndBadLabel() throws {
        let rec = CIFARBinary.encode(images: randomBytes(2 * 3072, seed: 4), labels: [3, 7], variant: .cifar10)
        #expect(errorMessage { _ = try CIFARBinary.decode(Array(rec.prefix(3073 + 100)), file: "data_batch_1.bin", variant: .cifar10) }
                == "data_batch_1.bin: truncated at byte 3073+3073 (expected record 1 of 1 label byte + 3072 pixel bytes = 3073 bytes, found 100)")
        var bad = rec
        bad[3073] = 12
        #expect(errorMessage { _ = try CIFARBinary.decode(bad, file: "data_batch_1.bin", variant: .cifar10) }
                == "data_batch_1.bin: label 12 of record 1 at byte 3073 is out of range (expected 0..<10)")
        var bad100 = CIFARBinary.encode(images: randomBytes(3072, seed: 4), labels: [99], coarseLabels: [19], variant: .cifar100)
        bad100[1] = 100
        #expect(errorMessage { _ = try CIFARBinary.decode(bad100, file: "train.bin", variant: .cifar100) }
                == "train.bin: label 100 of record 0 at byte 1 is out of range (expected 0..<100)")
        #expect(errorMessage { _ = try CIFARBinary.decode([], file: "test.bin", variant: .cifar100) }
                == "test.bin: at byte 0: empty file (expected records of coarse and fine label bytes + 3072 pixel bytes = 3074 bytes)")
    }

    @Test func badSpecs() {
        #expect(errorMessage { _ = try DataSpec(parsing: "/data/fmnist") }?.hasPrefix("data spec '/data/fmnist': expected KIND:PATH") == true)
        #expect(errorMessage { _ = try DataSpec(parsing: "imagenet:/d") }?.hasPrefix("data spec 'imagenet:/d': unknown data kind 'imagenet'") == true)
        #expect(errorMessage { _ = try DataSpec(parsing: "mnist:") } == "data spec 'mnist:': empty path after 'mnist:'")
        #expect(errorMessage { _ = try loadClassification(DataSpec(parsing: "recordio:/d")) }
                == "recordio:/d: loading as a classification set is not supported for this data kind")
    }
}
