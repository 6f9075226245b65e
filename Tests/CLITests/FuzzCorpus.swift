import Datasets
import Foundation
import TestSupport
import ImageIO

/// Valid seed files of every format FaceNAS reads, generated here (no downloads): a `facenas synth`
/// set (RecordIO, insightface `.bin`, TinyFace `.mat`, photos + landmarks), a face model trained for
/// one epoch on it, embeddings and label files, IDX (plain and gzip) and CIFAR folders with a
/// classifier, JPEG/PNG, an LFW pairs file, a search journal and scores file, a pipeline and an
/// architecture file.
struct FuzzCorpus {
    let root: String
    var seeds: String { root + "/seeds" }
    var synth: String { seeds + "/synth" }
    var faceModel: String { seeds + "/face/best.safetensors" }
    var faceCheckpointFolder: String { seeds + "/face" }
    var classifier: String { seeds + "/cls/checkpoint.safetensors" }
    var gallery: String { seeds + "/gallery/G.npy" }
    var probeImage: String { seeds + "/images/a.jpg" }
    var verificationBin: String { synth + "/verification/synth.bin" }
    /// The first 10 pairs of synth.bin: the .bin every fuzzed command reads.
    var smallBin: String { seeds + "/bin/small.bin" }
    static let scoresFixture = CLI.packageRoot.appendingPathComponent("Tests/SearchTests/Fixtures/fashionmnist-tiny.jsonl").path

    /// The face training command on a RecordIO/folders/synth path, one epoch of one step or two.
    static func faceTrainArgs(data: String, out: String, epochs: Int = 1) -> [String] {
        ["train", "--task", "face", "--data", data, "--space", "ir", "--width", "8", "--stages", "1,1,1,1",
         "--embedding-size", "16", "--input-size", "32", "--epochs", "\(epochs)", "--batch-size", "8", "--out", out]
    }

    static func classifierTrainArgs(data: String, out: String) -> [String] {
        ["train", "--data", data, "--depth", "2", "--width", "4", "--epochs", "1", "--batch-size", "16",
         "--limit-train", "32", "--out", out]
    }

    static func build(root: String) throws -> FuzzCorpus {
        let c = FuzzCorpus(root: root)
        let fm = FileManager.default
        try fm.createDirectory(atPath: c.seeds, withIntermediateDirectories: true)
        func mkdir(_ p: String) throws { try fm.createDirectory(atPath: p, withIntermediateDirectories: true) }
        func must(_ args: [String]) throws {
            let r = try CLI.run(args)
            guard r.status == 0 else { throw CLIError("fuzz seed: facenas \(args.joined(separator: " ")) failed: \(r.stderr)") }
        }
        func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
        func text(_ s: String, _ path: String) throws { try Data(s.utf8).write(to: URL(fileURLWithPath: path)) }

        // Faces: the synthetic set and a model trained on it for one epoch.
        try must(["synth", "--out", c.synth, "--identities", "6", "--images-per-identity", "4", "--size", "32", "--seed", "1"])
        try must(faceTrainArgs(data: "recordio:" + c.synth + "/train", out: c.faceCheckpointFolder))

        // Identity folders (`folders:`) converted from the RecordIO set.
        try must(["dataset", "convert", "--from", "recordio:" + c.synth + "/train", "--to", "folders:" + c.seeds + "/folders"])

        // Images: three aligned faces as JPEG, one as PNG.
        try mkdir(c.seeds + "/images")
        let aligned = c.synth + "/tinyface/" + TinyFace.alignedFolderName
        let faces = (FileManager.default.enumerator(atPath: aligned)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".jpg") }.sorted().map { aligned + "/" + $0 }
        for (k, name) in ["a", "b", "c"].enumerated() { try fm.copyItem(atPath: faces[k], toPath: c.seeds + "/images/\(name).jpg") }
        let decoded = try decodeJPEG(Array(try Data(contentsOf: URL(fileURLWithPath: faces[0]))))
        try write(try encodePNG(decoded), c.seeds + "/images/d.png")

