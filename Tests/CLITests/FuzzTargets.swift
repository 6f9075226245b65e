import Datasets
import Foundation

/// A file of one format given to one command. Each case copies `template` to `<case>/in`, writes
/// the mutated bytes over `<case>/in/<file>`, creates `<case>/out` and runs `args(in, out)`.
struct FuzzTarget {
    var format: String
    var command: String
    var template: String
    var file: String
    /// Besides the file's own name, names an error line may give (e.g. the sibling files of a RecordIO folder).
    var alsoNames: [String] = []
    var args: (_ input: String, _ out: String) -> [String]
    var mutations: [Mutation]
    /// The command legitimately writes into its input folder (a resumed search or training).
    var writesInput = false
    /// Peak resident set allowed (KiB); images get a tighter bound than the process-wide one,
    /// since one decoded image is one record.
    var residentBoundKiB = FuzzSettings.residentBoundKiB

    var name: String { "\(format) \((file as NSString).lastPathComponent) → \(command)" }
}

/// The mutations of every seed and which commands read it.
enum FuzzTargets {
    /// The converted MTCNN weights `detect` needs (FACENAS_MTCNN_WEIGHTS, else models/mtcnn), or nil.
    static let mtcnnWeights: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let folder = ProcessInfo.processInfo.environment["FACENAS_MTCNN_WEIGHTS"] ?? root + "/models/mtcnn"
        return FileManager.default.fileExists(atPath: folder + "/onet.safetensors") ? folder : nil
    }()

    static func all(_ c: FuzzCorpus) throws -> [FuzzTarget] {
        var targets: [FuzzTarget] = []
        let s = c.seeds
        let model = c.faceModel
        let T = FuzzSettings.scaled(FuzzSettings.randomTruncations), F = FuzzSettings.scaled(FuzzSettings.bitFlipCases)
        func bytes(_ p: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: p))) }
        /// Truncations and bit flips, then the structured ones.
        func generic(_ b: [UInt8], _ salt: String, interesting: [Int] = [], headerBytes: Int = 512,
                     truncations: Int = T, flips: Int = F) -> [Mutation] {
            var rng = FuzzRNG(seed: FuzzSettings.seed, salt: salt)
            return Mutate.truncations(b, interesting: interesting, random: truncations, rng: &rng)
                + Mutate.bitFlips(b, cases: flips, headerBytes: headerBytes, rng: &rng)
        }
        func text(_ b: [UInt8], _ salt: String, lines: Int = 2) -> [Mutation] {
            var rng = FuzzRNG(seed: FuzzSettings.seed, salt: salt + "/text")
            return Mutate.textFields(b, lines: lines, rng: &rng) + Mutate.textLines(b, rng: &rng)
        }
        /// Every `stride`-th mutation: commands that cost more get a sample.
        func every(_ m: [Mutation], _ stride: Int) -> [Mutation] { m.enumerated().filter { $0.offset % stride == 0 }.map(\.element) }
        let faceTrain = { (i: String, o: String) in FuzzCorpus.faceTrainArgs(data: "recordio:" + i, out: o) }

        // MARK: RecordIO (train.rec, train.idx, property)
        let recFolder = c.synth + "/train"
        let rec = try bytes(recFolder + "/train.rec")
        let recMutations = generic(rec, "rec", interesting: RecordIOLayout.interestingOffsets(rec)) + RecordIOLayout.fieldMutations(rec)
        let recNames = ["train.rec", "train.idx", "property"]
        targets.append(FuzzTarget(format: "recordio", command: "dataset info", template: recFolder, file: "train.rec", alsoNames: recNames,
                                  args: { i, _ in ["dataset", "info", i] }, mutations: recMutations))
        targets.append(FuzzTarget(format: "recordio", command: "train --task face", template: recFolder, file: "train.rec", alsoNames: recNames,
                                  args: faceTrain, mutations: recMutations))
        targets.append(FuzzTarget(format: "recordio", command: "dataset convert", template: recFolder, file: "train.rec", alsoNames: recNames,
                                  args: { i, o in ["dataset", "convert", "--from", "recordio:" + i, "--to", "folders:" + o + "/f"] },
                                  mutations: every(recMutations, 3)))
        let idx = try bytes(recFolder + "/train.idx")
        let idxMutations = generic(idx, "rec.idx", flips: F / 2) + text(idx, "rec.idx", lines: 3)
        targets.append(FuzzTarget(format: "recordio index", command: "dataset info", template: recFolder, file: "train.idx", alsoNames: recNames,
                                  args: { i, _ in ["dataset", "info", i] }, mutations: idxMutations))
        targets.append(FuzzTarget(format: "recordio index", command: "train --task face", template: recFolder, file: "train.idx", alsoNames: recNames,
                                  args: faceTrain, mutations: every(idxMutations, 2)))
        let property = try bytes(recFolder + "/property")
        let classCount = String(decoding: property, as: UTF8.self).split(separator: ",").first.map(String.init) ?? "2"
        let propertyMutations = generic(property, "property", truncations: 0, flips: 2)
            + (["0", "1", "-1", "1e9", "1000000000", "2147483647", "9223372036854775807", "9223372036854775808", "nan", "inf", "2.5", ""]).map { v in
                Mutation(name: "classes \(classCount)→'\(v)'") {
                    Array(String(decoding: property, as: UTF8.self).replacingOccurrences(of: classCount + ",", with: v + ",").utf8)
                }
            } + [Mutation(name: "size 32→0") { Array(String(decoding: property, as: UTF8.self).replacingOccurrences(of: ",32,32", with: ",0,0").utf8) },
                 Mutation(name: "size 32→2^31-1") { Array(String(decoding: property, as: UTF8.self).replacingOccurrences(of: ",32,32", with: ",2147483647,2147483647").utf8) }]
        targets.append(FuzzTarget(format: "recordio property", command: "dataset info", template: recFolder, file: "property", alsoNames: recNames,
                                  args: { i, _ in ["dataset", "info", i] }, mutations: propertyMutations))
        targets.append(FuzzTarget(format: "recordio property", command: "train --task face", template: recFolder, file: "property", alsoNames: recNames,
                                  args: faceTrain, mutations: propertyMutations))

        // MARK: insightface .bin (bytes form and numpy form)
        let binFolder = (c.smallBin as NSString).deletingLastPathComponent
        let bin = try bytes(c.smallBin)
        let binMutations = generic(bin, "bin", interesting: PickleLayout.interestingOffsets(bin)) + PickleLayout.fieldMutations(bin) + [
            Mutation(name: "100000 nested lists") { Bombs.nestedPickleLists(100_000) },
            Mutation(name: "100000 nested tuples") { Bombs.nestedPickleTuples(100_000) },
            Mutation(name: "100000 nested lists as the image list") { Bombs.nestedPickleInBin(100_000) },
            Mutation(name: "GLOBAL os.system") { FuzzCorpus.picklePayload },
        ]
        targets.append(FuzzTarget(format: "bin pickle", command: "dataset info", template: binFolder, file: "small.bin",
                                  args: { i, _ in ["dataset", "info", i + "/small.bin"] }, mutations: binMutations))
        targets.append(FuzzTarget(format: "bin pickle", command: "verify --model", template: binFolder, file: "small.bin",
                                  args: { i, _ in ["verify", "--model", model, "--bin", i + "/small.bin"] }, mutations: binMutations))
        targets.append(FuzzTarget(format: "bin pickle", command: "verify --pixels", template: binFolder, file: "small.bin",
                                  args: { i, _ in ["verify", "--pixels", "--bin", i + "/small.bin"] }, mutations: every(binMutations, 3)))
        let np = try bytes(s + "/binnp/np.bin")
        let images = try VerificationBin(path: c.smallBin).images.map { Array($0) }
        let same = try VerificationBin(path: c.smallBin).isSame
        let shapes: [(String, (Int, Int) -> [UInt64])] = [
            ("(0,)", { _, _ in [0] }), ("(2^31-1,)", { _, _ in [0x7fff_ffff] }), ("(2^63-1,)", { _, _ in [UInt64(Int64.max)] }),
            ("(-1,)", { _, _ in [UInt64.max] }), ("(2^62, 4)", { _, _ in [1 << 62, 4] }), ("(2^32, 2^32)", { _, _ in [1 << 32, 1 << 32] }),
            ("(n, 1, 1)", { _, n in [UInt64(n), 1, 1] }), ("(1, n)", { _, n in [1, UInt64(n)] }),
        ]
        let npMutations = generic(np, "binnp", flips: F / 2) + shapes.map { sh in
            Mutation(name: "image 0 shape \(sh.0)") { FuzzCorpus.numpyBin(images, isSame: same) { k, n in k == 0 ? sh.1(k, n) : [UInt64(n)] } }
        }
        targets.append(FuzzTarget(format: "bin numpy", command: "dataset info", template: s + "/binnp", file: "np.bin",
                                  args: { i, _ in ["dataset", "info", i + "/np.bin"] }, mutations: npMutations))
        targets.append(FuzzTarget(format: "bin numpy", command: "verify --pixels", template: s + "/binnp", file: "np.bin",
                                  args: { i, _ in ["verify", "--pixels", "--bin", i + "/np.bin"] }, mutations: npMutations))

        // MARK: TinyFace .mat
        let tiny = c.synth + "/tinyface"
        let probeMat = "Testing_Set/probe_img_ID_pairs.mat"
        let mat = try bytes(tiny + "/" + probeMat)
        let probes = try MATFile(path: tiny + "/" + probeMat)
        let probeFiles = try probes.variable(named: "probe_set").cellStrings ?? []
        let probeIDs = try probes.variable(named: "probe_ids").numericValues ?? []
        let matMutations = generic(mat, "mat", interesting: [124, 126, 128, 132, 136]) + MATLayout.structured(files: probeFiles, ids: probeIDs)
        let matNames = ["probe_img_ID_pairs.mat", "gallery_match_img_ID_pairs.mat"]
        targets.append(FuzzTarget(format: "tinyface mat", command: "dataset info", template: tiny, file: probeMat, alsoNames: matNames,
                                  args: { i, _ in ["dataset", "info", i] }, mutations: matMutations))
        targets.append(FuzzTarget(format: "tinyface mat", command: "identify --tinyface", template: tiny, file: probeMat, alsoNames: matNames,
                                  args: { i, _ in ["identify", "--model", model, "--tinyface", i] }, mutations: matMutations))

        // MARK: .npy embeddings, pairs, labels, gallery names
        let e = try bytes(s + "/verify/E.npy")
        let npyMutations = generic(e, "npy", interesting: [6, 8, 10, 64, 127]) + NPYLayout.structured(e)
        targets.append(FuzzTarget(format: "npy", command: "verify --embeddings", template: s + "/verify", file: "E.npy",
                                  args: { i, _ in ["verify", "--embeddings", i + "/E.npy", "--pairs", i + "/pairs.txt"] }, mutations: npyMutations))
        let identifyArgs = { (i: String, _: String) in
            ["identify", "--probe", i + "/P.npy", "--probe-labels", i + "/P.txt", "--gallery", i + "/G.npy", "--gallery-labels", i + "/G.txt"]
        }
        let g = try bytes(s + "/identify/G.npy")
        targets.append(FuzzTarget(format: "npy", command: "identify --gallery", template: s + "/identify", file: "G.npy",
                                  args: identifyArgs, mutations: every(generic(g, "npy-g") + NPYLayout.structured(g), 2)))
        let gal = try bytes(c.gallery)
        targets.append(FuzzTarget(format: "npy", command: "query --gallery", template: s + "/gallery", file: "G.npy",
                                  args: { i, _ in ["query", "--gallery", i + "/G.npy", "--model", model, "--image", c.probeImage] },
                                  mutations: every(generic(gal, "npy-q") + NPYLayout.structured(gal), 2)))
        let pairs = try bytes(s + "/verify/pairs.txt")
        targets.append(FuzzTarget(format: "pairs file", command: "verify --embeddings", template: s + "/verify", file: "pairs.txt",
                                  args: { i, _ in ["verify", "--embeddings", i + "/E.npy", "--pairs", i + "/pairs.txt"] },
                                  mutations: generic(pairs, "pairs", flips: F / 2) + text(pairs, "pairs", lines: 3)))
        for labels in ["P.txt", "G.txt"] {
            let l = try bytes(s + "/identify/" + labels)
            targets.append(FuzzTarget(format: "labels file", command: "identify", template: s + "/identify", file: labels,
                                      args: identifyArgs, mutations: generic(l, labels, truncations: 1, flips: 2) + text(l, labels, lines: 1)))
        }
        let names = try bytes(s + "/gallery/G.names.txt")
        var rngNames = FuzzRNG(seed: FuzzSettings.seed, salt: "names")
        targets.append(FuzzTarget(format: "names file", command: "query --gallery", template: s + "/gallery", file: "G.names.txt",
                                  alsoNames: ["G.npy"],
                                  args: { i, _ in ["query", "--gallery", i + "/G.npy", "--model", model, "--image", c.probeImage] },
                                  mutations: generic(names, "names", truncations: 1, flips: 2) + Mutate.textLines(names, rng: &rngNames)))

        // MARK: safetensors checkpoints
        let best = try bytes(model)
        let stMutations = generic(best, "safetensors", interesting: SafetensorsLayout.interestingOffsets(best),
                                  headerBytes: SafetensorsLayout.headerEnd(best)) + SafetensorsLayout.structured(best)
        targets.append(FuzzTarget(format: "safetensors", command: "export", template: c.faceCheckpointFolder, file: "best.safetensors",
                                  args: { i, o in ["export", "--model", i + "/best.safetensors", "--onnx", o + "/m.onnx"] }, mutations: stMutations))
        targets.append(FuzzTarget(format: "safetensors", command: "embed", template: c.faceCheckpointFolder, file: "best.safetensors",
                                  args: { i, o in ["embed", "--model", i + "/best.safetensors", "--images", s + "/images", "--out", o + "/E.npy"] },
                                  mutations: every(stMutations, 2)))
        targets.append(FuzzTarget(format: "safetensors", command: "verify --model", template: c.faceCheckpointFolder, file: "best.safetensors",
                                  args: { i, _ in ["verify", "--model", i + "/best.safetensors", "--bin", c.smallBin] }, mutations: every(stMutations, 3)))
        let ck = try bytes(c.faceCheckpointFolder + "/checkpoint.safetensors")
        let ckMutations = every(generic(ck, "checkpoint", interesting: SafetensorsLayout.interestingOffsets(ck),
                                        headerBytes: SafetensorsLayout.headerEnd(ck)), 2) + SafetensorsLayout.structured(ck, trainingState: true)
        targets.append(FuzzTarget(format: "safetensors", command: "train --resume", template: c.faceCheckpointFolder, file: "checkpoint.safetensors",
                                  args: { i, _ in FuzzCorpus.faceTrainArgs(data: "recordio:" + recFolder, out: i) + ["--resume"] },
                                  mutations: ckMutations, writesInput: true))
        let cls = try bytes(c.classifier)
        targets.append(FuzzTarget(format: "safetensors", command: "evaluate", template: s + "/cls", file: "checkpoint.safetensors",
                                  args: { i, _ in ["evaluate", "--model", i + "/checkpoint.safetensors", "--data", "mnist:" + s + "/idx"] },
                                  mutations: every(generic(cls, "cls", headerBytes: SafetensorsLayout.headerEnd(cls)) + SafetensorsLayout.structured(cls), 2)))

        // MARK: images (JPEG, PNG): a bad one among good ones, and alone
        let jpeg = try bytes(s + "/images/a.jpg"), png = try bytes(s + "/images/d.png")
        let jpegMutations = generic(jpeg, "jpeg", interesting: ImageLayout.jpegMarkers(jpeg)) + ImageLayout.jpegFields(jpeg)
        let pngMutations = generic(png, "png", interesting: [8, 16, 33, 41]) + ImageLayout.pngFields(png)
        for (format, file, m) in [("jpeg", "a.jpg", jpegMutations), ("png", "d.png", pngMutations)] {
            targets.append(FuzzTarget(format: format, command: "embed --images", template: s + "/images", file: file,
                                      args: { i, o in ["embed", "--model", model, "--images", i, "--out", o + "/E.npy"] }, mutations: m))
            targets.append(FuzzTarget(format: format, command: "query --image", template: s + "/images", file: file,
                                      args: { i, _ in ["query", "--gallery", c.gallery, "--model", model, "--image", i + "/" + file] },
                                      mutations: every(m, 2)))
            // Issue 20: the detector reads the same photos; only with converted weights (make mtcnn-weights).
            // (`embed --detect` is not fuzzed here: the seed model is 32×32 and alignment needs 112 or 128.)
            if let weights = FuzzTargets.mtcnnWeights {
                targets.append(FuzzTarget(format: format, command: "detect --images", template: s + "/images", file: file,
                                          args: { i, o in ["detect", "--weights", weights, "--images", i, "--all-faces", "--out", o + "/lm.txt",
                                                           "--json", o + "/boxes.json", "--preview", o + "/preview.png"] },
                                          mutations: every(m, 2)))
            }
        }

        // MARK: identity folders and a synth folder's manifest
        let folderImage = "0/1.jpg"
        let inFolder = try bytes(s + "/folders/" + folderImage)
        let folderMutations = every(generic(inFolder, "folders", interesting: ImageLayout.jpegMarkers(inFolder)) + ImageLayout.jpegFields(inFolder), 2)
        targets.append(FuzzTarget(format: "identity folders", command: "dataset info", template: s + "/folders", file: folderImage,
                                  args: { i, _ in ["dataset", "info", i] }, mutations: folderMutations))
        targets.append(FuzzTarget(format: "identity folders", command: "train --task face", template: s + "/folders", file: folderImage,
                                  args: { i, o in FuzzCorpus.faceTrainArgs(data: "folders:" + i, out: o) }, mutations: every(folderMutations, 2)))
        let manifest = try bytes(c.synth + "/synth.json")
        let manifestMutations = generic(manifest, "synth.json", truncations: 2, flips: 2) + JSONLayout.numberMutations(manifest, salt: "synth.json", lines: 2)
        targets.append(FuzzTarget(format: "synth manifest", command: "dataset info", template: c.synth, file: "synth.json",
                                  args: { i, _ in ["dataset", "info", i] }, mutations: manifestMutations))
        targets.append(FuzzTarget(format: "synth manifest", command: "train --task face", template: c.synth, file: "synth.json",
                                  args: { i, o in FuzzCorpus.faceTrainArgs(data: "synth:" + i, out: o) }, mutations: every(manifestMutations, 2)))

        // MARK: align: landmarks file and photos
        let unaligned = c.synth + "/unaligned"
        let landmarks = try bytes(unaligned + "/landmarks.txt")
        let alignArgs = { (i: String, o: String) in ["align", "--images", i, "--landmarks", i + "/landmarks.txt", "--out", o + "/aligned"] }
        let firstPath = String(decoding: landmarks, as: UTF8.self).split(separator: "\n").first { !$0.hasPrefix("#") }
            .flatMap { $0.split(separator: " ").first }.map(String.init) ?? "00000/000.jpg"
        let escapes = ["../x.jpg", "../../x.jpg", "/etc/hostname", "00000/../../x.jpg", "", ".", "00000", "nonexistent.jpg"].map { p in
            Mutation(name: "path '\(firstPath)'→'\(p)'") {
                Array(String(decoding: landmarks, as: UTF8.self).replacingOccurrences(of: firstPath + " ", with: p + " ").utf8)
            }
        }
        targets.append(FuzzTarget(format: "landmarks", command: "align", template: unaligned, file: "landmarks.txt", args: alignArgs,
                                  mutations: generic(landmarks, "landmarks", flips: F / 2) + text(landmarks, "landmarks", lines: 3) + escapes))
        let photo = try bytes(unaligned + "/" + firstPath)
        targets.append(FuzzTarget(format: "jpeg", command: "align", template: unaligned, file: firstPath, args: alignArgs,
                                  mutations: every(generic(photo, "photo", interesting: ImageLayout.jpegMarkers(photo)) + ImageLayout.jpegFields(photo), 2)))

        // MARK: LFW pairs file
        let lfw = try bytes(s + "/lfw/pairs.txt")
        let lfwMutations = generic(lfw, "lfw", truncations: 2, flips: 3) + text(lfw, "lfw", lines: 2) + [
            ("9223372036854775807\t9223372036854775807", "header 2^63-1 × 2^63-1"), ("4611686018427387904\t2", "header 2^62 folds"),
            ("1\t4611686018427387904", "header 2^62 pairs"), ("-2\t1", "header −2 folds"), ("2\t1\t7", "header 3 fields"),
        ].map { h in Mutation(name: h.1) { Array(String(decoding: lfw, as: UTF8.self).replacingOccurrences(of: "2\t1\n", with: h.0 + "\n").utf8) } }
            + ["..", "../..", "/etc", "Alice_Aa/..", ""].map { p in
                Mutation(name: "name Alice_Aa→'\(p)'") {
                    Array(String(decoding: lfw, as: UTF8.self).replacingOccurrences(of: "\nAlice_Aa\t1\t2", with: "\n\(p)\t1\t2").utf8)
                }
            }
        targets.append(FuzzTarget(format: "lfw pairs", command: "dataset convert", template: s + "/lfw", file: "pairs.txt",
                                  args: { i, o in ["dataset", "convert", "--from", "lfw-pairs:" + i + "/pairs.txt", "--images", i + "/images", "--to", "bin:" + o + "/lfw.bin"] },
                                  mutations: lfwMutations))
        targets.append(FuzzTarget(format: "lfw pairs", command: "dataset info", template: s + "/lfw", file: "pairs.txt",
                                  args: { i, _ in ["dataset", "info", i + "/pairs.txt"] }, mutations: every(lfwMutations, 2)))

        // MARK: IDX (plain, gzip) and CIFAR
        let idxNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
        let images3 = try bytes(s + "/idx/train-images-idx3-ubyte")
        let idx3Mutations = generic(images3, "idx3", interesting: [2, 3, 4, 8, 12, 16]) + IDXLayout.fields(images3)
        targets.append(FuzzTarget(format: "idx", command: "dataset info", template: s + "/idx", file: "train-images-idx3-ubyte", alsoNames: idxNames,
                                  args: { i, _ in ["dataset", "info", i] }, mutations: idx3Mutations))
        targets.append(FuzzTarget(format: "idx", command: "train (classify)", template: s + "/idx", file: "train-images-idx3-ubyte", alsoNames: idxNames,
                                  args: { i, o in FuzzCorpus.classifierTrainArgs(data: "mnist:" + i, out: o) }, mutations: every(idx3Mutations, 2)))
        let labels1 = try bytes(s + "/idx/t10k-labels-idx1-ubyte")
        targets.append(FuzzTarget(format: "idx", command: "evaluate", template: s + "/idx", file: "t10k-labels-idx1-ubyte", alsoNames: idxNames,
                                  args: { i, _ in ["evaluate", "--model", c.classifier, "--data", "mnist:" + i] },
                                  mutations: every(generic(labels1, "idx1", interesting: [3, 4, 8]) + IDXLayout.fields(labels1), 2)))
        let gz = try bytes(s + "/idxgz/train-images-idx3-ubyte.gz")
        let gzMutations = generic(gz, "idxgz", interesting: [3, 10, gz.count - 8, gz.count - 4, gz.count - 2], flips: F / 2) + [
            Mutation(name: "gzip size trailer=0") { Mutate.replacing(gz, at: gz.count - 4, with: Mutate.le32(0)) },
            Mutation(name: "gzip size trailer=2^32-1") { Mutate.replacing(gz, at: gz.count - 4, with: Mutate.le32(.max)) },
            Mutation(name: "gzip of 2 GiB of zeros") { Bombs.gzipZeros(1 << 31) },
            Mutation(name: "gzip of 2 GiB of zeros, size trailer cut") { Array(Bombs.gzipZeros(1 << 31).dropLast(4)) },
        ]
        targets.append(FuzzTarget(format: "idx gzip", command: "dataset info", template: s + "/idxgz", file: "train-images-idx3-ubyte.gz",
                                  alsoNames: idxNames, args: { i, _ in ["dataset", "info", i] }, mutations: gzMutations))
        let cifar = try bytes(s + "/cifar/data_batch_1.bin")
        let cifarMutations = generic(cifar, "cifar", interesting: [1, 3073, 3074], flips: F / 2)
            + [0, 3073].flatMap { o in [10, 99, 255].map { v in Mutation(name: "label@\(o)=\(v)") { Mutate.replacing(cifar, at: o, with: [UInt8(v)]) } } }
            + [Mutation(name: "one extra byte") { cifar + [0] }]
        targets.append(FuzzTarget(format: "cifar", command: "dataset info", template: s + "/cifar", file: "data_batch_1.bin",
                                  args: { i, _ in ["dataset", "info", i] }, mutations: cifarMutations))
        targets.append(FuzzTarget(format: "cifar", command: "train (classify)", template: s + "/cifar", file: "data_batch_1.bin",
                                  args: { i, o in FuzzCorpus.classifierTrainArgs(data: "cifar10:" + i, out: o) }, mutations: every(cifarMutations, 2)))

        // MARK: search journal, recorded scores, pipeline, architecture (JSON)
        let journal = try bytes(s + "/journal/search.jsonl")
        targets.append(FuzzTarget(format: "search journal", command: "search (resume)", template: s + "/journal", file: "search.jsonl",
                                  args: { i, _ in FuzzCorpus.journalSearchArgs(scores: FuzzCorpus.scoresFixture, out: i, candidates: 7) },
                                  mutations: generic(journal, "journal", flips: F / 2) + JSONLayout.numberMutations(journal, salt: "journal", lines: 3)
                                    + text(journal, "journal", lines: 0),
                                  writesInput: true))
        let scores = try bytes(s + "/scores/scores.jsonl")
        targets.append(FuzzTarget(format: "scores file", command: "search --scores", template: s + "/scores", file: "scores.jsonl",
                                  args: { i, o in FuzzCorpus.journalSearchArgs(scores: i + "/scores.jsonl", out: o + "/s", candidates: 7) },
                                  mutations: every(generic(scores, "scores", flips: F / 2) + JSONLayout.numberMutations(scores, salt: "scores", lines: 2), 2)))
        let pipeline = try bytes(s + "/pipeline/embed-gallery.json")
        targets.append(FuzzTarget(format: "pipeline json", command: "run --check", template: s + "/pipeline", file: "embed-gallery.json",
                                  args: { i, o in ["run", i + "/embed-gallery.json", "--check", "--out", o + "/run"] },
                                  mutations: generic(pipeline, "pipeline", flips: F / 2) + JSONLayout.documentMutations(pipeline, salt: "pipeline")))
        let arch = try bytes(s + "/arch/arch.json")
        targets.append(FuzzTarget(format: "arch json", command: "inspect --arch", template: s + "/arch", file: "arch.json",
                                  args: { i, _ in ["inspect", "--arch", i + "/arch.json"] },
                                  mutations: every(generic(arch, "arch", flips: F / 2), 2) + JSONLayout.documentMutations(arch, salt: "arch")
                                    + SafetensorsLayout.architectureEdits.map { edit in
                                        Mutation(name: edit.0) { SafetensorsLayout.editArchitectureText(arch, edit.1) } }))

        // MARK: pretrained models (facenas import): PyTorch ZIP and legacy pickles, Lightning, ONNX
        let pretrained = s + "/pretrained"
        if FileManager.default.fileExists(atPath: pretrained + "/tiny.pth") {
            for (format, file) in [("pytorch zip", "tiny.pth"), ("pytorch legacy", "tiny_legacy.pt"), ("lightning ckpt", "tiny.ckpt"),
                                   ("onnx", "tiny.onnx")] {
                let b = try bytes(pretrained + "/" + file)
                targets.append(FuzzTarget(format: format, command: "import", template: pretrained, file: file,
                                          args: { i, o in ["import", "--model", i + "/" + file, "--out", o + "/m.safetensors"] },
                                          mutations: generic(b, "pretrained/" + file, interesting: [0, 1, 2, 3, 4, 30, b.count - 22, b.count - 1],
                                                             headerBytes: 4096, truncations: 3 * T, flips: 3 * F)))
            }
        }

        // MARK: the file system: a FIFO, symlink loops
        targets.append(FuzzTarget(format: "filesystem", command: "dataset info", template: recFolder, file: "train.rec", alsoNames: recNames,
                                  args: { i, _ in ["dataset", "info", i] },
                                  mutations: [Mutation(name: "train.rec is a FIFO", bytes: []) { i in
                                      unlink(i + "/train.rec"); mkfifo(i + "/train.rec", 0o644) }]))
        targets.append(FuzzTarget(format: "filesystem", command: "train --task face", template: recFolder, file: "train.rec", alsoNames: recNames,
                                  args: faceTrain,
                                  mutations: [Mutation(name: "train.rec is a FIFO", bytes: []) { i in
                                      unlink(i + "/train.rec"); mkfifo(i + "/train.rec", 0o644) }]))
        targets.append(FuzzTarget(format: "filesystem", command: "embed --images", template: s + "/images", file: "a.jpg",
                                  args: { i, o in ["embed", "--model", model, "--images", i, "--out", o + "/E.npy"] },
                                  mutations: [Mutation(name: "symlink loop to the parent folder", bytes: jpeg) { i in
                                      try? FileManager.default.createDirectory(atPath: i + "/sub", withIntermediateDirectories: true)
                                      symlink("..", i + "/sub/loop") }]))
        targets.append(FuzzTarget(format: "filesystem", command: "identify --tinyface", template: tiny, file: probeMat, alsoNames: matNames,
                                  args: { i, _ in ["identify", "--model", model, "--tinyface", i] },
                                  mutations: [Mutation(name: "Gallery_Distractor/loop -> ..", bytes: mat) { i in
                                      symlink("..", i + "/" + TinyFace.alignedFolderName + "/Gallery_Distractor/loop") }]))
        for k in targets.indices where ["jpeg", "png"].contains(targets[k].format) {
            targets[k].residentBoundKiB = FuzzSettings.imageResidentBoundKiB
        }
        return targets
    }
}
