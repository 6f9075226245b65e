import Datasets
import Foundation
import Search

/// The study report's Markdown, HTML and plots: the agreement-against-cost table and one scatter
/// per budget (budget score against reference score, τ-b in the title).
extension StudyReport {
    var scope: String {
        let c = configuration
        return "\(networks.count) of \(networksPlanned) networks of the \(c.space.rawValue) space (depth \(c.bounds.minDepth)–\(c.bounds.maxDepth), "
            + "width \(c.bounds.minWidth)–\(c.bounds.maxWidth) step \(c.bounds.widthStep)), data \(c.data)"
            + (c.subset.map { ", \($0) training images" } ?? "") + ", reference \(c.referenceEpochs) epochs, seed \(c.seed)"
    }

    static func flops(_ x: Double) -> String { x == 0 ? "0" : String(format: "%.3g", x) }

    public func markdown() -> String {
        var m = "# Ranking study\n\n\(scope).\n\n"
        if networks.count < networksPlanned {
            m += "**Incomplete:** \(networksPlanned - networks.count) networks have not finished every training; rerun the same command to continue.\n\n"
        }
        m += "Scores: the search's ranking score (best epoch's accuracy on the held-out ranking split). "
        m += "Intervals: paired bootstrap, \(bootstrap.resamples.count) resamples of the networks, 95%.\n\n"
        m += "| budget | Kendall τ-b | 95% | Spearman ρ | 95% | top-5 | top-10 | network-epochs | seconds | training FLOPs |\n"
        m += "|---|---|---|---|---|---|---|---|---|---|\n"
        m += "| reference | 1 | | 1 | | 1 | 1 | \(reference.candidateEpochs) | \(String(format: "%.0f", reference.seconds)) | \(Self.flops(reference.flops)) |\n"
        for b in budgets {
            m += "| \(b.budget) | \(Self.fixed(b.kendallTauB)) | \(Self.range(b.kendallInterval)) | \(Self.fixed(b.spearmanRho)) | "
            m += "\(Self.range(b.spearmanInterval)) | \(b.top5.map { Self.fixed($0) } ?? "-") | \(b.top10.map { Self.fixed($0) } ?? "-") | "
            m += "\(b.cost.candidateEpochs) | \(String(format: "%.0f", b.cost.seconds)) | \(Self.flops(b.cost.flops)) |\n"
        }
        m += "\n## Networks\n\nScores in percent.\n\n| # | depth | width | params | reference |"
        m += budgets.map { " \($0.budget) |" }.joined() + "\n|---|---|---|---|---|" + budgets.map { _ in "---|" }.joined() + "\n"
        for (i, n) in networks.enumerated() {
            m += "| \(n.index + 1) | \(n.depth) | \(n.width) | \(n.params) | \(String(format: "%.2f", 100 * n.referenceScore)) |"
            m += budgets.map { b in
                b.budget == "params" ? " \(n.params) |" : String(format: " %.2f (%d ep) |", 100 * b.scores[i], b.epochs[i])
            }.joined() + "\n"
        }
        return m
    }

    public func plots() -> [(name: String, plot: SVGPlot)] {
        let ref = networks.map { 100 * $0.referenceScore }
        return budgets.map { b in
            let isParams = b.budget == "params"
            let ys = isParams ? b.scores.map { $0 / 1e6 } : b.scores.map { 100 * $0 }
            var plot = SVGPlot(title: "\(b.budget): tau-b \(Self.fixed(b.kendallTauB)), rho \(Self.fixed(b.spearmanRho))",
                               xLabel: "reference score (%)", yLabel: isParams ? "parameters (M)" : "budget score (%)",
                               series: [SVGPlot.Series(name: b.budget, color: "#1f77b4", points: zip(ref, ys).map { ($0, $1) })])
            plot.note = "one point per network"
            return ("scatter-\(Self.fileName(b.budget)).svg", plot)
        }
    }

    static func fileName(_ budget: String) -> String {
        String(budget.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }

    public func html() -> String {
        func esc(_ s: String) -> String { SVGPlot.escape(s) }
        var h = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>FaceNAS ranking study</title>\n"
        h += "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:13px}"
        h += "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f3f3f3}</style></head><body>\n"
        h += "<h1>Ranking study</h1>\n<p>\(esc(scope)).</p>\n"
        if networks.count < networksPlanned { h += "<p><b>Incomplete:</b> rerun the same command to continue.</p>\n" }
        h += "<h2>Agreement against cost</h2>\n<table><tr><th>budget</th><th>Kendall τ-b</th><th>95%</th><th>Spearman ρ</th><th>95%</th>"
        h += "<th>top-5</th><th>top-10</th><th>network-epochs</th><th>seconds</th><th>training FLOPs</th></tr>\n"
        h += "<tr><td>reference</td><td>1</td><td></td><td>1</td><td></td><td>1</td><td>1</td><td>\(reference.candidateEpochs)</td>"
        h += String(format: "<td>%.0f</td>", reference.seconds) + "<td>\(Self.flops(reference.flops))</td></tr>\n"
        for b in budgets {
            h += "<tr><td>\(esc(b.budget))</td><td>\(Self.fixed(b.kendallTauB))</td><td>\(Self.range(b.kendallInterval))</td>"
            h += "<td>\(Self.fixed(b.spearmanRho))</td><td>\(Self.range(b.spearmanInterval))</td>"
            h += "<td>\(b.top5.map { Self.fixed($0) } ?? "-")</td><td>\(b.top10.map { Self.fixed($0) } ?? "-")</td>"
            h += "<td>\(b.cost.candidateEpochs)</td>" + String(format: "<td>%.0f</td>", b.cost.seconds) + "<td>\(Self.flops(b.cost.flops))</td></tr>\n"
        }
        h += "</table>\n<h2>Budget score against reference score</h2>\n"
        for p in plots() { h += p.plot.render() + "\n" }
        return h + "</body></html>\n"
    }

    /// Writes report.md, report.json, report.html and the scatter SVGs into `directory` (each atomically).
    public func write(to directory: String) throws {
        let d = directory as NSString
        try Data(markdown().utf8).write(to: URL(fileURLWithPath: d.appendingPathComponent("report.md")), options: .atomic)
        try Data(html().utf8).write(to: URL(fileURLWithPath: d.appendingPathComponent("report.html")), options: .atomic)
        try writeJSON(self, to: d.appendingPathComponent("report.json"))
        for p in plots() { try p.plot.write(to: d.appendingPathComponent(p.name)) }
    }
}