        // Gallery embeddings from `facenas embed` (with names and norms).
        try mkdir(c.seeds + "/gallery")
        try must(["embed", "--model", c.faceModel, "--images", c.seeds + "/images", "--out", c.gallery])

        // Embeddings + index pairs for verify; probe/gallery + labels for identify.
        var rng = FuzzRNG(seed: FuzzSettings.seed, salt: "embeddings")
        func randomMatrix(_ rows: Int, _ cols: Int) -> [Float] { (0..<(rows * cols)).map { _ in Float(rng.below(2001)) / 1000 - 1 } }
        try mkdir(c.seeds + "/verify")
        try write(NPY.encode(randomMatrix(40, 8), shape: [40, 8]), c.seeds + "/verify/E.npy")
        try text((0..<20).map { "\(2 * $0) \(2 * $0 + 1) \($0 % 2)" }.joined(separator: "\n") + "\n", c.seeds + "/verify/pairs.txt")
        try mkdir(c.seeds + "/identify")
        try write(NPY.encode(randomMatrix(4, 8), shape: [4, 8]), c.seeds + "/identify/P.npy")
        try text("1\n2\n3\n4\n", c.seeds + "/identify/P.txt")
        try write(NPY.encode(randomMatrix(8, 8), shape: [8, 8]), c.seeds + "/identify/G.npy")
        try text("1\n2\n3\n4\n-100\n-100\n-100\n-100\n", c.seeds + "/identify/G.txt")

        // IDX (MNIST layout, plain and gzip) and CIFAR-10 folders, and a classifier for `evaluate`.
        let n = 48, m = 16
        let idxTrain = ClassificationDataset(name: "train", images: (0..<(n * 28 * 28)).map { UInt8(truncatingIfNeeded: $0 &* 31 >> 3) },
                                             labels: (0..<n).map { Int32($0 % 10) }, channels: 1, height: 28, width: 28, classes: 10)
        let idxTest = ClassificationDataset(name: "test", images: (0..<(m * 28 * 28)).map { UInt8(truncatingIfNeeded: $0 &* 17 >> 2) },
                                            labels: (0..<m).map { Int32($0 % 10) }, channels: 1, height: 28, width: 28, classes: 10)
        try saveClassification(train: idxTrain, test: idxTest, to: DataSpec(kind: .mnist, path: c.seeds + "/idx"))
        try saveClassification(train: idxTrain, test: idxTest, to: DataSpec(kind: .mnist, path: c.seeds + "/idxgz"), gzip: true)
        let cifarTrain = ClassificationDataset(name: "train", images: (0..<(10 * 3072)).map { UInt8(truncatingIfNeeded: $0 &* 7) },
                                               labels: (0..<10).map { Int32($0) }, channels: 3, height: 32, width: 32, classes: 10)
        let cifarTest = ClassificationDataset(name: "test", images: (0..<(4 * 3072)).map { UInt8(truncatingIfNeeded: $0 &* 5) },
                                              labels: (0..<4).map { Int32($0) }, channels: 3, height: 32, width: 32, classes: 10)
        try saveClassification(train: cifarTrain, test: cifarTest, to: DataSpec(kind: .cifar10, path: c.seeds + "/cifar"))
        try must(classifierTrainArgs(data: "mnist:" + c.seeds + "/idx", out: c.seeds + "/cls"))

        // An LFW pairs file over an LFW-layout image folder: 2 folds × (1 matched + 1 mismatched).
        try mkdir(c.seeds + "/lfw/images/Alice_Aa")
        try mkdir(c.seeds + "/lfw/images/Bob_Bb")
        for (person, k) in [("Alice_Aa", 0), ("Bob_Bb", 2)] {
            for i in 1...2 { try fm.copyItem(atPath: faces[k + i - 1], toPath: c.seeds + "/lfw/images/\(person)/\(person)_000\(i).jpg") }
        }
        try text("2\t1\nAlice_Aa\t1\t2\nAlice_Aa\t1\tBob_Bb\t1\nBob_Bb\t1\t2\nBob_Bb\t2\tAlice_Aa\t2\n", c.seeds + "/lfw/pairs.txt")

