import Datasets
import Foundation
import TestSupport
import Testing

/// `facenas import` against PyTorch itself: insightface's and AdaFace's IResNet layouts are built
/// in PyTorch with seeded random weights (Tests/PretrainedTests/Fixtures/iresnet_reference.py,
/// Debian's python3-torch), saved as each project ships them, and embedded there; FaceNAS must
/// import every file and give the same embeddings of the same PNG files.
@Suite(.serialized) struct PretrainedImportCLITests {
    struct Model: Decodable, Sendable {
        var name: String, layout: String, depth: Int, stages: [Int], fp16: Bool, legacy: Bool, bgr: Bool
        var files: [String], parameters: Int
    }
    struct Manifest: Decodable, Sendable { var images: Int, bin_images: Int, models: [Model] }
    struct Fixtures: Sendable { var dir: String, bin: String, manifest: Manifest }

    nonisolated(unsafe) static var fixtureFolder: String?
    static let specs = ["insightface:18", "insightface:50", "insightface:100", "adaface:18", "adaface:50",
                        "insightface:18:fp16", "insightface:18:legacy"]
    static let script = CLI.packageRoot.appendingPathComponent("Tests/PretrainedTests/Fixtures/iresnet_reference.py").path

    /// Made once per test process: a synthetic verification .bin (its first images are the PNGs),
    /// then every model file and PyTorch's embeddings.
    static let fixtures: Result<Fixtures, CLIError>? = {
        guard TorchPython.available(for: "the PyTorch parity tests of facenas import"), CLI.binary != nil else { return nil }
        let dir = CLI.temporaryDirectory("pretrained")
        // About 1.6 GB of model files: gone when the test process ends.
        fixtureFolder = dir
        atexit { if let d = PretrainedImportCLITests.fixtureFolder { try? FileManager.default.removeItem(atPath: d) } }
        do {
            let synth = try CLI.run(["synth", "--out", dir + "/synth", "--identities", "40", "--images-per-identity", "4", "--seed", "8"])
            guard synth.status == 0 else { return .failure(CLIError("synth failed: \(synth.stderr)")) }
            let bin = dir + "/synth/verification/synth.bin"
            let started = Date()
            try TorchPython.run(script, inline: false, [dir + "/ref", bin] + specs)
            print("pretrained fixtures: \(specs.count) models written by PyTorch in \(Int(Date().timeIntervalSince(started))) s")
            let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/ref/manifest.json")))
            return .success(Fixtures(dir: dir + "/ref", bin: bin, manifest: manifest))
        } catch {
            return .failure(CLIError("making the PyTorch reference files failed: \(error)"))
        }
    }()

