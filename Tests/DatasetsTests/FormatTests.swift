import Foundation
import Testing
import Datasets

@Suite struct FormatTests {
    /// EMNIST files hold each image transposed; the loader must return it upright.
    @Test func emnistIsTransposedOnLoad() throws {
        let dir = TempDir()
        defer { dir.remove() }
        // Upright test pattern: a bar along the top row and a single dot at (y 20, x 3).
        var upright = [UInt8](repeating: 0, count: 784)
        for x in 0..<28 { upright[x] = 255 }
        upright[20 * 28 + 3] = 77
        // What the EMNIST file stores: stored[r][c] = upright[c][r].
        var stored = [UInt8](repeating: 0, count: 784)
        for r in 0..<28 { for c in 0..<28 { stored[r * 28 + c] = upright[c * 28 + r] } }
        #expect(stored != upright)
        for split in ["train", "test"] {
            try IDX.write(IDXArray(dims: [1, 28, 28], bytes: stored),
                          to: dir.file("emnist-balanced-\(split)-images-idx3-ubyte.gz"), gzip: true)
            try IDX.write(IDXArray(dims: [1], bytes: [46]), to: dir.file("emnist-balanced-\(split)-labels-idx1-ubyte.gz"), gzip: true)
        }
        let (train, test) = try loadClassification(DataSpec(parsing: "emnist-balanced:" + dir.path))
        #expect(train.images == upright)
        #expect(test.images == upright)
        #expect(train.classes == 47)
        #expect(train.labels == [46])
        #expect(train.classNames[46] == "t")

        // The writer stores transposed again, so a save/load round trip is the identity.
        let out = DataSpec(kind: .emnistBalanced, path: dir.file("copy"))
        try saveClassification(train: train, test: test, to: out)
        #expect(try IDX.read(dir.file("copy/emnist-balanced-train-images-idx3-ubyte")).bytes == stored)
        #expect(try loadClassification(out).train == train)
    }

    @Test func transposeNonSquare() {
        // One 2×3 image [[1 2 3] [4 5 6]] becomes 3×2 [[1 4] [2 5] [3 6]].
        #expect(transposeImages([1, 2, 3, 4, 5, 6], count: 1, rows: 2, cols: 3) == [1, 4, 2, 5, 3, 6])
    }