        // A search journal (the first candidates of a recorded-scores replay) and the scores file.
        try mkdir(c.seeds + "/scores")
        try fm.copyItem(atPath: scoresFixture, toPath: c.seeds + "/scores/scores.jsonl")
        try must(journalSearchArgs(scores: scoresFixture, out: c.seeds + "/journal", candidates: 5))

        // A pipeline file with every variable pointing at the seeds, and an architecture file.
        try mkdir(c.seeds + "/pipeline")
        var pipeline = try String(contentsOf: CLI.packageRoot.appendingPathComponent("pipelines/embed-gallery.json"), encoding: .utf8)
        pipeline = pipeline.replacingOccurrences(of: "runs/casia-train/train/best.safetensors", with: c.faceModel)
            .replacingOccurrences(of: "\"data/gallery\"", with: "\"\(c.seeds)/images\"")
            .replacingOccurrences(of: "data/query.jpg", with: c.probeImage)
        try text(pipeline, c.seeds + "/pipeline/embed-gallery.json")
        try mkdir(c.seeds + "/arch")
        try must(["inspect", "--space", "ir", "--width", "8", "--stages", "1,1,1,1", "--embedding-size", "16", "--input-size", "32",
                  "--save-arch", c.seeds + "/arch/arch.json"])

        // Pretrained-model files of each kind (torch.save ZIP and legacy, a Lightning checkpoint, ONNX),
        // made by PyTorch when Debian's python3-torch is there; their targets are left out otherwise.
        if TorchPython.executable != nil {
            let script = CLI.packageRoot.appendingPathComponent("Tests/PretrainedTests/Fixtures/iresnet_reference.py").path
            try TorchPython.run(script, inline: false, ["--tiny", c.seeds + "/pretrained"])
        }

        // A .bin whose images are numpy uint8 arrays in the protocol-5 `_frombuffer` form.
        let bin = try VerificationBin(path: c.verificationBin)
        try mkdir(c.seeds + "/bin")
        try VerificationBin(images: Array(bin.images.prefix(20)), isSame: Array(bin.isSame.prefix(10))).write(to: c.smallBin)
        try mkdir(c.seeds + "/binnp")
        try write(numpyBin(bin.images.prefix(20).map { Array($0) }, isSame: Array(bin.isSame.prefix(10))), c.seeds + "/binnp/np.bin")
        return c
    }

    static func journalSearchArgs(scores: String, out: String, candidates: Int) -> [String] {
        ["search", "--space", "plain", "--in-channels", "1", "--classes", "10", "--scores", scores, "--out", out,
         "--max-candidates", "\(candidates)"]
    }

    // MARK: hand-built files

    /// A protocol-5 pickle `([ndarray…], [bool…])`, each array `_frombuffer(bytes, dtype('u1'), shape, 'C')`.
    /// `shape(k, n)` gives the shape tuple's values for image k of n bytes.
    static func numpyBin(_ images: [[UInt8]], isSame: [Bool], shape: (Int, Int) -> [UInt64] = { _, n in [UInt64(n)] }) -> [UInt8] {
        func unicode(_ s: String) -> [UInt8] { [0x8c, UInt8(s.utf8.count)] + Array(s.utf8) }
        func long8(_ v: UInt64) -> [UInt8] { [0x8a, 8] + Mutate.le64(v) }
        var out: [UInt8] = [0x80, 5, 0x5d, 0x28]
        for (k, image) in images.enumerated() {
            out += unicode("numpy.core.numeric") + unicode("_frombuffer") + [0x93]      // STACK_GLOBAL
            out += [0x28, 0x42] + Mutate.le32(UInt32(image.count)) + image               // MARK, BINBYTES
            out += unicode("numpy") + unicode("dtype") + [0x93] + unicode("u1") + [0x85, 0x52]   // dtype('u1')
            out += [0x28] + shape(k, image.count).flatMap(long8) + [0x74]                 // shape tuple
            out += unicode("C") + [0x74, 0x52]                                            // 'C', TUPLE, REDUCE
        }
        out += [0x65, 0x5d, 0x28] + isSame.map { $0 ? 0x88 : 0x89 } + [0x65, 0x86, 0x2e]
        return out
    }

    /// A pickle that names `os.system`: must be refused at its opcode, never run.
    static let picklePayload: [UInt8] = [0x80, 2, 0x63] + Array("os\nsystem\n".utf8) + [0x58] + Mutate.le32(9) + Array("touch pwn".utf8) + [0x85, 0x52, 0x2e]
}

