import Foundation
import Testing

/// Commands never replace a good earlier output with nothing, and a pipeline may only remove what
/// lies in its own run folder (issue #18's data-loss cases).
@Suite(.serialized) struct OutputSafetyTests {
    /// `embed` over a folder where no image decodes: exit 1 naming the folder, and the E.npy,
    /// names and norms of an earlier good run byte for byte as they were.
    @Test func embedThatEmbedsNothingKeepsTheEarlierFiles() throws {
        let (data, model) = FaceCommandErrorTests.setup
        let dir = CLI.temporaryDirectory("safety-embed")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try CLI.run(["embed", "--model", model, "--images", data + "/tinyface", "--out", dir + "/E.npy"])
        #expect(good.status == 0, "\(good.stderr)")
        let files = ["E.npy", "E.names.txt", "E.norms.npy"].map { dir + "/" + $0 }
        let before = files.map { FileManager.default.contents(atPath: $0) }
        #expect(before.allSatisfy { $0 != nil })

        let broken = dir + "/broken"
        try FileManager.default.createDirectory(atPath: broken, withIntermediateDirectories: true)
        for i in 0..<3 { try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).write(to: URL(fileURLWithPath: broken + "/\(i).jpg")) }
        let r = try CLI.run(["embed", "--model", model, "--images", broken, "--out", dir + "/E.npy"])
        #expect(r.status == 1)
        let last = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.contains(broken) && last.contains("none of the 3 images could be embedded"), "\(r.stderr)")
        #expect(files.map { FileManager.default.contents(atPath: $0) } == before)
    }

    /// When one of the three outputs cannot be written (its name is taken by a folder), none of
    /// the three is replaced.
    @Test func embedReplacesAllThreeFilesOrNone() throws {
        let (data, model) = FaceCommandErrorTests.setup
        let dir = CLI.temporaryDirectory("safety-embed-names")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir + "/E.npy"))
        try FileManager.default.createDirectory(atPath: dir + "/E.names.txt", withIntermediateDirectories: true)
        let r = try CLI.run(["embed", "--model", model, "--images", data + "/tinyface", "--out", dir + "/E.npy"])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").last?.contains("E.names.txt") == true, "\(r.stderr)")
        #expect(FileManager.default.contents(atPath: dir + "/E.npy") == Data("old".utf8))
        #expect(!FileManager.default.fileExists(atPath: dir + "/E.norms.npy"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// A stage's `clean` path outside the run folder is refused by `run --check` and by a run,
    /// before anything is removed.
    @Test func pipelineCleanPathsStayInsideTheRunFolder() throws {
        let dir = CLI.temporaryDirectory("safety-clean")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let precious = dir + "/precious"
        try FileManager.default.createDirectory(atPath: precious, withIntermediateDirectories: true)
        for clean in [precious, "{run}/../precious"] {
            let json = #"{"name": "x", "description": "", "stages": [{"name": "a", "args": ["bench", "--case", "tiny-sep12-w64", "--iterations", "1"], "clean": [""# + clean + #""]}]}"#
            let file = dir + "/p.json"
            try PipelineTests.write(json, to: file)
            for extra in [["--check"], ["--out", dir + "/run"]] {
                let r = try CLI.run(["run", file] + extra)
                #expect(r.status == 1, "\(clean) \(extra): \(r.stdout)")
                let lines = r.stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].contains("clean path") && lines[0].contains("outside the run folder"), "\(r.stderr)")
            }
            #expect(FileManager.default.fileExists(atPath: precious))
        }
    }
}
