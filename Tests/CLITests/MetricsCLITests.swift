import TestSupport
import Datasets
import Foundation
import Testing

/// `facenas verify` and `facenas identify` on .npy files written by numpy, compared with the
/// independent numpy reference (Tests/MetricsTests/metrics_reference.py); every bad input gives
/// one line naming the file and what was expected, and a non-zero exit.
@Suite(.serialized) struct MetricsCLITests {
    static let reference = CLI.packageRoot.appendingPathComponent("Tests/MetricsTests/metrics_reference.py").path

    static var available: Bool { InteropPython.available(for: "numpy CLI tests") }

    static func runReference(_ args: [String]) throws {
        try InteropPython.run(reference, inline: false, args)
    }

    // The JSON schemas; JSONDecoder reads doubles exactly (JSONSerialization on Linux does not).
    struct VerifyJSON: Decodable {
        struct Set: Decodable {
            var name: String, pairs: Int, accuracy: Double, accuracy_std: Double, threshold: Double
            var tar_at_far: [String: Double?]
        }
        var sets: [Set]
    }
    struct VerifyReference: Decodable {
        var pairs: Int, accuracy: Double, accuracy_std: Double, threshold: Double, tar_at_far: [String: Double?]
    }
    struct IdentifyJSON: Decodable {
        var rank1: Double, rank5: Double, rank20: Double, map: Double
        var probes: Int, probes_evaluated: Int, probes_without_match: Int, cmc: [Double]
    }