    @Test func mnistFamilyRoundTripAndSubfolder() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let train = syntheticDataset(count: 30, seed: 5), test = syntheticDataset(count: 10, seed: 6)
        for kind in [DataKind.mnist, .kmnist, .fashionMNIST] {
            for gzip in [false, true] {
                let spec = DataSpec(kind: kind, path: dir.file("\(kind.rawValue)-\(gzip)"))
                try saveClassification(train: train, test: test, to: spec, gzip: gzip)
                let (a, b) = try loadClassification(spec)
                #expect(a.images == train.images && a.labels == train.labels)
                #expect(b.images == test.images && b.labels == test.labels)
                #expect(a.name == "\(kind.rawValue) train")
            }
        }
        // torchvision's raw/ layout: the files one folder down.
        let nested = DataSpec(kind: .kmnist, path: dir.file("kmnist-tv"))
        try saveClassification(train: train, test: test, to: DataSpec(kind: .kmnist, path: dir.file("kmnist-tv/raw")), gzip: true)
        #expect(try loadClassification(nested).train.labels == train.labels)
    }

    private func cifarImages(_ n: Int, seed: UInt64) -> [UInt8] { randomBytes(n * 3072, seed: seed) }

    @Test func cifar10ReaderInFolderAndSubfolder() throws {
        let dir = TempDir()
        defer { dir.remove() }
        // Five batches of 4 records plus a test batch of 3, written by the writer.
        var allImages: [UInt8] = [], allLabels: [Int32] = []
        for variant in ["flat", "nested"] {
            let folder = variant == "flat" ? dir.mkdir("flat") : dir.mkdir("nested/cifar-10-batches-bin")
            allImages = []; allLabels = []
            for b in 1...5 {
                let images = cifarImages(4, seed: UInt64(b)), labels: [Int32] = (0..<4).map { Int32(($0 + b) % 10) }
                allImages += images; allLabels += labels
                try CIFARBinary.write(images: images, labels: labels, variant: .cifar10, to: folder + "/data_batch_\(b).bin")
            }
            try CIFARBinary.write(images: cifarImages(3, seed: 9), labels: [9, 0, 5], variant: .cifar10,
                                  to: folder + "/test_batch.bin")
            let raw = try DataFile.readRaw(folder + "/test_batch.bin")
            #expect(raw.count == 3 * 3073)
            #expect(raw[0] == 9 && raw[3073] == 0 && Array(raw[1..<4]) == Array(cifarImages(3, seed: 9)[0..<3]))

            let spec = DataSpec(kind: .cifar10, path: variant == "flat" ? folder : dir.file("nested"))
            let (train, test) = try loadClassification(spec)
            #expect(train.count == 20 && test.count == 3)
            #expect((train.channels, train.height, train.width, train.classes) == (3, 32, 32, 10))
            #expect(train.images == allImages)
            #expect(train.labels == allLabels)
            #expect(test.labels == [9, 0, 5])
            #expect(test.images == cifarImages(3, seed: 9))
            #expect(train.classNames[0] == "airplane")
        }
        // saveClassification spreads the training set over the five batch files and reads back equal.
        let (train, test) = try loadClassification(DataSpec(kind: .cifar10, path: dir.file("flat")))
        let copy = DataSpec(kind: .cifar10, path: dir.file("copy"))
        try saveClassification(train: train, test: test, to: copy)
        let back = try loadClassification(copy)
        #expect(back.train == train && back.test == test)
    }

    @Test func cifar100ReaderUsesFineLabels() throws {
        let dir = TempDir()
        defer { dir.remove() }
        for variant in ["flat", "nested"] {
            let folder = variant == "flat" ? dir.mkdir("flat") : dir.mkdir("nested/cifar-100-binary")
            try CIFARBinary.write(images: cifarImages(3, seed: 1), labels: [99, 0, 42], coarseLabels: [19, 4, 7],
                                  variant: .cifar100, to: folder + "/train.bin")
            try CIFARBinary.write(images: cifarImages(2, seed: 2), labels: [7, 8], coarseLabels: [0, 1],
                                  variant: .cifar100, to: folder + "/test.bin")
            let raw = try DataFile.readRaw(folder + "/train.bin")
            #expect(raw.count == 3 * 3074 && raw[0] == 19 && raw[1] == 99)
            let records = try CIFARBinary.read(folder + "/train.bin", variant: .cifar100)
            #expect(records.coarseLabels == [19, 4, 7])

            let (train, test) = try loadClassification(DataSpec(kind: .cifar100, path: variant == "flat" ? folder : dir.file("nested")))
            #expect(train.labels == [99, 0, 42])
            #expect(train.classes == 100)
            #expect(train.images == cifarImages(3, seed: 1))
            #expect(test.labels == [7, 8])
            #expect(test.images == cifarImages(2, seed: 2))
            #expect(train.classNames[99] == "worm")
        }
    }

    @Test func subsetCopiesImagesAndLabels() {
        let d = syntheticDataset(count: 20)
        let s = d.subset([5, 0, 5])
        #expect(s.count == 3)
        #expect(s.labels == [5, 0, 5])
        #expect(Array(s.image(0)) == Array(d.image(5)))
        #expect(Array(s.image(1)) == Array(d.image(0)))
        #expect(Array(s.image(2)) == Array(d.image(5)))
    }
}

@Suite struct SpecAndRecipeTests {
    @Test func parsing() throws {
        let s = try DataSpec(parsing: "fashion-mnist:/data/f")
        #expect(s.kind == .fashionMNIST && s.path == "/data/f")
        #expect(s.description == "fashion-mnist:/data/f")
        #expect(try DataSpec(parsing: "CIFAR10:rel/dir").kind == .cifar10)
        #expect(try DataSpec(parsing: "cifar100:/a:b").path == "/a:b")     // only the first colon splits
        #expect(try DataSpec(parsing: "emnist-balanced:/e").kind == .emnistBalanced)
        #expect(try DataSpec(parsing: "lfw-pairs:/p").kind == .lfwPairs)
    }

    @Test func recipes() throws {
        let fm = try DatasetRecipe(kind: .fashionMNIST)
        #expect(fm.mean == [0.2860402] && fm.std == [0.3530236] && fm.flip)
        #expect((fm.cropSize, fm.padding, fm.cutout) == (32, 4, 16))
        let mn = try DatasetRecipe(kind: .mnist)
        #expect(mn.mean == [0.1307] && mn.std == [0.3081] && !mn.flip)
        #expect(try !DatasetRecipe(kind: .kmnist).flip)
        #expect(try !DatasetRecipe(kind: .emnistBalanced).flip)
        #expect(try DatasetRecipe(kind: .kmnist).mean == [0.19036119])
        #expect(try DatasetRecipe(kind: .emnistBalanced).std == [0.3332])
        let c10 = try DatasetRecipe(kind: .cifar10)
        #expect(c10.flip && c10.mean == [0.49139968, 0.48215827, 0.44653124] && c10.std == [0.24703233, 0.24348505, 0.26158768])
        let c100 = try DatasetRecipe(kind: .cifar100)
        #expect(c100.flip && c100.mean == [0.5071, 0.4865, 0.4409] && c100.std == [0.2673, 0.2564, 0.2762])
        #expect(throws: DatasetError.self) { try DatasetRecipe(kind: .recordio) }
        #expect(DataKind.emnistBalanced.classNames.count == 47)
        #expect(DataKind.cifar100.classNames.count == 100)
        #expect(Set(DataKind.cifar100.classNames).count == 100)
    }
}
