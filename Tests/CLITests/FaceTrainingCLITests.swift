import Datasets
import Metrics
import Foundation
import NN
import Search
import Tensor
import TestSupport
import Testing

/// Face training end to end through the CLI on the synthetic face set: `train --task face` must
/// really learn (held-out verification far above the untrained net and the raw-pixel baseline),
/// and `verify`, `identify`, `embed` and `query` must work on its checkpoint.
@Suite(.serialized) struct FaceTrainingCLITests {
    struct VerifyJSON: Decodable {
        struct Set: Decodable { var name: String, pairs: Int, accuracy: Double, accuracy_std: Double, threshold: Double }
        var sets: [Set]
    }
    struct IdentifyJSON: Decodable { var rank1: Double, rank5: Double, rank20: Double, map: Double }

    static func run(_ args: [String]) throws -> CLI.Result {
        let r = try CLI.run(args)
        if r.status != 0 { throw CLIError("facenas \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
        return r
    }

    /// Verification accuracy of a freshly initialised backbone (same architecture and seed as the
    /// trained one), embedded and scored exactly as `verify` does.
    static func untrainedAccuracy(_ arch: Architecture, bin: String) throws -> Double {
        var rng = RNG(seed: 42)
        let net = NetworkBuilder.build(arch, rng: &rng)
        let set = try FaceValidationSet(path: bin)
        let e = FaceEmbedder(network: net, inputSize: arch.inputSize).embed(set.images)
        return try FaceVerification.evaluate(embeddings: e, isSame: set.isSame, name: bin).accuracy
    }

    @Test func trainsVerifiesIdentifiesAndEmbeds() throws {
        let dir = CLI.temporaryDirectory("face-train")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/synth", out = dir + "/run"
        _ = try Self.run(["synth", "--out", data, "--size", "64", "--seed", "3"])
        let manifest = try SyntheticDatasetManifest(path: data + "/synth.json")
        let bin = data + "/verification/synth.bin", poseBin = data + "/verification/synth_pose.bin"

        let train = try Self.run(["train", "--task", "face", "--data", "synth:" + data, "--space", "ir", "--width", "16",
                                  "--stages", "1,1,1,1", "--embedding-size", "128", "--epochs", "8", "--batch-size", "64", "--val", poseBin,
                                  "--out", out])
        #expect(train.stdout.contains("validation: synth_pose (600 of 600 pairs)"))
        #expect(train.stdout.contains("best validation mean:"))

        let arch = try FaceModel(path: out + "/best.safetensors").architecture
        #expect(arch.space == .ir && arch.inputSize == 64 && arch.stages == [1, 1, 1, 1])
        #expect(arch.dropout == 0.4)  // AdaFace's recipe (the default loss) without --dropout
        let untrained = try Self.untrainedAccuracy(arch, bin: bin)

        _ = try Self.run(["verify", "--model", out + "/best.safetensors", "--bin", bin, "--bin", poseBin, "--json", dir + "/v.json"])
        let v = try JSONDecoder().decode(VerifyJSON.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/v.json")))
        let raw = Dictionary(uniqueKeysWithValues: manifest.verificationSets.map { ($0.file, $0.rawPixelAccuracy) })
        let trained = try #require(v.sets.first { $0.name == "synth" })
        let rawSynth = try #require(raw["verification/synth.bin"] ?? raw["synth.bin"])
        print("face training: held-out verification \(trained.accuracy) (±\(trained.accuracy_std)), untrained \(untrained), raw pixels \(rawSynth); pose set \(v.sets.last!.accuracy)")
        #expect(trained.pairs == 600)
        #expect(trained.accuracy >= 0.90)
        #expect(trained.accuracy >= untrained + 0.15)
        #expect(trained.accuracy >= rawSynth + 0.15)

        _ = try Self.run(["identify", "--model", out + "/best.safetensors", "--tinyface", data + "/tinyface", "--json", dir + "/i.json"])
        let i = try JSONDecoder().decode(IdentifyJSON.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/i.json")))
        print("face training: synthetic TinyFace rank-1 \(i.rank1) rank-5 \(i.rank5) rank-20 \(i.rank20) mAP \(i.map)")
        #expect(i.rank1 <= i.rank5 && i.rank5 <= i.rank20)
        #expect(i.rank1 >= 0.5)

        // A gallery folder embedded, then one of its own images queried: it must come back first.
        let tiny = try TinyFace(root: data + "/tinyface")
        let galleryFolder = (tiny.galleryMatch[0].path as NSString).deletingLastPathComponent
        let e = dir + "/gallery.npy"
        let embed = try Self.run(["embed", "--model", out + "/best.safetensors", "--images", galleryFolder, "--out", e])
        #expect(embed.stdout.contains("embedded \(tiny.galleryMatch.count) of \(tiny.galleryMatch.count) images"))
        let names = try String(contentsOfFile: EmbeddingFiles.namesPath(for: e), encoding: .utf8).split(separator: "\n")
        #expect(names.count == tiny.galleryMatch.count)
        let query = try Self.run(["query", "--gallery", e, "--model", out + "/best.safetensors",
                                  "--image", galleryFolder + "/" + names[7], "--top", "3"])
        let first = query.stdout.split(separator: "\n").first { $0.hasPrefix("  1 ") }
        #expect(first?.hasSuffix(" " + names[7]) == true, "query output: \(query.stdout)")
        #expect(first?.contains("1.0000") == true || first?.contains("0.9999") == true)

        if InteropPython.available(for: "the numpy check of embed's files") {
            let check = """
            import numpy as np, sys
            e = np.load(sys.argv[1]); n = np.load(sys.argv[2])
            assert e.dtype == np.float32 and e.ndim == 2 and e.shape == (int(sys.argv[3]), 128), (e.dtype, e.shape)
            assert n.dtype == np.float32 and n.shape == (e.shape[0],), (n.dtype, n.shape)
            assert np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5) and (n > 0).all()
            print("ok")
            """
            let text = try InteropPython.run(check, [e, EmbeddingFiles.normsPath(for: e), String(tiny.galleryMatch.count)])
            #expect(text.contains("ok"), "numpy: \(text)")
        }
    }
}
