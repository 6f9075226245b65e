import Foundation
import Testing

/// A runner killed with SIGKILL cannot pass the signal on; its running stage must still end rather
/// than train on as an orphan beside a rerun of the same pipeline. It does at its next line of
/// output: the runner held the read ends of its pipes, so the write raises SIGPIPE.
@Suite(.serialized) struct PipelineOrphanTests {
    /// Process ids whose command line mentions `needle`.
    static func processes(mentioning needle: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { e -> pid_t? in
            guard let pid = pid_t(e), let d = FileManager.default.contents(atPath: "/proc/\(e)/cmdline") else { return nil }
            let cmd = String(decoding: d.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmd.contains(needle) && cmd.contains(" train ") ? pid : nil
        }
    }

    @Test func stageEndsWhenItsRunnerIsKilled() throws {
        let dir = CLI.temporaryDirectory("pipeline-orphan")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/orphan.json", run = dir + "/run"
        try """
        {"name": "orphan-test", "description": "a stage that would run for minutes",
         "stages": [
          {"name": "synth", "args": ["synth", "--out", "{run}/synth", "--size", "32", "--identities", "20", "--seed", "2"], "clean": ["{run}/synth"]},
          {"name": "train", "args": ["train", "--task", "face", "--data", "synth:{run}/synth", "--space", "ir", "--width", "8",
             "--stages", "1,1,1,1", "--embedding-size", "32", "--batch-size", "16", "--epochs", "500", "--out", "{run}/train"],
           "resume_args": ["--resume"]}]}
        """.write(toFile: file, atomically: true, encoding: .utf8)

        let p = try CLI.start(["run", file, "--out", run])
        let checkpoint = run + "/train/checkpoint.safetensors"
        CLI.wait(for: p, seconds: 120) { FileManager.default.fileExists(atPath: checkpoint) }
        let stage = Self.processes(mentioning: run + "/train")
        #expect(stage.count == 1, "expected the train stage running, found \(stage)")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let deadline = Date().addingTimeInterval(15)
        while !Self.processes(mentioning: run + "/train").isEmpty && Date() < deadline { usleep(100_000) }
        let left = Self.processes(mentioning: run + "/train")
        #expect(left.isEmpty, "the train stage outlived its killed runner: \(left)")
        for pid in left { kill(pid, SIGKILL) }
        // The checkpoint written before the end is intact: the rerun continues from it.
        let r = try CLI.run(["run", file, "--out", run, "--check"])
        #expect(r.status == 0, "\(r.stderr)")
    }
}
