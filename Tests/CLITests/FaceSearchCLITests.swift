import Foundation
import Testing

/// `facenas search --space ir` end to end on a small synthetic face set: the macro–micro search
/// over the IR space ranked on held-out identities, stopped and resumed to the same journal as an
/// uninterrupted run, and ranked on a `.bin` set when asked.
@Suite(.serialized) struct FaceSearchCLITests {
    static func run(_ args: [String]) throws -> CLI.Result {
        let r = try CLI.run(args)
        if r.status != 0 { throw CLIError("facenas \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
        return r
    }

    static func journal(_ dir: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: dir + "/search.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").dropFirst().map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// What must be equal between two runs of the same search (not the seconds).
    static func decisions(_ records: [[String: Any]]) -> [String] {
        records.map { r in
            ["phase", "depth", "width", "ops", "kernels", "epochs", "params", "accuracy", "epoch_accuracies", "decision"]
                .map { "\(r[$0] ?? "-")" }.joined(separator: " ")
        }
    }

    @Test func searchesRanksOnHeldOutIdentitiesAndResumesToTheSameResult() throws {
        let dir = CLI.temporaryDirectory("face-search")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/synth"
        _ = try Self.run(["synth", "--out", data, "--size", "32", "--identities", "60", "--images-per-identity", "10", "--seed", "5"])
        let common = ["search", "--data", "synth:" + data, "--space", "ir", "--min-width", "8", "--max-width", "16", "--min-depth", "4",
                      "--max-depth", "5", "--embedding-size", "32", "--batch-size", "32", "--ranking-pairs", "200",
                      "--heldout-fraction", "0.2", "--seed", "1"]

        let whole = try Self.run(common + ["--out", dir + "/a"])
        // 42 training people: 8 held out, 34 × 10 photos train.
        #expect(whole.stdout.contains("candidates train on 340 images of 34 identities  32x32"))
        #expect(whole.stdout.contains("ranking: heldout (200 pairs)  from 8 identities held out of training"))
        let final = try #require(whole.stdout.split(separator: "\n").last.map(String.init))
        #expect(final.hasPrefix("final: depth="))
        let a = try Self.journal(dir + "/a")
        // Depth 4 and 5, one width step 16 → 8, then baseline + 2 passes over 2·D convs.
        let depth = a.filter { ($0["phase"] as? String) == "depth" }.count
        let finalDepth = try #require(a.last?["depth"] as? Int)
        #expect(depth == 2)
        #expect(a.count == depth + 1 + 1 + 2 * 2 * finalDepth)
        for r in a { #expect((r["accuracy"] as? Double).map { $0 > 50 && $0 <= 100 } == true, "\(r)") }
        let report = try String(contentsOfFile: dir + "/a/report.md", encoding: .utf8)
        #expect(report.contains("pairs of the 20% of training identities held out from training"))
        #expect(report.contains("(matches)"), "the IR count 2·D_f + D′ + W′ + 1 uses 2 convs per block")
        #expect(FileManager.default.fileExists(atPath: dir + "/a/best-arch.json"))

        let stopped = try Self.run(common + ["--out", dir + "/b", "--max-candidates", "4"])
        #expect(stopped.stdout.contains("stopped: --max-candidates 4 reached"))
        let resumed = try Self.run(common + ["--out", dir + "/b"])
        #expect(resumed.stdout.contains("resuming: 4 candidates in the journal are read back, not retrained"))
        #expect(resumed.stdout.split(separator: "\n").last.map(String.init) == final)
        #expect(Self.decisions(try Self.journal(dir + "/b")) == Self.decisions(a))
    }

    @Test func ranksOnGivenSetsAndRefusesWhatCannotWork() throws {
        let dir = CLI.temporaryDirectory("face-search-sets")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/synth"
        _ = try Self.run(["synth", "--out", data, "--size", "32", "--identities", "40", "--images-per-identity", "6", "--seed", "6"])
        let bin = data + "/verification/synth.bin"
        let common = ["search", "--data", "synth:" + data, "--space", "ir", "--max-width", "8", "--min-width", "8",
                      "--embedding-size", "16", "--batch-size", "16"]
        let r = try Self.run(common + ["--rank-on", bin, "--max-candidates", "1", "--out", dir + "/s"])
        // Every one of the 28 training people trains when the ranking comes from a .bin.
        #expect(r.stdout.contains("candidates train on 168 images of 28 identities"))
        #expect(r.stdout.contains("ranking: synth ("))
        let report = try String(contentsOfFile: dir + "/s/report.md", encoding: .utf8)
        #expect(report.contains("on synth.bin: the benchmark sets themselves"))

        for (extra, message) in [(["--rank-on", "test"], "--rank-on test: a face search ranks on held-out identities"),
                                 (["--rank-on", dir + "/none.bin"], "none.bin: no such file"),
                                 (["--subset-identities", "1"], "--subset-identities 1: at least 2 identities"),
                                 (["--min-depth", "3"], "--min-depth 3: the IR space needs at least 4 blocks")] {
            let e = try CLI.run(common + extra + ["--out", dir + "/e"])
            #expect(e.status != 0)
            #expect(e.stderr.contains(message), "\(extra): \(e.stderr)")
        }
    }
}