    static func run(_ args: [String]) throws -> CLI.Result {
        let r = try CLI.run(args)
        if r.status != 0 { throw CLIError("facenas \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
        return r
    }

    /// Cosine of each row of `a` with the same row of `b`.
    static func cosines(_ a: NPYArray, _ b: NPYArray) -> [Double] {
        let d = a.shape[1]
        return (0..<a.shape[0]).map { i in
            var dot = 0.0, na = 0.0, nb = 0.0
            for j in 0..<d {
                let x = a.values[i * d + j], y = b.values[i * d + j]
                dot += x * y; na += x * x; nb += y * y
            }
            return dot / (na * nb).squareRoot()
        }
    }

    static var fileCases: [String] {
        ["insightface_ir18.pth", "insightface_ir18_opset11.onnx", "insightface_ir18_opset17.onnx",
         "insightface_ir50.pth", "insightface_ir50_opset11.onnx", "insightface_ir50_opset17.onnx",
         "insightface_ir100.pth", "insightface_ir100_opset11.onnx", "insightface_ir100_opset17.onnx",
         "adaface_ir18.ckpt", "adaface_ir50.ckpt", "insightface_ir18_fp16.pth", "insightface_ir18_legacy.pth"]
    }

    /// Acceptance: cosine ≥ 0.99999 per image with the PyTorch model (float16 files: ≥ 0.9999 with
    /// the float16 weights run in float32), and `inspect` shows the recognised stages and count.
    @Test(arguments: fileCases)
    func importedModelEmbedsLikePyTorch(file: String) throws {
        guard let fixtures = Self.fixtures else { return }
        let f = try fixtures.get()
        let model = try #require(f.manifest.models.first { $0.files.contains(file) })
        let out = f.dir + "/\(file).safetensors", e = f.dir + "/\(file).npy"
        let imported = try Self.run(["import", "--model", f.dir + "/" + file, "--out", out])
        #expect(imported.stdout.contains("stages \(model.stages.map(String.init).joined(separator: ","))"), "\(imported.stdout)")
        #expect(imported.stdout.contains("\(model.parameters) parameters"), "\(imported.stdout)")
        #expect(imported.stdout.contains("input: \(model.bgr ? "BGR" : "RGB") planes"))
        let inspect = try Self.run(["inspect", "--model", out])
        #expect(inspect.stdout.contains("stages: \(model.stages.map(String.init).joined(separator: ","))"))
        #expect(inspect.stdout.contains("params: \(model.parameters)") && inspect.stdout.contains("\"sha256\""))
        _ = try Self.run(["embed", "--model", out, "--images", f.dir + "/images", "--out", e, "--no-flip"])
        let ours = try NPY.readMatrix(e), reference = try NPY.readMatrix(f.dir + "/\(model.name).npy")
        #expect(ours.shape == reference.shape && ours.shape == [f.manifest.images, 512])
        let c = Self.cosines(ours, reference)
        print("import parity \(file): min cosine \(c.min()!) over \(c.count) images (1 − min = \(1 - c.min()!))")
        #expect(c.min()! >= (model.fp16 ? 0.9999 : 0.99999))
        try? FileManager.default.removeItem(atPath: out)
    }

    /// Acceptance 4: `verify --model IMPORTED --bin` against insightface's verification algorithm
    /// (Tests/MetricsTests/metrics_reference.py) on PyTorch's flip-fused embeddings of the same images.
    @Test func verifyOnImportedModelMatchesTheReferenceAlgorithm() throws {
        guard let fixtures = Self.fixtures, InteropPython.available(for: "the verification parity of an imported model") else { return }
        let f = try fixtures.get()
        let out = f.dir + "/verify.safetensors"
        _ = try Self.run(["import", "--model", f.dir + "/insightface_ir18.pth", "--out", out])
        _ = try Self.run(["verify", "--model", out, "--bin", f.bin, "--json", f.dir + "/ours.json"])
        let reference = CLI.packageRoot.appendingPathComponent("Tests/MetricsTests/metrics_reference.py").path
        try InteropPython.run(reference, inline: false, ["verify", f.dir + "/insightface_ir18_bin.npy", f.dir + "/pairs.txt", f.dir + "/ref.json"])
        // The same algorithm on PyTorch's own embeddings through facenas: equal to 1e-9.
        _ = try Self.run(["verify", "--embeddings", f.dir + "/insightface_ir18_bin.npy", "--pairs", f.dir + "/pairs.txt",
                          "--json", f.dir + "/theirs.json"])
        func accuracy(_ path: String, nested: Bool) throws -> Double {
            let o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
            let set = nested ? (o["sets"] as! [[String: Any]])[0] : o
            return set["accuracy"] as! Double
        }
        let ours = try accuracy(f.dir + "/ours.json", nested: true), theirs = try accuracy(f.dir + "/theirs.json", nested: true)
        let ref = try accuracy(f.dir + "/ref.json", nested: false)
        print("verify parity: facenas on the imported model \(ours), facenas on PyTorch's embeddings \(theirs), reference algorithm on PyTorch's embeddings \(ref)")
        #expect(abs(theirs - ref) < 1e-9)
        #expect(abs(ours - ref) <= 1.0 / 600, "more than one pair of difference from float rounding")
    }

    /// Acceptance 5: import → export ONNX → ONNX Runtime equals `embed --no-flip` of the imported
    /// model, for both layouts (AdaFace's max-pool shortcut and BGR input included).
    @Test(arguments: ["insightface_ir18.pth", "adaface_ir18.ckpt"])
    func importedModelExportsToONNXRuntime(file: String) throws {
        guard let fixtures = Self.fixtures, InteropPython.available(for: "the ONNX Runtime check of an imported model") else { return }
        let f = try fixtures.get()
        let out = f.dir + "/export-\(file).safetensors", e = f.dir + "/export-\(file).npy", onnx = f.dir + "/export-\(file).onnx"
        _ = try Self.run(["import", "--model", f.dir + "/" + file, "--out", out])
        _ = try Self.run(["embed", "--model", out, "--images", f.dir + "/images", "--out", e, "--no-flip"])
        _ = try Self.run(["export", "--model", out, "--onnx", onnx])
        let c = try ONNXExportCLITests.check([onnx, "--images", f.dir + "/images", "--embeddings", e])
        print("import → export (\(file)): ONNX Runtime vs embed --no-flip relative \(c.relative); ops \(c.ops)")
        #expect(c.checker == "ok" && c.relative <= 1e-4)
        #expect(c.metadata["channel_order"] == (file.hasPrefix("adaface") ? "BGR" : "RGB"))
        #expect(c.metadata["imported_from"]?.contains("\"file\":\"\(file)\"") == true, "\(c.metadata)")
    }

    /// Acceptance 3: a pickle naming any other global is refused before anything runs, and nothing is written.
    @Test func aPickleThatWouldRunCodeIsRefused() throws {
        guard TorchPython.available(for: "the malicious-pickle refusal of facenas import"), CLI.binary != nil else { return }
        let dir = CLI.temporaryDirectory("evil-pickle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/MARKER", evil = dir + "/evil.pth"
        try TorchPython.run("""
            import collections, os, sys, torch
            class Evil:
                def __reduce__(self):
                    return (os.system, ("touch " + sys.argv[2],))
            torch.save(collections.OrderedDict([("conv1.weight", torch.zeros(64, 3, 3, 3)), ("x", Evil())]), sys.argv[1])
            """, [evil, marker])
        let r = try CLI.run(["import", "--model", evil, "--out", dir + "/out.safetensors"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("names the global posix.system") || r.stderr.contains("names the global os.system"), "\(r.stderr)")
        #expect(r.stderr.contains("pickle offset"))
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.safetensors"))
    }

    /// Acceptance 3: a state dict with a key no IResNet tensor takes is one line naming it; nothing is written.
    @Test func anUnplaceableKeyIsNamed() throws {
        guard TorchPython.available(for: "the unknown-key error of facenas import"), let fixtures = Self.fixtures else { return }
        let f = try fixtures.get()
        let bad = f.dir + "/extra-key.pth"
        try TorchPython.run("""
            import sys, torch
            sd = torch.load(sys.argv[1])
            sd["layer2.0.se.fc1.weight"] = torch.zeros(8, 128)
            torch.save(sd, sys.argv[2])
            """, [f.dir + "/insightface_ir18.pth", bad])
        let r = try CLI.run(["import", "--model", bad, "--out", f.dir + "/bad.safetensors"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("key layer2.0.se.fc1.weight: not part of an insightface IResNet"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: f.dir + "/bad.safetensors"))
    }

    /// An MXNet-style graph normalises inside (Sub 127.5, Mul 0.0078125), as insightface's model-zoo
    /// loader detects: the import folds it into the stem, and FaceNAS's embeddings equal ONNX
    /// Runtime's on raw pixels.
    @Test func inGraphNormalisationIsFolded() throws {
        guard let fixtures = Self.fixtures, InteropPython.available(for: "the in-graph normalisation check") else { return }
        let f = try fixtures.get()
        let graph = f.dir + "/subsmul.onnx", reference = f.dir + "/subsmul_ort.npy"
        try InteropPython.run("""
            import glob, os, sys, numpy as np, onnx, onnxruntime as ort
            from onnx import helper, numpy_helper
            from PIL import Image
            m = onnx.load(sys.argv[1]); g = m.graph
            first = g.input[0].name
            g.initializer.extend([numpy_helper.from_array(np.array([127.5], np.float32), "norm_mean"),
                                  numpy_helper.from_array(np.array([0.0078125], np.float32), "norm_scale")])
            for n in g.node:
                n.input[:] = ["norm_out" if x == first else x for x in n.input]
            nodes = [helper.make_node("Sub", [first, "norm_mean"], ["norm_sub"], name="_minusscalar0"),
                     helper.make_node("Mul", ["norm_sub", "norm_scale"], ["norm_out"], name="_mulscalar0")] + list(g.node)
            del g.node[:]; g.node.extend(nodes)
            onnx.save(m, sys.argv[2])
            names = sorted(os.listdir(sys.argv[3]))
            x = np.stack([np.asarray(Image.open(os.path.join(sys.argv[3], n)).convert("RGB"), np.float32).transpose(2, 0, 1) for n in names])
            s = ort.InferenceSession(sys.argv[2], providers=["CPUExecutionProvider"])
            np.save(sys.argv[4], s.run(None, {first: x})[0])
            """, [f.dir + "/insightface_ir18_opset11.onnx", graph, f.dir + "/images", reference])
        let out = f.dir + "/subsmul.safetensors", e = f.dir + "/subsmul.npy"
        let r = try Self.run(["import", "--model", graph, "--out", out])
        #expect(r.stdout.contains("inside the graph: Sub 127.5, Mul 0.0078125; folded into the stem convolution as a scale of 0.99609375"), "\(r.stdout)")
        _ = try Self.run(["embed", "--model", out, "--images", f.dir + "/images", "--out", e, "--no-flip"])
        let c = Self.cosines(try NPY.readMatrix(e), try NPY.readMatrix(reference))
        print("in-graph normalisation: min cosine with ONNX Runtime \(c.min()!)")
        #expect(c.min()! >= 0.99999)
    }

    /// Acceptance 3: a graph it does not understand names the first node it could not place; nothing is written.
    @Test func anUnknownGraphNamesTheNode() throws {
        guard let fixtures = Self.fixtures, InteropPython.available(for: "the unknown-graph error of facenas import") else { return }
        let f = try fixtures.get()
        let graph = f.dir + "/relu.onnx"
        try InteropPython.run("""
            import sys, onnx
            m = onnx.load(sys.argv[1])
            n = next(n for n in m.graph.node if n.op_type == "PRelu")
            n.op_type = "Relu"; del n.input[1:]
            onnx.save(m, sys.argv[2])
            """, [f.dir + "/insightface_ir18_opset17.onnx", graph])
        let r = try CLI.run(["import", "--model", graph, "--out", f.dir + "/relu.safetensors"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("(Relu): expected a single PRelu after the stem convolution"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: f.dir + "/relu.safetensors"))
    }
}
