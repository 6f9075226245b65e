import Datasets
import Foundation
import Testing

/// Bad input to the face commands: each a non-zero exit and one line naming the file and what
/// was expected.
@Suite(.serialized) struct FaceCommandErrorTests {
    /// A 32×32 synthetic set and a one-epoch model trained on it.
    static let setup: (data: String, model: String) = {
        let dir = CLI.temporaryDirectory("face-errors")
        let data = dir + "/synth"
        _ = try! CLI.run(["synth", "--out", data, "--size", "32", "--identities", "20", "--images-per-identity", "6", "--seed", "2"])
        let r = try! CLI.run(["train", "--task", "face", "--data", "synth:" + data, "--space", "ir", "--width", "4",
                              "--stages", "1,1,1,1", "--embedding-size", "16", "--epochs", "1", "--batch-size", "16",
                              "--out", dir + "/run"])
        precondition(r.status == 0, "training the fixture model failed: \(r.stderr)")
        return (data, dir + "/run/best.safetensors")
    }()

    static func failure(_ args: [String]) throws -> String {
        let r = try CLI.run(args)
        #expect(r.status != 0, "facenas \(args.joined(separator: " ")) should fail; stdout: \(r.stdout)")
        // ArgumentParser follows a bad value with the option's help line and the usage.
        let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.hasPrefix("Help:") && !$0.isEmpty }
        #expect(lines.count == 1, "expected one error line, got: \(r.stderr)")
        return r.stderr
    }

    @Test func binWhosePairCountContradictsItsProtocol() throws {
        let (data, model) = Self.setup
        let dir = CLI.temporaryDirectory("face-errors-lfw")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: data + "/verification/synth.bin", toPath: dir + "/lfw.bin")
        let pairs = try VerificationBin(path: dir + "/lfw.bin").pairCount
        let e = try Self.failure(["verify", "--model", model, "--bin", dir + "/lfw.bin"])
        #expect(e.contains(dir + "/lfw.bin") && e.contains("\(pairs) pairs") && e.contains("LFW protocol has 6000"), "\(e)")
    }

    @Test func modelWhoseInputSizeDoesNotMatchTheData() throws {
        let (_, model) = Self.setup
        let dir = CLI.temporaryDirectory("face-errors-size")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try CLI.run(["synth", "--out", dir + "/big", "--size", "48", "--identities", "20", "--images-per-identity", "4", "--seed", "2"])
        let e = try Self.failure(["verify", "--model", model, "--bin", dir + "/big/verification/synth.bin"])
        #expect(e.contains("48×48") && e.contains("32×32") && e.contains("synth.bin"), "\(e)")
        let t = try Self.failure(["train", "--task", "face", "--data", "synth:" + dir + "/big", "--arch", dir + "/arch.json",
                                  "--out", dir + "/run"])
        #expect(t.contains("arch.json"), "\(t)")
        let trainMismatch = try Self.failure(["train", "--task", "face", "--data", "synth:" + dir + "/big", "--space", "ir", "--width", "4",
                                              "--stages", "1,1,1,1", "--input-size", "32", "--epochs", "1", "--out", dir + "/run"])
        #expect(trainMismatch.contains("48×48") && trainMismatch.contains("32×32"), "\(trainMismatch)")
    }

    @Test func embedListsAndSkipsUnreadableImages() throws {
        let (data, model) = Self.setup
        let dir = CLI.temporaryDirectory("face-errors-embed")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tiny = try TinyFace(root: data + "/tinyface")
        try FileManager.default.createDirectory(atPath: dir + "/images/sub", withIntermediateDirectories: true)
        for (k, image) in (tiny.probes + tiny.galleryMatch).prefix(3).enumerated() {
            try FileManager.default.copyItem(atPath: image.path, toPath: dir + "/images/" + (k == 2 ? "sub/" : "") + "\(k).jpg")
        }
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: dir + "/images/broken.jpg"))
        let r = try CLI.run(["embed", "--model", model, "--images", dir + "/images", "--out", dir + "/e.npy"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("embedded 3 of 4 images (1 unreadable"))
        #expect(r.stderr.contains(dir + "/images/broken.jpg"))
        let names = try String(contentsOfFile: dir + "/e.names.txt", encoding: .utf8)
        #expect(names == "0.jpg\n1.jpg\nsub/2.jpg\n")
        #expect(try NPY.read(dir + "/e.npy").shape == [3, 16])
        #expect(try NPY.read(dir + "/e.norms.npy").shape == [3])
    }

    @Test func notAFaceCheckpointAndWrongSpace() throws {
        let (data, _) = Self.setup
        let dir = CLI.temporaryDirectory("face-errors-misc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let e = try Self.failure(["verify", "--model", data + "/synth.json", "--bin", data + "/verification/synth.bin"])
        #expect(e.contains("synth.json"), "\(e)")
        let s = try Self.failure(["train", "--task", "face", "--data", "synth:" + data, "--depth", "4", "--out", dir + "/run"])
        #expect(s.contains("--space ir"), "\(s)")
        let l = try Self.failure(["train", "--task", "face", "--data", "synth:" + data, "--space", "ir", "--loss", "sphereface", "--out", dir])
        // The choices are an enum: the error lists the values `--help` shows.
        #expect(l.contains("'sphereface' is invalid for '--loss <loss>'") && l.contains("'adaface', 'arcface', 'cosface' or 'combined'"), "\(l)")
    }
}
