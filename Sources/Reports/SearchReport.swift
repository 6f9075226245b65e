import Datasets
import Metrics
import Foundation
import Search

/// The human- and machine-readable summary of a search: `report.md`, `report.json`,
/// `report.html` and `search.svg` (accuracy of every candidate in order, coloured by phase).
public struct SearchReport: Encodable {
    public struct Final: Encodable {
        var depth: Int, width: Int, macroWidth: Int, standardLayers: [Int], k5Layers: [Int]
        var params: Int, macroParams: Int
        enum CodingKeys: String, CodingKey {
            case depth, width, params
            case macroWidth = "macro_width", standardLayers = "std_layers", k5Layers = "k5_layers", macroParams = "macro_params"
        }
    }

    public var final: Final
    public var candidates: Int
    /// 2·D_f + D′ + W′ + 1, the authors' count for a search that runs to its end.
    public var expectedCandidates: Int
    public var depthCandidates: Int, widthCandidates: Int, microCandidates: Int
    public var stopped: String?
    /// Seconds spent scoring candidates, in total and per phase.
    public var computeSeconds: Double
    public var phaseSeconds: [String: Double]
    public var configuration: SearchConfiguration
    /// The journal's records (percent, as the journal keeps them); report.json carries `rows` instead.
    public var records: [SearchRecord]
    public var finalLine: String

    /// A candidate as report.json lists it: accuracies as fractions, like every JSON output except
    /// the journal and scores files.
    struct Row: Encodable {
        var index: Int, phase: String, depth: Int, width: Int, standardLayers: [Int], k5Layers: [Int], epochs: Int
        var params: Int?, macs: Int?
        var trainAccuracy: Double, accuracy: Double, decision: String, seconds: Double
        enum CodingKeys: String, CodingKey {
            case index, phase, depth, width, epochs, params, macs, accuracy, decision, seconds
            case standardLayers = "std_layers", k5Layers = "k5_layers", trainAccuracy = "train_accuracy"
        }
    }

    /// `records` as report.json lists them.
    let rows: [Row]
    let units = "fractions"

    enum CodingKeys: String, CodingKey {
        case final, candidates, stopped, configuration, units
        case rows = "records"
        case expectedCandidates = "expected_candidates", depthCandidates = "depth_candidates"
        case widthCandidates = "width_candidates", microCandidates = "micro_candidates"
        case computeSeconds = "compute_seconds", phaseSeconds = "phase_seconds", finalLine = "final_line"
    }

    public init(outcome: SearchOutcome, records: [SearchRecord], configuration: SearchConfiguration, space: any SearchSpace) {
        let a = outcome.architecture, m = outcome.macroArchitecture
        final = Final(depth: a.depth, width: a.width, macroWidth: m.width, standardLayers: a.standardLayers, k5Layers: a.k5Layers,
                      params: space.parameterCount(a), macroParams: space.parameterCount(m))
        candidates = outcome.candidates
        expectedCandidates = outcome.expectedCandidates
        depthCandidates = outcome.depthCandidates; widthCandidates = outcome.widthCandidates
        microCandidates = outcome.microCandidates
        stopped = outcome.stopped
        computeSeconds = records.reduce(0) { $0 + ($1.seconds ?? 0) }
        var ps: [String: Double] = [:]
        for r in records { ps[r.phase?.rawValue ?? "?", default: 0] += r.seconds ?? 0 }
        phaseSeconds = ps
        self.configuration = configuration
        self.records = records
        rows = records.enumerated().map { i, r in
            Row(index: (r.index ?? i) + 1, phase: r.phase?.rawValue ?? "", depth: r.depth, width: r.width,
                standardLayers: r.standardLayers, k5Layers: r.k5Layers,
                epochs: r.epochs, params: r.params, macs: r.macs, trainAccuracy: Double(r.trainAccuracy) / 100,
                accuracy: Double(r.accuracy) / 100, decision: r.decision?.rawValue ?? "", seconds: r.seconds ?? 0)
        }
        finalLine = outcome.finalLine
    }

    static let list = ArchitectureSummary.list

