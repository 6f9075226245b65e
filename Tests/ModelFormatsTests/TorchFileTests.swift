import Foundation
import ModelFormats
import Testing
import TestSupport

/// The files of Fixtures/make_torch_files.py, written once per test run by PyTorch itself, and the
/// values it recorded for them; nil (tests skip) without a Python with torch.
enum TorchFixtures {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/make_torch_files.py").path

    static let folder: String? = {
        guard TorchPython.available(for: "PyTorch file tests") else { return nil }
        let dir = temporaryDirectory("torch-files")
        do { try TorchPython.run(script, inline: false, [dir]) } catch {
            Issue.record("make_torch_files.py failed: \(error)")
            return nil
        }
        return dir
    }()

    /// Read-only after its one initialisation, so sharing it across test tasks is safe.
    nonisolated(unsafe) static let expected: [String: Any] = {
        guard let dir = folder, let data = FileManager.default.contents(atPath: dir + "/expected.json"),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return json
    }()

    static func path(_ name: String) -> String { (folder ?? "") + "/" + name }
}

/// The tensor `t` has the dtype, shape, strides, offset and exact values PyTorch recorded in `e`.
func expectTensor(_ t: TorchTensor, equals e: [String: Any], _ key: String) throws {
    #expect(t.dtype.rawValue == e["dtype"] as? String, "\(key)")
    #expect(t.shape == e["shape"] as? [Int], "\(key)")
    #expect(t.strides == e["stride"] as? [Int], "\(key)")
    #expect(t.storageOffset == e["offset"] as? Int, "\(key)")
    if let bits = e["bits"] as? [Int] {
        let got = try t.floats().map { Int(Int32(bitPattern: $0.bitPattern)) }
        #expect(got == bits, "\(key): float32 bits differ from torch's .float()")
    } else {
        #expect(try t.integers().map(Int.init) == e["ints"] as? [Int], "\(key)")
    }
}

@Suite struct TorchFileTests {
    func checkStateDict(_ name: String) throws {
        guard TorchFixtures.folder != nil else { return }
        let files = try #require(TorchFixtures.expected["files"] as? [String: Any])
        let e = try #require(files[name] as? [String: Any])
        let file = try TorchFile.read(TorchFixtures.path(name))
        #expect(file.format.rawValue == e["format"] as? String)
        let sd = try file.stateDict()
        #expect(sd.map(\.key) == e["keys"] as? [String])
        let tensors = try #require(e["tensors"] as? [String: [String: Any]])
        for (key, t) in sd { try expectTensor(t, equals: try #require(tensors[key]), key) }
    }

    @Test(arguments: ["f32_zip.pt", "f32_legacy.pt", "f32_zip64_deflated.pt", "f32_proto4_zip.pt", "f32_proto4_legacy.pt",
                      "f16_zip.pt", "f16_legacy.pt", "bf16_zip.pt",
                      "views_zip.pt", "views_legacy.pt", "lightning.ckpt", "lightning_legacy.ckpt",
                      "tiny_zip.pt", "tiny_legacy.pt"])
    func stateDictMatchesTorch(_ name: String) throws { try checkStateDict(name) }

    @Test func viewsShareTheirStorage() throws {
        guard TorchFixtures.folder != nil else { return }
        for name in ["views_zip.pt", "views_legacy.pt"] {
            let sd = Dictionary(uniqueKeysWithValues: try TorchFile.read(TorchFixtures.path(name)).stateDict().map { ($0.key, $0.tensor) })
            #expect(sd["slice"]?.storageKey == sd["first_half"]?.storageKey)
            #expect(sd["transposed"]?.storageKey == sd["strided"]?.storageKey)
            #expect(sd["slice"]?.storageKey != sd["transposed"]?.storageKey)
            #expect(sd["transposed"]?.isContiguous == false)
            #expect(sd["slice"]?.storageOffset == 5)
        }
    }

    @Test(arguments: ["lightning.ckpt", "lightning_legacy.ckpt"])
    func lightningCheckpointKeepsItsPlainValues(_ name: String) throws {
        guard TorchFixtures.folder != nil else { return }
        let root = try TorchFile.read(TorchFixtures.path(name)).root
        #expect(root["epoch"]?.intValue == 3)
        #expect(root["global_step"]?.intValue == 10)
        #expect(root["pytorch-lightning_version"]?.stringValue == "1.8.6")
        #expect(root["callbacks"]?["ModelCheckpoint{'monitor': None}"]?["dirpath"]?.stringValue == "/tmp/x")
        let h = try #require(root["hyper_parameters"])
        guard case .float(0.1)? = h["lr"] else { Issue.record("lr: \(String(describing: h["lr"]))"); return }
        #expect(h["arch"]?.stringValue == "ir_50")
        guard case .float(0.4)? = h["head"]?["m"] else { Issue.record("head.m"); return }
        guard case .list(let milestones)? = h["milestones"] else { Issue.record("milestones"); return }
        #expect(milestones.compactMap(\.intValue) == [8, 12])
        guard case .tuple(let flags)? = h["flags"], flags.count == 2, case .bool(true) = flags[0], case .none = flags[1] else {
            Issue.record("flags: \(String(describing: h["flags"]))"); return
        }
        guard case .set(let tags)? = h["tags"] else { Issue.record("tags"); return }
        #expect(tags.compactMap(\.stringValue) == ["a"])
        guard case .bytes(let raw)? = h["raw"] else { Issue.record("raw: \(String(describing: h["raw"]))"); return }
        #expect(raw == [0, 0xff, 0x61, 0x62])
        guard case .largeInteger(let big)? = h["big"] else { Issue.record("big"); return }
        #expect(big == [0, 0, 0, 0, 0, 0, 0, 0, 0x40])  // 2^70
        #expect(h["args"]?["depth"]?.intValue == 50)
        #expect(h["args"]?["name"]?.stringValue == "x")
        #expect(h["torch_version"]?.stringValue == TorchFixtures.expected["torch_version"] as? String)
        #expect(TorchFixtures.expected["torch_version_type"] as? String == "TorchVersion")

        guard case .list(let optimizers)? = root["optimizer_states"], let sgd = optimizers.first else { Issue.record("optimizer_states"); return }
        guard case .dict(let state)? = sgd["state"], let first = state.first, case .int(0) = first.key else { Issue.record("state"); return }
        let buffer = try #require(first.value["momentum_buffer"]?.tensorValue)
        try expectTensor(buffer, equals: try #require(TorchFixtures.expected["momentum_buffer"] as? [String: Any]), "momentum_buffer")
        guard case .list(let groups)? = sgd["param_groups"], case .list(let params)? = groups.first?["params"] else { Issue.record("param_groups"); return }
        #expect(params.compactMap(\.intValue) == [0, 1, 2])
    }

    @Test(arguments: ["evil_zip.pt", "evil_legacy.pt", "evil_pickle4.pt"])
    func maliciousGlobalIsRefusedAtItsOpcode(_ name: String) throws {
        guard TorchFixtures.folder != nil else { return }
        let m = try #require(TorchFixtures.expected["malicious"] as? [String: Any])
        let offset = try #require(m[name] as? Int)
        let marker = try #require(m["marker"] as? String)
        let error = try #require(throws: ModelFormatError.self) { try TorchFile.read(TorchFixtures.path(name)) }
        #expect(error.description.hasPrefix(TorchFixtures.path(name) + ": pickle offset \(offset) names the global "), "\(error)")
        #expect(error.message.contains("posix.system") || error.message.contains("os.system"), "\(error)")
        #expect(!error.description.contains("\n"))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