/// MAT v5 files built by hand (uncompressed unless wrapped), so that dimension fields, classes and
/// nesting can be set to anything.
enum MATBuild {
    static func element(_ type: UInt32, _ data: [UInt8]) -> [UInt8] {
        Mutate.le32(type) + Mutate.le32(UInt32(data.count)) + data + [UInt8](repeating: 0, count: (8 - data.count % 8) % 8)
    }

    static let header: [UInt8] = {
        var t = Array("MATLAB 5.0 MAT-file, Platform: fuzz".utf8)
        t += [UInt8](repeating: 0x20, count: 116 - t.count) + [UInt8](repeating: 0, count: 8)
        return t + [0x00, 0x01, 0x49, 0x4d]
    }()

    /// The miMATRIX element of class `cls` (1 cell, 4 char, 6 double) with raw `dims` and `body`.
    static func matrix(cls: UInt32, dims: [UInt32], name: String, body: [UInt8]) -> [UInt8] {
        let flags = element(6, Mutate.le32(cls) + Mutate.le32(0))
        let d = element(5, dims.flatMap(Mutate.le32))
        let n = element(1, Array(name.utf8))
        return element(14, flags + d + n + body)
    }

    static func char(_ s: String, dims: [UInt32]? = nil, name: String = "") -> [UInt8] {
        matrix(cls: 4, dims: dims ?? [1, UInt32(s.utf8.count)], name: name, body: element(16, Array(s.utf8)))
    }

    static func doubles(_ v: [Double], dims: [UInt32]? = nil, name: String) -> [UInt8] {
        matrix(cls: 6, dims: dims ?? [UInt32(v.count), 1], name: name, body: element(9, v.flatMap { Mutate.le64($0.bitPattern) }))
    }

    static func cell(_ items: [[UInt8]], dims: [UInt32]? = nil, name: String) -> [UInt8] {
        matrix(cls: 1, dims: dims ?? [UInt32(items.count), 1], name: name, body: items.flatMap { $0 })
    }

    /// `depth` cells each holding the next, innermost a char array; written outside-in in one pass.
    static func nestedCells(_ depth: Int, name: String) -> [UInt8] {
        let innermost = char("1_1.jpg")
        let flags = element(6, Mutate.le32(1) + Mutate.le32(0))
        let dims = element(5, Mutate.le32(1) + Mutate.le32(1))
        let unnamed = element(1, []), named = element(1, Array(name.utf8))
        var totals = [Int](repeating: innermost.count, count: depth + 1)
        for k in stride(from: 1, through: depth, by: 1) {
            totals[k] = 8 + flags.count + dims.count + (k == depth ? named.count : unnamed.count) + totals[k - 1]
        }
        var out: [UInt8] = []
        out.reserveCapacity(totals[depth])
        for k in stride(from: depth, through: 1, by: -1) {
            out += Mutate.le32(14) + Mutate.le32(UInt32(totals[k] - 8)) + flags + dims + (k == depth ? named : unnamed)
        }
        return out + innermost
    }

    static func compressed(_ matrix: [UInt8]) throws -> [UInt8] {
        let z = try Gzip.compress(matrix, zlibWrapper: true)
        return Mutate.le32(15) + Mutate.le32(UInt32(z.count)) + z
    }

    /// A TinyFace list file: `names` (cell of file names) and `ids` (doubles).
    static func tinyFaceList(namesVariable: String, idsVariable: String, files: [String], ids: [Double]) -> [UInt8] {
        header + cell(files.map { char($0) }, name: namesVariable) + doubles(ids, name: idsVariable)
    }
}
