import Metrics
import Foundation

extension RunReport {
    /// Reads every stage output present in run folder `directory`; absent ones go to `notRun`.
    public init(directory: String) throws {
        func path(_ p: String) -> String { (directory as NSString).appendingPathComponent(p) }
        typealias In = RunReportInputs
        self.directory = directory
        notRun = []
        headline = ""
        architectures = []

        if let p = try In.read(In.PipelineState.self, path("pipeline-state.json")) {
            // The report stage itself is still "started" while it writes this report.
            let stages = p.stages.map { s in
                Stage(name: s.name, status: s.status == "started" && s.args?.first == "report" ? "running (this report)" : s.status ?? "?",
                      seconds: s.seconds)
            }
            timings = Timings(pipeline: p.pipeline, stages: stages, totalSeconds: stages.reduce(0) { $0 + ($1.seconds ?? 0) })
        } else { notRun.append("pipeline timings (pipeline-state.json)") }

        if let s = try In.read(In.Search.self, path("search/report.json")) {
            let accepted: Set<String> = ["accept", "start", "baseline"]
            search = SearchSummary(candidates: s.candidates, expectedCandidates: s.expected_candidates, stopped: s.stopped,
                                   finalLine: s.final_line, computeSeconds: s.compute_seconds,
                                   depth: s.final.depth, width: s.final.width, params: s.final.params,
                                   trajectory: s.records.map { SearchPoint(index: $0.index, phase: $0.phase, accuracy: $0.accuracy,
                                                                           accepted: accepted.contains($0.decision ?? "")) })
        } else { notRun.append("search (search/report.json)") }

        architectures = try ArchitectureEntry.read(in: directory)
        if architectures.isEmpty { notRun.append("architecture (search/best-arch.json, train/best.safetensors)") }

        if let t = try In.read(In.Training.self, path("train/metrics.json")) {
            guard let last = t.history.last else { throw RunReportError("\(path("train/metrics.json")): empty history, expected at least one finished epoch") }
            training = Training(epochs: t.history.count, finalTrainLoss: last.train_loss, finalTrainAccuracy: last.train_accuracy,
                                bestValidation: t.best_validation ?? t.best_test_accuracy, bestEpoch: t.best_epoch,
                                seconds: t.history.reduce(0) { $0 + $1.seconds })
        } else { notRun.append("training (train/metrics.json)") }

        let model = try In.read(In.Verify.self, path("verify.json"))
        let pixels = try In.read(In.Verify.self, path("verify-pixels.json"))
        if model == nil { notRun.append("verification (verify.json)") }
        if pixels == nil { notRun.append("raw-pixel baseline (verify-pixels.json)") }
        if let model {
            let byName = Dictionary(pixels?.sets.map { ($0.name, $0) } ?? [], uniquingKeysWith: { a, _ in a })
            verification = VerificationSummary(model: model.model, sets: model.sets.map { m in
                let p = byName[m.name]
                return VerificationRow(name: m.name, pairs: m.pairs, modelAccuracy: m.accuracy, modelAccuracyStd: m.accuracy_std,
                                       threshold: m.threshold, pixelAccuracy: p?.accuracy, pixelAccuracyStd: p?.accuracy_std,
                                       differencePoints: p.map { 100 * (m.accuracy - $0.accuracy) }, tarAtFar: m.tar_at_far ?? [:])
            })
            for m in model.sets { if let r = m.roc { rocCurves.append((m.name + " model", r.fpr, r.tpr)) } }
        }
        for p in pixels?.sets ?? [] { if let r = p.roc { rocCurves.append((p.name + " pixels", r.fpr, r.tpr)) } }

        if let i = try In.read(In.Identify.self, path("identify.json")) {
            identification = Identification(name: i.name, probes: i.probes_evaluated, gallery: i.gallery,
                                            ranks: Dictionary(uniqueKeysWithValues: i.ranks.map { ("rank\($0.rank)", $0.rate) }), map: i.map)
            identificationRanks = i.ranks
            cmc = i.cmc
        } else { notRun.append("identification (identify.json)") }

        query = try In.read(QueryResult.self, path("query.json"))
        if query == nil { notRun.append("query (query.json)") }

        headline = Self.headline(verification)
    }

    /// `held-out verification (synth): 94.3% model vs 70.5% raw pixels (+23.8 points)`, on the first
    /// set of verify.json, which the pipeline keeps for the held-out identities.
    static func headline(_ v: VerificationSummary?) -> String {
        guard let first = v?.sets.first else { return "verification not run" }
        var s = "held-out verification (\(first.name)): " + String(format: "%.1f%% model", 100 * first.modelAccuracy)
        if let p = first.pixelAccuracy, let d = first.differencePoints {
            s += String(format: " vs %.1f%% raw pixels (%+.1f points)", 100 * p, d)
        } else {
            s += " (raw-pixel baseline not run)"
        }
        return s
    }
}
