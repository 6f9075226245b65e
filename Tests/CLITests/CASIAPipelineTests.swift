import Foundation
import Testing

/// The CASIA-WebFace search pipeline cannot run at scale here (about a day per IR-18 epoch); it is
/// validated by `--check` (PipelineTests) and here by running its search and training stages, as
/// shipped, on a tiny RecordIO in CASIA's layout at 112×112 with the budgets cut by `--set`.
@Suite(.serialized) struct CASIAPipelineTests {
    @Test func searchAndTrainStagesRunOnATinyRecordIO() throws {
        let dir = CLI.temporaryDirectory("casia-pipeline")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/synth"
        let synth = try CLI.run(["synth", "--out", data, "--size", "112", "--identities", "30", "--images-per-identity", "6", "--seed", "4"])
        #expect(synth.status == 0, "\(synth.stderr)")
        // The five .bin files only have to exist for `requires`: the verify stage is not reached.
        let bins = dir + "/bins"
        try FileManager.default.createDirectory(atPath: bins, withIntermediateDirectories: true)
        for name in ["lfw", "cfp_fp", "agedb_30", "calfw", "cplfw"] {
            try FileManager.default.copyItem(atPath: data + "/verification/synth.bin", toPath: "\(bins)/\(name).bin")
        }
        let file = CLI.packageRoot.appendingPathComponent("pipelines/casia-search-small.json").path
        let run = dir + "/run"
        let args = ["run", file, "--out", run, "--set", "casia=\(data)/train", "--set", "bins=\(bins)", "--set", "max_candidates=2",
                    "--set", "search_batch_size=32", "--set", "train_epochs=1", "--set", "batch_size=32", "--until", "train"]
        let r = try CLI.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("stopped after stage train (--until)"))
        // 22 training people (30 less 4 verification and 4 TinyFace): 2 held out for ranking, 20 × 6 photos train.
        #expect(r.stdout.contains("candidates train on 120 images of 20 identities  112x112"), "\(r.stdout)")
        #expect(r.stdout.contains("stopped: --max-candidates 2 reached"))
        #expect(FileManager.default.fileExists(atPath: run + "/search/macro-arch.json"))
        #expect(FileManager.default.fileExists(atPath: run + "/train/best.safetensors"))
        let journal = try String(contentsOfFile: run + "/search/search.jsonl", encoding: .utf8)
        #expect(journal.split(separator: "\n").count == 3)  // settings + 2 candidates
        let state = try String(contentsOfFile: run + "/pipeline-state.json", encoding: .utf8)
        #expect(state.contains("\"status\" : \"done\"") || state.contains("\"status\":\"done\""))
        #expect(!FileManager.default.fileExists(atPath: run + "/verify.json"))
    }
}
