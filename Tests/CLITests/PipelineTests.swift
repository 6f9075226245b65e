import Foundation
import Testing

/// `facenas run FILE` and `facenas demo` through the built binary: every shipped pipeline file
/// validates, bad files and missing data fail with one line, and an interrupted run resumes.
@Suite(.serialized) struct PipelineTests {
    static let folder = CLI.packageRoot.appendingPathComponent("pipelines").path

    static var pipelineFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            .map { folder + "/" + $0 }
    }

    static func write(_ json: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try json.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func state(_ run: String) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: run + "/pipeline-state.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func statuses(_ run: String) throws -> [String: String] {
        let stages = try #require(try state(run)["stages"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: stages.map { ($0["name"] as? String ?? "?", $0["status"] as? String ?? "?") })
    }

    /// Parses, unique stage names, every stage's arguments accepted by the real parsers,
    /// protocol files present, `requires` sections that are datasets.md headings.
    @Test func everyPipelineFilePassesCheck() throws {
        let files = Self.pipelineFiles
        #expect(files.count >= 11, "expected the demo and ten more pipeline files, found \(files.count)")
        for file in files {
            let r = try CLI.run(["run", file, "--check"])
            #expect(r.status == 0, "\(file): \(r.stderr)")
            #expect(r.stdout.contains("ok: "), "\(file): \(r.stdout)")
        }
    }

    @Test func demoPrintEqualsTheFileByteForByte() throws {
        let r = try CLI.run(["demo", "--print"])
        #expect(r.status == 0, "\(r.stderr)")
        let file = try #require(FileManager.default.contents(atPath: Self.folder + "/demo.json"))
        #expect(Data(r.stdout.utf8) == file, "facenas demo --print differs from pipelines/demo.json: rerun scripts/embed-demo-pipeline.sh")
    }

    @Test func missingDataFailsAtOnceNamingTheSection() throws {
        let out = CLI.temporaryDirectory("pipeline-missing") + "/T"
        let file = Self.folder + "/verify-five.json"
        let r = try CLI.run(["run", file, "--set", "bins=/nonexistent", "--out", out])
        #expect(r.status != 0)
        #expect(r.stderr == "\(file): needs /nonexistent/lfw.bin (missing); see datasets.md, section "
                + "\"Verification sets (`bin:`) — LFW, CFP-FP, CFP-FF, AgeDB-30, CALFW, CPLFW\"\n")
        #expect(r.stdout.isEmpty, "nothing may run: \(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: out), "no run folder or state may be written")
    }

    /// Each broken file fails `--check` and a real run with one line that names it.
    @Test func badFilesFailWithOneLineNamingTheFile() throws {
        let dir = CLI.temporaryDirectory("pipeline-bad")
        let cases: [(String, String, [String])] = [
            ("unknown-command", #"{"name": "x", "description": "", "stages": [{"name": "a", "args": ["frobnicate"]}]}"#,
             ["unknown command \"frobnicate\""]),
            ("duplicate", #"{"name": "x", "description": "", "stages": [{"name": "a", "args": ["bench"]}, {"name": "a", "args": ["bench"]}]}"#,
             ["stage name \"a\" appears twice"]),
            ("unknown-variable", #"{"name": "x", "description": "", "variables": {"size": 56}, "stages": [{"name": "s", "args": ["synth", "--out", "{run}/s", "--size", "{sise}"]}]}"#,
             ["stage s: unknown variable {sise}", "size"]),
            ("bad-args", #"{"name": "x", "description": "", "stages": [{"name": "t", "args": ["train", "--epoch", "3"]}]}"#,
             ["stage t: train --epoch 3:"]),
            ("misspelt-key", #"{"name": "x", "description": "", "stages": [{"name": "t", "args": ["bench"], "resume-args": []}]}"#,
             ["stage t: unknown key \"resume-args\""]),
        ]
        for (name, json, phrases) in cases {
            let file = dir + "/\(name).json"
            try Self.write(json, to: file)
            for extra in [["--check"], ["--out", dir + "/run-\(name)"]] {
                let r = try CLI.run(["run", file] + extra)
                #expect(r.status != 0, "\(name) \(extra)")
                let lines = r.stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].hasPrefix(file + ": "), "\(name): \(r.stderr)")
                for p in phrases { #expect(r.stderr.contains(p), "\(name): expected \(p) in \(r.stderr)") }
                #expect(!FileManager.default.fileExists(atPath: dir + "/run-\(name)"))
            }
        }
        // An unknown --set name, and references to a protocol and a datasets.md section that do not exist.
        let good = dir + "/good.json"
        try Self.write(#"{"name": "g", "description": "", "variables": {"n": "1"}, "stages": [{"name": "b", "args": ["bench"]}]}"#, to: good)
        let set = try CLI.run(["run", good, "--set", "m=2", "--check"])
        #expect(set.status != 0 && set.stderr == "\(good): --set m: no such variable (this pipeline has: n)\n", "\(set.stderr)")

        let repo = dir + "/repo"
        try Self.write("# Data\n## Known set\n", to: repo + "/datasets.md")
        try FileManager.default.createDirectory(atPath: repo + "/protocols", withIntermediateDirectories: true)
        let section = repo + "/pipelines/section.json"
        try Self.write(#"{"name": "s", "description": "", "requires": [{"path": "/x", "section": "Unknown set"}], "stages": [{"name": "b", "args": ["bench"]}]}"#, to: section)
        let s = try CLI.run(["run", section, "--check"])
        #expect(s.status != 0 && s.stderr.contains("\"Unknown set\" is not a ##/### heading of \(repo)/datasets.md"), "\(s.stderr)")
        let proto = repo + "/pipelines/protocol.json"
        try Self.write(#"{"name": "p", "description": "", "stages": [{"name": "b", "args": ["bench"], "protocols": ["lfw"]}]}"#, to: proto)
        let p = try CLI.run(["run", proto, "--check"])
        #expect(p.status != 0 && p.stderr.contains("stage b: protocol \"lfw\" has no file \(repo)/protocols/lfw.json"), "\(p.stderr)")
    }

    /// SIGINT to the runner while `train` is in its second epoch; the rerun skips `synth`
    /// (its files untouched), resumes `train` from its checkpoint and finishes with `verify`.
    @Test func interruptedRunContinuesFromTheLastFinishedStage() throws {
        let dir = CLI.temporaryDirectory("pipeline-resume")
        let file = dir + "/resume.json", run = dir + "/run"
        try Self.write("""
        {"name": "resume-test", "description": "three cheap real stages", "variables": {"epochs": "3"},
         "stages": [
          {"name": "synth", "args": ["synth", "--out", "{run}/synth", "--size", "32", "--identities", "20", "--seed", "2"], "clean": ["{run}/synth"]},
          {"name": "train", "args": ["train", "--task", "face", "--data", "synth:{run}/synth", "--space", "ir", "--width", "8",
             "--stages", "1,1,1,1", "--embedding-size", "32", "--batch-size", "32", "--epochs", "{epochs}", "--out", "{run}/train"],
           "resume_args": ["--resume"]},
          {"name": "verify", "args": ["verify", "--model", "{run}/train/best.safetensors", "--bin", "{run}/synth/verification/synth.bin",
             "--json", "{run}/verify.json"]}]}
        """, to: file)

        let p = try CLI.start(["run", file, "--out", run])
        let checkpoint = run + "/train/checkpoint.safetensors"
        CLI.wait(for: p, seconds: 120, interval: 10_000) { FileManager.default.fileExists(atPath: checkpoint) }
        #expect(p.isRunning, "the pipeline finished before it could be interrupted")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == 128 + SIGINT)
        #expect(try Self.statuses(run) == ["synth": "done", "train": "started"])
        #expect(!FileManager.default.fileExists(atPath: run + "/verify.json"))

        let manifest = run + "/synth/synth.json"
        let before = try FileManager.default.attributesOfItem(atPath: manifest)[.modificationDate] as? Date
        let r = try CLI.run(["run", file, "--out", run])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("stage synth: done ("), "\(r.stdout)")
        #expect(r.stdout.contains("), skipped"))
        #expect(!r.stdout.contains("== stage 1/3: synth =="), "synth must not run again")
        #expect(r.stdout.contains("== stage 2/3: train =="))
        #expect(r.stdout.contains("== stage 3/3: verify =="))
        let after = try FileManager.default.attributesOfItem(atPath: manifest)[.modificationDate] as? Date
        #expect(before != nil && before == after, "synth.json was rewritten")
        let log = try String(contentsOfFile: run + "/logs/train.log", encoding: .utf8)
        #expect(log.contains("resuming after epoch"), "\(log)")
        #expect(log.contains("--resume"))
        #expect(try Self.statuses(run) == ["synth": "done", "train": "done", "verify": "done"])
        let stages = try #require(try Self.state(run)["stages"] as? [[String: Any]])
        #expect(stages.allSatisfy { ($0["seconds"] as? Double ?? 0) > 0 && $0["finished"] is String })
        #expect(FileManager.default.fileExists(atPath: run + "/verify.json"))
        #expect(r.stdout.contains("total"))

        // Another value for a variable is refused for this run folder.
        let other = try CLI.run(["run", file, "--out", run, "--set", "epochs=4"])
        #expect(other.status != 0 && other.stderr.contains("variable epochs was \"3\" in this run, now \"4\""), "\(other.stderr)")
    }
}
