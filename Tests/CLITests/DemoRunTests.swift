import Foundation
import Testing

/// `facenas demo` end to end at a reduced size: interrupted (SIGINT) once the search has finished
/// two candidates, run again — the search reads those back from its journal instead of retraining
/// them — and completed with every stage's output and the three reports in the run folder.
@Suite(.serialized) struct DemoRunTests {
    static func journalLines(_ path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test func interruptedDemoContinuesFromTheLastCandidateAndWritesItsReports() throws {
        let dir = CLI.temporaryDirectory("demo-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = dir + "/demo"
        // 40 people: 28 train, 6 verify, 6 TinyFace (the first TinyFace person is 28 + 6 + 1 = 35 → file prefix 35).
        let args = ["demo", "--out", run, "--set", "size=32", "--set", "identities=40", "--set", "images=8", "--set", "max_depth=5",
                    "--set", "train_epochs=3", "--set", "query_person=35"]
        let p = try CLI.start(args)
        let journal = run + "/search/search.jsonl"
        CLI.wait(for: p, seconds: 300) { Self.journalLines(journal) >= 3 }
        #expect(p.isRunning, "the demo finished before it could be interrupted")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        #expect(p.terminationStatus == 128 + SIGINT)
        let kept = Self.journalLines(journal) - 1
        #expect(kept >= 2)

        let r = try CLI.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("stage synth: done ("))
        #expect(r.stdout.contains("resuming: \(kept) candidates in the journal are read back, not retrained"), "\(r.stdout)")
        #expect(r.stdout.contains("pipeline demo finished"))
        for f in ["report.md", "report.json", "report.html", "verify.json", "verify-pixels.json", "identify.json", "query.json",
                  "gallery.npy", "roc.svg", "cmc.svg", "search/search.svg", "train/best.safetensors", "model.onnx"] {
            #expect(FileManager.default.fileExists(atPath: run + "/" + f), "\(f) missing")
        }
        let report = try String(contentsOfFile: run + "/report.md", encoding: .utf8)
        #expect(report.contains("raw pixels"))
        #expect(!report.contains("not run"), "\(report)")
        let html = try String(contentsOfFile: run + "/report.html", encoding: .utf8)
        #expect(!html.contains("<script"))
        let state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run + "/pipeline-state.json"))) as? [String: Any])
        let stages = try #require(state["stages"] as? [[String: Any]])
        #expect(stages.map { $0["name"] as? String ?? "" } == ["synth", "search", "train", "verify", "baseline", "identify", "embed", "query", "export", "report"])
        #expect(stages.allSatisfy { $0["status"] as? String == "done" })
    }
}
