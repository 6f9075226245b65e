import Foundation
import Search
import Testing

/// `facenas search` end to end: the authors' recorded runs, and a real search on Fashion-MNIST that
/// is killed mid-candidate and resumed.
@Suite(.serialized) struct SearchCLITests {
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/SearchTests/Fixtures").path

    static func finalLine(_ stdout: String) -> String? {
        stdout.split(separator: "\n").last { $0.hasPrefix("final: ") }.map(String.init)
    }

    @Test(arguments: [("cifar10-tiny.jsonl", 3, "final: depth=26 width=43 macro-width=46 std=0,2 k5=13,17 candidates=86"),
                      ("fashionmnist-tiny.jsonl", 1, "final: depth=18 width=46 macro-width=54 std=1,5,9 k5=8 candidates=58")])
    func authorsRecordedSearch(file: String, channels: Int, expected: String) throws {
        let out = CLI.temporaryDirectory("search-\(channels)")
        let r = try CLI.run(["search", "--space", "plain", "--in-channels", "\(channels)", "--classes", "10", "--max-width", "64",
                             "--scores", "\(Self.fixtures)/\(file)", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").last.map(String.init) == expected)
        // best-arch.json is what inspect and train read; report.json uses fractions.
        let inspect = try CLI.run(["inspect", "--arch", out + "/macro-arch.json"])
        #expect(inspect.stdout.contains(channels == 3 ? "params: 466312" : "params: 508258"), "\(inspect.stdout)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as? [String: Any]
        #expect(report?["final_line"] as? String == expected)
        let rows = report?["records"] as? [[String: Any]]
        #expect(rows?.count == (channels == 3 ? 86 : 58))
        #expect(((rows?.first?["accuracy"] as? Double) ?? 2) < 1)
        #expect(FileManager.default.fileExists(atPath: out + "/search.svg"))
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.contains(expected) && html.contains("<svg") && html.components(separatedBy: "<tr").count == (channels == 3 ? 86 : 58) + 5)   // 3 result rows, a header, the candidates
        // Rerunning reads every candidate back from the journal and decides the same.
        let again = try CLI.run(["search", "--in-channels", "\(channels)", "--classes", "10",
                                 "--scores", "\(Self.fixtures)/\(file)", "--out", out])
        #expect(again.stdout.contains("candidates in the journal are read back"))
        #expect(Self.finalLine(again.stdout) == expected)
    }

    @Test func journalProblemsThroughTheCommandLine() throws {
        let out = CLI.temporaryDirectory("search-journal")
        let args = ["search", "--in-channels", "1", "--classes", "10", "--scores", "\(Self.fixtures)/fashionmnist-tiny.jsonl", "--out", out]
        let stopped = try CLI.run(args + ["--max-candidates", "20"])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(stopped.stdout.contains("stopped: --max-candidates 20 reached"))
        #expect(Self.finalLine(stopped.stdout) == "final: depth=18 width=54 macro-width=54 std=- k5=- candidates=20")
        // A crash mid-write leaves a torn last line: reported by number, cut off, the search goes on.
        let journal = out + "/search.jsonl"
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: journal))
        h.seekToEndOfFile(); h.write(Data("{\"accuracy\": 94.1, \"dep".utf8)); h.closeFile()
        let resumed = try CLI.run(args)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("line 22 was torn"))
        #expect(Self.finalLine(resumed.stdout) == "final: depth=18 width=46 macro-width=54 std=1,5,9 k5=8 candidates=58")
        // Another configuration is refused, naming the setting.
        let other = try CLI.run(args + ["--min-depth", "8"])
        #expect(other.status != 0)
        #expect(other.stderr.contains("--min-depth 10 in the journal, 8 now"))
    }

    /// `--max-hours` stops cleanly with a valid journal and the best architecture so far (here before
    /// the first candidate; the stop inside a candidate is tested in SearchTests).
    @Test func maxHoursStopsCleanly() throws {
        let out = CLI.temporaryDirectory("search-hours")
        let r = try CLI.run(["search", "--data", "fashion-mnist:\(CLI.fashionMNIST)", "--subset", "200", "--max-width", "8",
                             "--min-width", "6", "--min-depth", "3", "--max-depth", "3", "--epochs-start", "2",
                             "--heldout-fraction", "0.01", "--max-hours", "0.000001", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("stopped: --max-hours"))
        #expect(Self.finalLine(r.stdout) == "final: depth=3 width=8 macro-width=8 std=- k5=- candidates=0")
        #expect(try SearchFile(path: out + "/search.jsonl").records.isEmpty)
        #expect(FileManager.default.fileExists(atPath: out + "/best-arch.json"))
    }

    static func journalIndices(_ path: String) throws -> [Int] {
        try SearchFile(path: path).records.map { $0.index ?? -1 }
    }

    /// SIGKILL inside a multi-epoch candidate, then the same command: the search resumes (finished
    /// candidates read back, the killed one continued from its checkpoint), the journal has no
    /// duplicate or torn record, and the final line equals an uninterrupted run's.
    @Test func killedSearchResumesToTheSameResult() throws {
        let common = ["search", "--data", "fashion-mnist:\(CLI.fashionMNIST)", "--subset", "300", "--max-width", "8", "--min-width", "4",
                      "--min-depth", "3", "--max-depth", "5", "--epochs-start", "3", "--micro-epochs", "1",
                      "--heldout-fraction", "0.01", "--seed", "3"]
        let whole = CLI.temporaryDirectory("search-whole"), killed = CLI.temporaryDirectory("search-killed")
        let w = try CLI.run(common + ["--out", whole])
        #expect(w.status == 0, "\(w.stderr)")
        let expected = try #require(Self.finalLine(w.stdout))

        let p = try CLI.start(common + ["--out", killed])
        // Kill once a later candidate has finished an epoch (its checkpoint exists) but not its last.
        var victim: String?
        CLI.wait(for: p, seconds: 300, interval: 5_000) {
            let dirs = (try? FileManager.default.contentsOfDirectory(atPath: killed + "/candidates")) ?? []
            victim = dirs.first { $0 >= "0002" && FileManager.default.fileExists(atPath: "\(killed)/candidates/\($0)/checkpoint.safetensors") }
            return victim != nil
        }
        #expect(p.isRunning, "the search finished before it could be interrupted")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let before = try Self.journalIndices(killed + "/search.jsonl")
        #expect(before.count >= 1)

        let r = try CLI.run(common + ["--out", killed])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("candidates in the journal are read back"))
        #expect(Self.finalLine(r.stdout) == expected)
        let after = try Self.journalIndices(killed + "/search.jsonl")
        #expect(after == Array(0..<after.count), "journal indices \(after)")
        #expect(after.count == Int(expected.split(separator: "=").last!))
        // Scores of the resumed search equal the uninterrupted one's, candidate for candidate.
        let a = try SearchFile(path: whole + "/search.jsonl").records, b = try SearchFile(path: killed + "/search.jsonl").records
        #expect(a.map(\.accuracy) == b.map(\.accuracy))
        #expect(a.map(\.decision) == b.map(\.decision))
    }
}
