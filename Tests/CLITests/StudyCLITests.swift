import Foundation
import Testing
import TestSupport

/// `facenas study` end to end on Fashion-MNIST with tiny networks (issue 21): bad settings,
/// a kill -9 and resume, the report's statistics replayed by scipy and numpy, and the same
/// records from two MPI ranks as from one process.
@Suite(.serialized) struct StudyCLITests {
    static let tiny = ["study", "--data", "fashion-mnist:\(CLI.fashionMNIST)", "--networks", "4", "--reference-epochs", "2",
                       "--budgets", "epochs:1,params,dynamic:1:0.34", "--subset", "300", "--heldout-fraction", "0.01",
                       "--min-depth", "3", "--max-depth", "4", "--min-width", "4", "--max-width", "8", "--width-step", "2",
                       "--batch-size", "32", "--bootstrap", "200", "--seed", "3"]

    static func records(_ dir: String) throws -> [[String: Any]] {
        try String(contentsOfFile: dir + "/study.jsonl", encoding: .utf8).split(separator: "\n").dropFirst().map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// What must not depend on the run: everything but wall times and the rank that trained.
    static func scores(_ records: [[String: Any]]) -> [String] {
        records.map { r in
            "\(r["network"]!) \(r["budget"]!) \(r["epochs"]!) \(r["score"]!) \(r["train_accuracy"]!) \(r["epoch_scores"]!)"
        }
    }

    /// report.json without its wall times, as sorted-key JSON (comparable across processes).
    static func statistics(_ dir: String) throws -> String {
        var report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/report.json"))) as! [String: Any]
        report["reference"] = nil
        report["budgets"] = (report["budgets"] as! [[String: Any]]).map { b in var b = b; b["cost"] = nil; return b }
        return String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func badSettingsAreOneLineErrorsBeforeAnythingTrains() throws {
        let dir = CLI.temporaryDirectory("study-bad")
        let cases: [([String], String)] = [
            (["--networks", "2"], "--networks 2: a rank correlation needs at least 3 networks"),
            (["--budgets", "epochs:3"], "budget epochs:3: 3 epochs is longer than the reference's 2"),
            (["--budgets", "epochs:1,fast"], "budget \"fast\": unknown budget"),
            (["--networks", "10", "--budgets", "dynamic"], "budget dynamic:1:0.5: its last network trains 5 epochs, longer than the reference's 2"),
            (["--budgets", "size:56"], "budget size:56: size, identities and images are face proxies (--space ir)"),
        ]
        for (flags, message) in cases {
            var args = Self.tiny + ["--out", dir + "/o"]
            for i in stride(from: 0, to: flags.count, by: 2) {
                if let at = args.firstIndex(of: flags[i]) { args[at + 1] = flags[i + 1] } else { args += [flags[i], flags[i + 1]] }
            }
            let r = try CLI.run(args)
            #expect(r.status != 0)
            #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
            #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/o"), "nothing may be written for \(flags)")
        }
    }

    /// SIGKILL once the journal holds two trainings (the third is under way), then the same
    /// command: the study ends with the uninterrupted study's records and report statistics, and
    /// scipy/numpy replay those statistics from report.json.
    @Test func killedStudyResumesToTheSameReport() throws {
        guard FileManager.default.fileExists(atPath: CLI.fashionMNIST) else { return }
        let dir = CLI.temporaryDirectory("study-kill")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let whole = try CLI.run(Self.tiny + ["--out", dir + "/whole"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains("networks: 4 of 4"))
        let p = try CLI.start(Self.tiny + ["--out", dir + "/killed"])
        let journal = dir + "/killed/study.jsonl"
        CLI.wait(for: p, seconds: 300) {
            ((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "").split(separator: "\n").count >= 3
        }
        usleep(200_000)
        #expect(p.isRunning, "the study finished before it could be interrupted")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let resumed = try CLI.run(Self.tiny + ["--out", dir + "/killed"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming:"))
        let a = try Self.records(dir + "/whole"), b = try Self.records(dir + "/killed")
        #expect(a.count == 12 && Self.scores(a) == Self.scores(b))
        #expect(try Self.statistics(dir + "/whole") == Self.statistics(dir + "/killed"))
        for name in ["report.md", "report.html", "scatter-epochs_1.svg", "scatter-params.svg", "scatter-dynamic_1_0_34.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/killed/" + name), "\(name) missing")
        }
        guard InteropPython.available(for: "the study report's scipy replay") else { return }
        let script = CLI.packageRoot.appendingPathComponent("Tests/MetricsTests/rank_reference.py").path
        let out = try InteropPython.run(script, inline: false, [dir + "/killed/report.json"])
        let diff = try #require(Double(out.split(separator: " ").last!.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(diff <= 1e-12, "\(out)")
    }

    /// Two MPI ranks each train their own networks; rank 0's journal has one process's scores.
    @Test func twoRanksRecordTheOneProcessScores() throws {
        guard MPI.available(for: "the candidate-parallel study test"), FileManager.default.fileExists(atPath: CLI.fashionMNIST) else { return }
        let dir = CLI.temporaryDirectory("study-mpi")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // One worker, as each of 2 ranks on 2 cores has.
        let single = try CLI.run(Self.tiny + ["--out", dir + "/one"], environment: ["FACENAS_THREADS": "1"])
        #expect(single.status == 0, "\(single.stderr)")
        let two = try MPI.succeed(ranks: 2, Self.tiny + ["--out", dir + "/two"])
        let a = try Self.records(dir + "/one"), b = try Self.records(dir + "/two")
        #expect(Set(b.map { $0["rank"] as! Int }) == [0, 1])
        #expect(a.count == 12 && Self.scores(a) == Self.scores(b))
        #expect(try Self.statistics(dir + "/one") == Self.statistics(dir + "/two"))
    }

    /// The `size:` proxy the face study measures is usable by the face search: `--input-size`
    /// below the data's size trains and ranks on the same images, resized.
    @Test func faceSearchTrainsAtASmallerInputSize() throws {
        let dir = CLI.temporaryDirectory("study-size-proxy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let synth = try CLI.run(["synth", "--out", dir + "/synth", "--size", "32", "--identities", "40", "--images-per-identity", "6", "--seed", "6"])
        #expect(synth.status == 0, "\(synth.stderr)")
        let common = ["search", "--data", "synth:" + dir + "/synth", "--space", "ir", "--max-width", "8", "--min-width", "8",
                      "--embedding-size", "16", "--batch-size", "16", "--ranking-pairs", "100", "--heldout-fraction", "0.2",
                      "--max-candidates", "1", "--input-size", "16"]
        let r = try CLI.run(common + ["--out", dir + "/s"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("16x16"), "\(r.stdout)")
        let bad = try CLI.run(common + ["--rank-on", dir + "/synth/verification/synth.bin", "--out", dir + "/t"])
        #expect(bad.status != 0 && bad.stderr.contains("--input-size 16 with --rank-on FILE.bin"), "\(bad.stderr)")
    }
}