    public func markdown() -> String {
        var s = "# Search report\n\n"
        if let stopped { s += "**Stopped early:** \(stopped). The architecture below is the best found so far; rerun the same command to continue.\n\n" }
        s += "## Result\n\n| | depth | width | std-conv layers | 5×5 layers | params |\n|---|---|---|---|---|---|\n"
        s += "| searched (parameter-matched) | \(final.depth) | \(final.width) | \(Self.list(final.standardLayers)) | \(Self.list(final.k5Layers)) | \(final.params) |\n"
        s += "| macro width (the authors' final models) | \(final.depth) | \(final.macroWidth) | \(Self.list(final.standardLayers)) | \(Self.list(final.k5Layers)) | \(final.macroParams) |\n\n"
        s += "`\(finalLine)`\n\n"
        s += "Candidates: \(candidates) (depth \(depthCandidates), width \(widthCandidates), micro \(microCandidates) incl. baseline); "
        s += "the authors' count 2·D_f + D′ + W′ + 1 = \(expectedCandidates) (D_f: searchable convs of the final network)"
        s += stopped == nil ? (candidates == expectedCandidates ? " (matches).\n\n" : " (differs).\n\n") : " for a finished search.\n\n"
        s += String(format: "Compute time: %.1f s", computeSeconds)
        s += " (" + SearchPhase.allCases.compactMap { p in phaseSeconds[p.rawValue].map { String(format: "%@ %.1f s", p.rawValue, $0) } }.joined(separator: ", ") + ")\n\n"
        let c = configuration
        s += "Ranking: \(c.rankingDescription).\n\n"
        s += "Settings: space \(c.space), data \(c.data ?? "-"), scores \(c.scores ?? "-")"
        if let f = c.face {
            s += ", loss \(f.loss), embedding \(f.embeddingSize), stage rule \(f.stageRule), subset identities "
            s += "\(f.subsetIdentities.map(String.init) ?? "all"), subset images \(f.subsetImages.map(String.init) ?? "all")"
        }
        s += ", subset \(c.subset.map(String.init) ?? "all"), seed \(c.seed), max width \(c.rules.maxWidth), min depth \(c.rules.minDepth), "
        s += "start epochs \(c.rules.budget.startEpochs), micro epochs \(c.rules.budget.microEpochs).\n\n"
        s += "Accuracies are percent on the ranking split, best epoch.\n\n"
        s += "## Candidates\n\n| # | phase | depth | width | std | 5×5 | epochs | params | train acc | acc | decision | s |\n"
        s += "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        for (i, r) in records.enumerated() {
            s += "| \((r.index ?? i) + 1) | \(r.phase?.rawValue ?? "") | \(r.depth) | \(r.width) | \(Self.list(r.standardLayers)) | \(Self.list(r.k5Layers)) | \(r.epochs) | "
            s += "\(r.params.map(String.init) ?? "") | " + String(format: "%.2f | %.2f | ", r.trainAccuracy, r.accuracy)
            s += "\(r.decision?.rawValue ?? "") | " + String(format: "%.1f |\n", r.seconds ?? 0)
        }
        return s
    }

    public func plot() -> SVGPlot {
        let colors: [SearchPhase: String] = [.depth: "#1f77b4", .width: "#ff7f0e", .microBaseline: "#7f7f7f",
                                             .microOp: "#2ca02c", .microKernel: "#d62728"]
        let series = SearchPhase.allCases.compactMap { p -> SVGPlot.Series? in
            let members = records.enumerated().filter { $0.element.phase == p }
            let pts = members.map { (x: Double(($0.element.index ?? $0.offset) + 1), y: Double($0.element.accuracy)) }
            let accepted = Set(members.indices.filter { [.accept, .start, .baseline].contains(members[$0].element.decision) })
            return pts.isEmpty ? nil : SVGPlot.Series(name: p.rawValue, color: colors[p]!, points: pts, marked: accepted)
        }
        var plot = SVGPlot(title: "Search trajectory", xLabel: "candidate", yLabel: "accuracy (%, best epoch)", series: series)
        plot.note = "outlined: accepted"
        return plot
    }

    /// A self-contained page: the result, the trajectory plot inline, the candidate table.
    public func html() -> String {
        func esc(_ s: String) -> String { SVGPlot.escape(s) }
        var h = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>FaceNAS search report</title>\n"
        h += "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:13px}"
        h += "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f3f3f3}.accept{background:#e6f4e6}"
        h += "code{background:#f3f3f3;padding:2px 4px}</style></head><body>\n<h1>Search report</h1>\n"
        if let stopped { h += "<p><b>Stopped early:</b> \(esc(stopped)). Best architecture so far; rerun the same command to continue.</p>\n" }
        h += "<table><tr><th></th><th>depth</th><th>width</th><th>std-conv layers</th><th>5×5 layers</th><th>params</th></tr>\n"
        h += "<tr><td>searched (parameter-matched)</td><td>\(final.depth)</td><td>\(final.width)</td><td>\(Self.list(final.standardLayers))</td><td>\(Self.list(final.k5Layers))</td><td>\(final.params)</td></tr>\n"
        h += "<tr><td>macro width</td><td>\(final.depth)</td><td>\(final.macroWidth)</td><td>\(Self.list(final.standardLayers))</td><td>\(Self.list(final.k5Layers))</td><td>\(final.macroParams)</td></tr></table>\n"
        h += "<p><code>\(esc(finalLine))</code></p>\n"
        h += String(format: "<p>Candidates: %d (authors' count for a finished search: %d). Compute time: %.1f s.</p>\n",
                    candidates, expectedCandidates, computeSeconds)
        h += "<p>Ranking: \(esc(configuration.rankingDescription)).</p>\n"
        h += plot().render() + "\n<h2>Candidates</h2>\n<p>Accuracies in percent on the ranking split, best epoch.</p>\n"
        h += "<table><tr><th>#</th><th>phase</th><th>depth</th><th>width</th><th>std</th><th>5×5</th><th>epochs</th><th>params</th><th>train acc</th><th>acc</th><th>decision</th><th>s</th></tr>\n"
        for r in rows {
            h += "<tr\(r.decision == "accept" ? " class=\"accept\"" : "")><td>\(r.index)</td><td>\(r.phase)</td><td>\(r.depth)</td><td>\(r.width)</td>"
            h += "<td>\(Self.list(r.standardLayers))</td><td>\(Self.list(r.k5Layers))</td><td>\(r.epochs)</td><td>\(r.params.map(String.init) ?? "")</td>"
            h += String(format: "<td>%.2f</td><td>%.2f</td>", 100 * r.trainAccuracy, 100 * r.accuracy)
            h += "<td>\(r.decision)</td>" + String(format: "<td>%.1f</td></tr>\n", r.seconds)
        }
        return h + "</table>\n</body></html>\n"
    }

    /// Writes report.md, report.json, report.html and search.svg into `directory` (each atomically).
    public func write(to directory: String) throws {
        let d = directory as NSString
        try Data(markdown().utf8).write(to: URL(fileURLWithPath: d.appendingPathComponent("report.md")), options: .atomic)
        try Data(html().utf8).write(to: URL(fileURLWithPath: d.appendingPathComponent("report.html")), options: .atomic)
        try writeJSON(self, to: d.appendingPathComponent("report.json"))
        try plot().write(to: d.appendingPathComponent("search.svg"))
    }
}