    static func decode<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func verifyMatchesNumpy() throws {
        guard Self.available else { return }
        let dir = CLI.temporaryDirectory("verify")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.runReference(["make-verify", dir, "11"])
        try Self.runReference(["verify", dir + "/E.npy", dir + "/pairs.txt", dir + "/ref.json"])
        let r = try CLI.run(["verify", "--embeddings", dir + "/E.npy", "--pairs", dir + "/pairs.txt", "--name", "synthetic",
                             "--json", dir + "/out.json", "--plot", dir + "/roc.svg"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("TAR@FAR=1e-3") && r.stdout.contains("n/a"), "stdout: \(r.stdout)")
        let out = try Self.decode(VerifyJSON.self, dir + "/out.json"), ref = try Self.decode(VerifyReference.self, dir + "/ref.json")
        let set = try #require(out.sets.first)
        #expect(out.sets.count == 1 && set.name == "synthetic" && set.pairs == ref.pairs && set.pairs == 20_007)
        #expect(abs(set.accuracy - ref.accuracy) < 1e-9 && abs(set.accuracy_std - ref.accuracy_std) < 1e-9, "\(set) vs \(ref)")
        #expect(abs(set.threshold - ref.threshold) < 1e-9)
        let tar = try #require(set.tar_at_far["1e-3"] ?? nil), refTar = try #require(ref.tar_at_far["1e-3"] ?? nil)
        #expect(abs(tar - refTar) < 1e-9)
        #expect(set.tar_at_far.keys.contains("1e-4") && set.tar_at_far["1e-4"] == .some(nil), "1e-4 must be null")
        let svg = try String(contentsOfFile: dir + "/roc.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("synthetic") && svg.contains("<polyline"))
    }

    @Test func identifyMatchesNumpy() throws {
        guard Self.available else { return }
        let dir = CLI.temporaryDirectory("identify")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.runReference(["make-identify", dir, "5"])
        try Self.runReference(["identify", dir + "/P.npy", dir + "/P.txt", dir + "/G.npy", dir + "/G.txt", "1,5,20", dir + "/ref.json"])
        let files = ["--probe", dir + "/P.npy", "--probe-labels", dir + "/P.txt", "--gallery", dir + "/G.npy", "--gallery-labels", dir + "/G.txt"]
        let r = try CLI.run(["identify"] + files + ["--json", dir + "/out.json", "--plot", dir + "/cmc.svg"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("rank-1") && r.stdout.contains("6 of ") && r.stdout.contains("no gallery item with their label"), "stdout: \(r.stdout)")
        let out = try Self.decode(IdentifyJSON.self, dir + "/out.json"), ref = try Self.decode(IdentifyJSON.self, dir + "/ref.json")
        #expect(abs(out.rank1 - ref.rank1) < 1e-9 && abs(out.rank5 - ref.rank5) < 1e-9 && abs(out.rank20 - ref.rank20) < 1e-9, "\(out) vs \(ref)")
        #expect(abs(out.map - ref.map) < 1e-9)
        #expect(out.probes == ref.probes && out.probes_evaluated == ref.probes_evaluated && out.probes_without_match == 6)
        #expect(out.cmc.count == ref.cmc.count && zip(out.cmc, ref.cmc).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(try String(contentsOfFile: dir + "/cmc.svg", encoding: .utf8).hasPrefix("<svg"))

        let custom = try CLI.run(["identify"] + files + ["--ranks", "1,10", "--json", dir + "/custom.json"])
        let text = try String(contentsOfFile: dir + "/custom.json", encoding: .utf8)
        #expect(custom.status == 0 && text.contains("\"rank10\"") && text.contains("\"rank1\"") && !text.contains("\"rank5\""), "\(text)")
    }

    /// One line on stderr containing `message`, and a failing exit.
    static func expectRefusal(_ args: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try CLI.run(args)
        let lines = r.stderr.split(separator: "\n")
        #expect(r.status != 0 && r.stderr.contains(message), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(lines.count == 1, "expected one error line, got: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
    }

    @Test func badInputIsRefusedWithOneClearLine() throws {
        let dir = CLI.temporaryDirectory("metrics-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let e = dir + "/E.npy", pairs = dir + "/pairs.txt"
        let values = (0..<40).map { Float(($0 * 7) % 11) + 1 }
        try NPY.write(values, shape: [10, 4], to: e)
        func writePairs(_ name: String, _ text: String) throws -> String {
            let path = dir + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let good = (0..<10).map { "\($0) \(9 - $0) \($0 % 2)" }.joined(separator: "\n")
        let ok = try CLI.run(["verify", "--embeddings", e, "--pairs", try writePairs("good.txt", "# ten pairs\n\n" + good + "\n")])
        #expect(ok.status == 0, "stderr: \(ok.stderr)")

        try Self.expectRefusal(["verify", "--embeddings", e, "--pairs", try writePairs("range.txt", "0 1 1\n2 3 0\n4 12 1\n")],
                               "range.txt: line 3: index 12 is out of range, expected 0..<10 (the embeddings have N = 10 rows)")
        try Self.expectRefusal(["verify", "--embeddings", e, "--pairs", try writePairs("short.txt", "0 1 1\n0 1\n")],
                               "short.txt: line 2: '0 1' has 2 fields, expected 'i j same'")
        try Self.expectRefusal(["verify", "--embeddings", e, "--pairs", try writePairs("word.txt", "0 x 1\n")],
                               "word.txt: line 1: 'x' is not an integer row index")
        try Self.expectRefusal(["verify", "--embeddings", e, "--pairs", try writePairs("same.txt", "0 1 1\n0 2 2\n")],
                               "same.txt: line 2: same = '2', expected 0 or 1")
        try Self.expectRefusal(["verify", "--embeddings", e, "--pairs", try writePairs("nine.txt", (0..<9).map { "\($0) 9 1" }.joined(separator: "\n"))],
                               "nine.txt: 9 pairs, expected at least 10 (one per fold)")

        try NPY.write(Array(values[0..<10]), shape: [10], to: dir + "/vector.npy")
        try Self.expectRefusal(["verify", "--embeddings", dir + "/vector.npy", "--pairs", pairs],
                               "vector.npy: shape (10,), expected a 2-D float array of embeddings (N×d)")
        var ints = NPY.encode(values, shape: [10, 4])
        let at = try #require((0..<(ints.count - 2)).first { ints[$0..<($0 + 3)].elementsEqual("<f4".utf8) })
        ints[at + 1] = UInt8(ascii: "i")
        try Data(ints).write(to: URL(fileURLWithPath: dir + "/ints.npy"))
        try Self.expectRefusal(["verify", "--embeddings", dir + "/ints.npy", "--pairs", pairs],
                               "ints.npy: at byte 10: dtype '<i4' is not supported, expected '<f4' (float32) or '<f8' (float64)")

        try NPY.write(Array(values[0..<12]), shape: [4, 3], to: dir + "/P3.npy")
        try "1\n2\n3\n".write(toFile: dir + "/three.txt", atomically: true, encoding: .utf8)
        try (0..<10).map(String.init).joined(separator: "\n").write(toFile: dir + "/ten.txt", atomically: true, encoding: .utf8)
        try Self.expectRefusal(["identify", "--probe", e, "--probe-labels", dir + "/three.txt", "--gallery", e, "--gallery-labels", dir + "/ten.txt"],
                               "three.txt: 3 labels but \(e) has 10 rows, expected one label per row")
        try Self.expectRefusal(["identify", "--probe", e, "--probe-labels", dir + "/ten.txt", "--gallery", e, "--gallery-labels", dir + "/three.txt"],
                               "three.txt: 3 labels but \(e) has 10 rows, expected one label per row")
        try "1\n2\nthree\n4\n".write(toFile: dir + "/word.txt", atomically: true, encoding: .utf8)
        try Self.expectRefusal(["identify", "--probe", dir + "/P3.npy", "--probe-labels", dir + "/word.txt", "--gallery", e, "--gallery-labels", dir + "/ten.txt"],
                               "word.txt: line 3: 'three' is not an integer label (expected one integer per line)")
        try "1\n2\n3\n4\n".write(toFile: dir + "/four.txt", atomically: true, encoding: .utf8)
        try Self.expectRefusal(["identify", "--probe", dir + "/P3.npy", "--probe-labels", dir + "/four.txt", "--gallery", e, "--gallery-labels", dir + "/ten.txt"],
                               "P3.npy has d = 3 but \(e) has d = 4, expected the same embedding size")

        // A missing checkpoint is named; mixing forms is refused before any work.
        let model = try CLI.run(["verify", "--model", dir + "/x.safetensors", "--bin", dir + "/lfw.bin"])
        #expect(model.status != 0 && model.stderr.contains(dir + "/x.safetensors: cannot open"), "stderr: \(model.stderr)")
        let tiny = try CLI.run(["identify", "--model", dir + "/x.safetensors", "--tinyface", dir])
        #expect(tiny.status != 0 && tiny.stderr.contains(dir + "/x.safetensors: cannot open"), "stderr: \(tiny.stderr)")
        let both = try CLI.run(["verify", "--embeddings", e, "--pairs", pairs, "--model", "m", "--bin", "b"])
        #expect(both.status != 0 && both.stderr.contains("not both or neither"), "stderr: \(both.stderr)")
        let neither = try CLI.run(["identify"])
        #expect(neither.status != 0 && neither.stderr.contains("not both or neither"), "stderr: \(neither.stderr)")
        let ranks = try CLI.run(["identify", "--probe", e, "--probe-labels", dir + "/ten.txt", "--gallery", e, "--gallery-labels", dir + "/ten.txt", "--ranks", "1,0"])
        #expect(ranks.status != 0 && ranks.stderr.contains("--ranks '1,0': expected comma-separated integers ≥ 1"), "stderr: \(ranks.stderr)")
    }
}
