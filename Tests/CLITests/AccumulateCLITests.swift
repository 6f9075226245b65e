import Foundation
import Testing

/// `facenas train --task face --accumulate N` on synthetic faces: it trains, records N in the
/// run's settings (a resume with another N is refused by name), and a bad N is one clear line.
@Suite(.serialized) struct AccumulateCLITests {
    static let data: String = {
        let dir = CLI.temporaryDirectory("accumulate-data")
        _ = try! CLI.run(["synth", "--out", dir, "--size", "32", "--identities", "20", "--images-per-identity", "6", "--seed", "4"])
        return dir
    }()

    static func train(_ extra: [String], out: String) throws -> CLI.Result {
        try CLI.run(["train", "--task", "face", "--data", "synth:" + data, "--space", "ir", "--width", "4", "--stages", "1,1,1,1",
                     "--embedding-size", "16", "--epochs", "1", "--batch-size", "16", "--val-pairs", "40", "--out", out] + extra)
    }

    /// stderr without ArgumentParser's usage lines; exactly one line is expected.
    static func errorLines(_ r: CLI.Result) -> [Substring] {
        r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.hasPrefix("Help:") && !$0.isEmpty }
    }

    @Test func trainsWithAccumulationAndRecordsIt() throws {
        let dir = CLI.temporaryDirectory("accumulate-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.train(["--accumulate", "4"], out: dir + "/run")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("batch 16 (4 micro-batches of 4)"), "\(r.stdout)")
        #expect(r.stdout.contains("epoch 1/1"), "\(r.stdout)")
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/run/metrics.json"))) as! [String: Any]
        let config = try #require(metrics["config"] as? [String: Any])
        #expect(config["accumulate"] as? Int == 4)
        let history = try #require(metrics["history"] as? [[String: Any]])
        let loss = try #require(history.first?["train_loss"] as? Double)
        #expect(loss.isFinite && loss > 0)

        // Resuming with another --accumulate is refused by name; with the same one it is accepted.
        let other = try Self.train(["--accumulate", "2", "--resume"], out: dir + "/run")
        #expect(other.status != 0)
        #expect(Self.errorLines(other).count == 1 && other.stderr.contains("--accumulate 4"), "\(other.stderr)")
        let same = try Self.train(["--accumulate", "4", "--resume"], out: dir + "/run")
        #expect(same.status == 0 && same.stdout.contains("resuming after epoch 1"), "\(same.stderr)")
    }

    @Test(arguments: [(["--accumulate", "0"], ["--accumulate", "0"]),
                      (["--accumulate", "3"], ["--accumulate 3", "--batch-size 16"]),
                      (["--accumulate", "32"], ["--accumulate 32", "--batch-size 16"])])
    func badValueIsOneClearLine(args: [String], mentions: [String]) throws {
        let dir = CLI.temporaryDirectory("accumulate-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.train(args, out: dir + "/run")
        #expect(r.status != 0)
        let lines = Self.errorLines(r)
        #expect(lines.count == 1, "expected one error line, got: \(r.stderr)")
        for m in mentions { #expect(r.stderr.contains(m), "\(r.stderr) should name \(m)") }
    }
}
