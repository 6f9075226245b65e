import Metrics
import Foundation
import Search

/// The report's tables as rows of cells, shared by the Markdown and HTML forms so both show the
/// same numbers. Accuracies print as percent; report.json keeps fractions.
extension RunReport {
    struct Table {
        var header: [String]
        var rows: [[String]]
    }

    static func percent(_ x: Double?) -> String { x.map { String(format: "%.2f%%", 100 * $0) } ?? "—" }
    static func seconds(_ x: Double?) -> String { x.map { String(format: "%.1f", $0) } ?? "—" }

    var timingsTable: Table? {
        guard let t = timings else { return nil }
        return Table(header: ["stage", "status", "seconds"],
                     rows: t.stages.map { [$0.name, $0.status, Self.seconds($0.seconds)] } + [["total", "", Self.seconds(t.totalSeconds)]])
    }

    var architectureTable: Table? {
        guard !architectures.isEmpty else { return nil }
        return Table(header: ["", "file", "space", "input", "depth", "stages", "width", "embedding", "params", "MACs", "std convs", "5×5 convs"],
                     rows: architectures.map { a in
                        [a.role, a.file, a.space, "\(a.inputSize)", "\(a.depth)", a.stages.map(ArchitectureSummary.list) ?? "—", "\(a.width)",
                         a.embeddingSize.map(String.init) ?? "—", "\(a.params)", "\(a.macs)",
                         ArchitectureSummary.list(a.standardLayers), ArchitectureSummary.list(a.k5Layers)]
                     })
    }

    /// Per-stage cost of each ir architecture, labelled by role.
    var stageTables: [(role: String, table: Table)] {
        architectures.compactMap { a in
            a.perStage.map { stages in
                (a.role, Table(header: ["stage", "blocks", "width", "output size", "params", "MACs"],
                               rows: stages.map { ["\($0.stage)", "\($0.blocks)", "\($0.width)", "\($0.outputSize)×\($0.outputSize)", "\($0.params)", "\($0.macs)"] }))
            }
        }
    }

    var trainingTable: Table? {
        guard let t = training else { return nil }
        return Table(header: ["epochs", "final train loss", "final train accuracy", "best validation", "best epoch", "training seconds"],
                     rows: [["\(t.epochs)", String(format: "%.4f", t.finalTrainLoss), Self.percent(t.finalTrainAccuracy),
                             Self.percent(t.bestValidation), t.bestEpoch.map(String.init) ?? "—", Self.seconds(t.seconds)]])
    }

    var verificationTable: Table? {
        guard let v = verification else { return nil }
        let fars = v.sets.first.map { Array($0.tarAtFar.keys).sorted { (Double($0) ?? 0) > (Double($1) ?? 0) } } ?? []
        return Table(header: ["set", "pairs", "model accuracy", "± std", "raw pixels", "difference (points)", "threshold"] + fars.map { "TAR@FAR=\($0)" },
                     rows: v.sets.map { s in
                        [s.name, "\(s.pairs)", Self.percent(s.modelAccuracy), Self.percent(s.modelAccuracyStd),
                         s.pixelAccuracy.map { Self.percent($0) } ?? "not run", s.differencePoints.map { String(format: "%+.1f", $0) } ?? "—",
                         String(format: "%.2f", s.threshold)]
                            + fars.map { f -> String in
                                let tar: Double? = s.tarAtFar[f] ?? nil
                                return tar.map { Self.percent($0) } ?? "n/a"
                            }
                     })
    }

    var identificationTable: Table? {
        guard let i = identification else { return nil }
        return Table(header: ["set", "probes", "gallery"] + identificationRanks.map { "rank-\($0.rank)" } + ["mAP"],
                     rows: [[i.name ?? "", "\(i.probes)", "\(i.gallery)"] + identificationRanks.map { Self.percent($0.rate) } + [Self.percent(i.map)]])
    }

    var queryTable: Table? {
        guard let q = query else { return nil }
        return Table(header: ["rank", "gallery image", "cosine score"], rows: q.top.map { ["\($0.rank)", $0.name, String(format: "%.4f", $0.score)] })
    }
}
