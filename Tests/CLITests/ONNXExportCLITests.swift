import Datasets
import Export
import Metrics
import Foundation
import ImageIO
import NN
import Search
import Tensor
import TestSupport
import Testing

/// `facenas export` checked by onnx's checker and ONNX Runtime (scripts/onnx_check.py, in the
/// interop Python that `make test` sets up): the exported model must give FaceNAS's own outputs
/// (`embed --no-flip` for a face backbone, the logits for a classifier) at batch 1 and 7.
@Suite(.serialized) struct ONNXExportCLITests {
    struct Check: Decodable {
        var checker: String, ir_version: Int, opset: Int, input: String, output: String
        var input_shape: [Dimension], output_shape: [Dimension]
        var ops: [String: Int], metadata: [String: String], batches: [Int], rows: Int
        var max_abs_diff: Double, scale: Double, relative: Double
    }

    /// A shape entry: a fixed size or the name of a dynamic dimension.
    enum Dimension: Decodable, Equatable {
        case fixed(Int), named(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Int.self) { self = .fixed(v) } else { self = .named(try c.decode(String.self)) }
        }
    }

    static let script = CLI.packageRoot.appendingPathComponent("scripts/onnx_check.py").path

    static func run(_ args: [String]) throws -> CLI.Result {
        let r = try CLI.run(args)
        if r.status != 0 { throw CLIError("facenas \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
        return r
    }

    static func check(_ arguments: [String]) throws -> Check {
        let text = try InteropPython.run(script, inline: false, arguments)
        guard let start = text.firstIndex(of: "{") else { throw CLIError("onnx_check.py printed no JSON: \(text)") }
        return try JSONDecoder().decode(Check.self, from: Data(text[start...].utf8))
    }

    /// Nine distinct `size`×`size` PNG images (lossless, so Pillow and FaceNAS read the same pixels).
    static func writeImages(to dir: String, size: Int) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for k in 0..<9 {
            var pixels = [UInt8](repeating: 0, count: size * size * 3)
            for i in pixels.indices {
                let (y, x, c) = (i / (3 * size), (i / 3) % size, i % 3)
                pixels[i] = UInt8((x * (k + 2) + y * (3 + c) + k * 29 + (x * y) % 37) % 256)
            }
            try Data(encodePNG(RGBImage(width: size, height: size, pixels: pixels))).write(to: URL(fileURLWithPath: String(format: "%@/%02d.png", dir, k)))
        }
    }

    /// An IR backbone with standard and separable, 3×3 and 5×5 convolutions and trained-looking
    /// batch-norm state, saved as `train --task face` saves its best.safetensors.
    static func faceCheckpoint(_ path: String, bgr: Bool) throws -> Architecture {
        let a = Architecture(irStages: [1, 2, 1, 1], width: 8, inputSize: 48, embeddingSize: 32, dropout: 0.1,
                             ops: [.standard, .separable, .separable, .standard, .standard, .separable, .separable, .standard, .standard, .separable],
                             kernels: [3, 5, 5, 3, 3, 3, 5, 5, 3, 5])
        var rng = RNG(seed: 21)
        let net = NetworkBuilder.build(a, rng: &rng)
        randomizeInferenceState(net, rng: &rng)
        try Checkpoint.save(CheckpointEntries(net, prefix: FaceModel.backbonePrefix), optimizerState: false,
                            metadata: ["architecture": try a.jsonString(), "task": "face", "bgr": bgr ? "1" : "0"], to: path)
        return a
    }

    @Test func anIRBackboneGivesEmbedsEmbeddingsInONNXRuntime() throws {
        guard InteropPython.available(for: "the ONNX Runtime check of facenas export") else { return }
        let dir = CLI.temporaryDirectory("onnx-ir")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ckpt = dir + "/best.safetensors", images = dir + "/images", e = dir + "/e.npy"
        let a = try Self.faceCheckpoint(ckpt, bgr: true)
        try Self.writeImages(to: images, size: 48)
        _ = try Self.run(["embed", "--model", ckpt, "--images", images, "--out", e, "--no-flip"])

        let export = try Self.run(["export", "--model", ckpt, "--onnx", dir + "/m.onnx"])
        #expect(export.stdout.contains("input  input [N, 3, 48, 48]: NCHW float32, x = (pixel/255 - mean[c]) / std[c], channels BGR"))
        #expect(export.stdout.contains("output embedding [N, 32]"))
        let c = try Self.check([dir + "/m.onnx", "--images", images, "--embeddings", e])
        print("onnx export (IR): max |ORT − embed --no-flip| \(c.max_abs_diff) at scale \(c.scale), relative \(c.relative); ops \(c.ops)")
        #expect(c.checker == "ok" && c.opset == 17 && c.ir_version == 8)
        #expect(c.relative <= 1e-4)
        #expect(c.batches == [1, 7, 9] && c.rows == 9)
        #expect(c.input == "input" && c.output == "embedding")
        #expect(c.input_shape == [.named("N"), .fixed(3), .fixed(48), .fixed(48)] && c.output_shape == [.named("N"), .fixed(32)])
        // BNs left as nodes: bn1 of each block (before a padded conv) and the head's BN, nothing else.
        #expect(c.ops["BatchNormalization"] == a.depth + 1 && c.ops["PRelu"] == a.depth + 1 && c.ops["Add"] == a.depth)
        #expect(Set(c.ops.keys) == ["Conv", "BatchNormalization", "PRelu", "Add", "Flatten", "Gemm"])
        #expect(c.metadata["channel_order"] == "BGR" && c.metadata["mean"] == "0.5,0.5,0.5" && c.metadata["std"] == "0.5,0.5,0.5")
        #expect(try Architecture.decode(Data((c.metadata["architecture"] ?? "").utf8), source: "metadata") == a)

        // A fixed batch of 7 at an older opset.
        _ = try Self.run(["export", "--model", ckpt, "--onnx", dir + "/m7.onnx", "--batch", "7", "--opset", "13"])
        let fixed = try Self.check([dir + "/m7.onnx", "--images", images, "--embeddings", e])
        #expect(fixed.input_shape.first == .fixed(7) && fixed.opset == 13 && fixed.ir_version == 7)
        #expect(fixed.batches == [7] && fixed.relative <= 1e-4)
    }

    /// The resumable checkpoint of a real `train --task face` run (margin head and momentum
    /// buffers beside the backbone) exports the same way.
    @Test func aTrainedFaceCheckpointExports() throws {
        guard InteropPython.available(for: "the ONNX Runtime check of facenas export") else { return }
        let dir = CLI.temporaryDirectory("onnx-train")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Self.run(["synth", "--out", dir + "/synth", "--size", "32", "--seed", "4", "--identities", "16", "--images-per-identity", "8"])
        _ = try Self.run(["train", "--task", "face", "--data", "synth:" + dir + "/synth", "--space", "ir", "--width", "8",
                          "--stages", "1,1,1,1", "--embedding-size", "16", "--epochs", "2", "--batch-size", "32", "--out", dir + "/run"])
        let ckpt = dir + "/run/checkpoint.safetensors", images = dir + "/images", e = dir + "/e.npy"
        try Self.writeImages(to: images, size: 32)
        _ = try Self.run(["embed", "--model", ckpt, "--images", images, "--out", e, "--no-flip"])
        _ = try Self.run(["export", "--model", ckpt, "--onnx", dir + "/m.onnx"])
        let c = try Self.check([dir + "/m.onnx", "--images", images, "--embeddings", e])
        print("onnx export (trained IR): relative difference \(c.relative)")
        #expect(c.checker == "ok" && c.relative <= 1e-4 && c.batches == [1, 7, 9])
        #expect(c.metadata["channel_order"] == "RGB" && c.metadata["source_checkpoint"] == "checkpoint.safetensors")
    }

    @Test func aPlainClassifierGivesItsLogitsInONNXRuntime() throws {
        guard InteropPython.available(for: "the ONNX Runtime check of facenas export") else { return }
        let dir = CLI.temporaryDirectory("onnx-plain")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = Architecture(inChannels: 3, classes: 10, inputSize: 32, depth: 6, width: 8,
                             ops: [.separable, .standard, .separable, .standard, .separable, .standard], kernels: [3, 5, 7, 3, 5, 3])
        var rng = RNG(seed: 5)
        let net = NetworkBuilder.build(a, rng: &rng)
        randomizeInferenceState(net, rng: &rng)
        let recipe = try DatasetRecipe(kind: .cifar10)
        let ckpt = dir + "/checkpoint.safetensors"
        try Checkpoint.save(net, metadata: ["architecture": try a.jsonString(), "task": "classify",
                                            "recipe": String(decoding: try JSONEncoder().encode(recipe), as: UTF8.self)], to: ckpt)

        // The logits as `evaluate` computes them: the checkpoint loaded back, evaluation mode.
        let (_, loaded) = try loadClassifier(ckpt)
        let x = Tensor(zeros: [9, 3, 32, 32])
        for i in 0..<x.count { x[i] = rng.uniform() * 4 - 2 }
        let logits = loaded.forward(x, training: false)
        try NPY.write(x.array, shape: x.shape, to: dir + "/x.npy")
        try NPY.write(logits.array, shape: logits.shape, to: dir + "/y.npy")

        let export = try Self.run(["export", "--model", ckpt, "--onnx", dir + "/m.onnx"])
        #expect(export.stdout.contains("\(a.depth + 1) batch norms folded"))
        let c = try Self.check([dir + "/m.onnx", "--inputs", dir + "/x.npy", "--logits", dir + "/y.npy"])
        print("onnx export (plain): max |ORT − FaceNAS logits| \(c.max_abs_diff) at scale \(c.scale), relative \(c.relative)")
        #expect(c.checker == "ok" && c.relative <= 1e-4 && c.batches == [1, 7, 9])
        #expect(c.output == "logits" && c.output_shape == [.named("N"), .fixed(10)])
        #expect(c.ops["BatchNormalization"] == nil && c.ops["Relu"] == a.depth && c.ops["GlobalAveragePool"] == 1)
        #expect(c.ops["Conv"] == 1 + a.ops.reduce(0) { $0 + ($1 == .separable ? 2 : 1) })
        #expect(c.metadata["channel_order"] == "RGB" && c.metadata["mean"] == recipe.mean.map { "\($0)" }.joined(separator: ","))
    }

    /// Checkpoints the exporter cannot express end with one line naming the file and the reason,
    /// and leave the output path as it was.
    @Test func unexpressibleCheckpointsAreClearErrorsThatWriteNothing() throws {
        let dir = CLI.temporaryDirectory("onnx-errors")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ckpt = dir + "/best.safetensors", out = dir + "/m.onnx"
        let a = try Self.faceCheckpoint(ckpt, bgr: false)
        try Data("previous".utf8).write(to: URL(fileURLWithPath: out))
        func expectFailure(_ args: [String], _ message: String) throws {
            let r = try CLI.run(args)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.contains(message), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count <= 2 && !r.stderr.contains("Fatal error"))
            #expect(try String(contentsOfFile: out, encoding: .utf8) == "previous")
        }

        // A diverged model: NaN in one weight.
        let file = try Safetensors.read(ckpt)
        let tensors = file.order.map { (name: $0, tensor: file.tensors[$0]!) }
        let i = try #require(tensors.firstIndex { $0.name == "model.backbone.stages.2.0.branch.conv_b.weight" })
        tensors[i].tensor[3] = .infinity
        let diverged = dir + "/diverged.safetensors"
        try Safetensors.write(tensors, metadata: file.metadata, to: diverged)
        try expectFailure(["export", "--model", diverged, "--onnx", out], "stages.2.0.branch.conv_b")

        // An architecture of a space the exporter has no template for.
        var meta = file.metadata
        meta["architecture"] = try a.jsonString().replacingOccurrences(of: "\"space\" : \"ir\"", with: "\"space\" : \"mobilefacenet\"")
        let unknown = dir + "/unknown.safetensors"
        try Safetensors.write(tensors, metadata: meta, to: unknown)
        try expectFailure(["export", "--model", unknown, "--onnx", out], "unknown search space \"mobilefacenet\"")

        // A checkpoint of neither task, bad opsets and batches.
        meta = file.metadata
        meta["task"] = "detect"
        let other = dir + "/other.safetensors"
        try Safetensors.write(tensors, metadata: meta, to: other)
        try expectFailure(["export", "--model", other, "--onnx", out], "task \"detect\"")
        try expectFailure(["export", "--model", ckpt, "--onnx", out, "--opset", "9"], "opset 9 is not supported")
        try expectFailure(["export", "--model", ckpt, "--onnx", out, "--batch", "0"], "--batch 0")
        try expectFailure(["export", "--model", dir + "/missing.safetensors", "--onnx", out], "missing.safetensors")
    }
}
