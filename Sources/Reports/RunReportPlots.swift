import Metrics
import Foundation

/// The report's curves, drawn from the stage outputs' JSON so the page needs no other file.
extension RunReport {
    func searchPlot() -> SVGPlot? {
        guard let s = search, !s.trajectory.isEmpty else { return nil }
        let colors = ["depth": "#1f77b4", "width": "#ff7f0e", "micro-baseline": "#7f7f7f", "micro-op": "#2ca02c", "micro-kernel": "#d62728"]
        var phases: [String] = []
        for p in s.trajectory.map(\.phase) where !phases.contains(p) { phases.append(p) }
        let series = phases.enumerated().map { k, phase in
            let members = s.trajectory.filter { $0.phase == phase }
            return SVGPlot.Series(name: phase, color: colors[phase] ?? Self.palette[k % Self.palette.count],
                                  points: members.map { (x: Double($0.index), y: 100 * $0.accuracy) },
                                  marked: Set(members.indices.filter { members[$0].accepted }))
        }
        var plot = SVGPlot(title: "Search trajectory", xLabel: "candidate", yLabel: "accuracy (%, best epoch)", series: series)
        plot.note = "outlined: accepted"
        return plot
    }

    /// Model and raw-pixel ROC curves of every set in one chart.
    func rocPlot() -> SVGPlot? {
        guard !rocCurves.isEmpty else { return nil }
        let series = rocCurves.enumerated().map { k, c in
            SVGPlot.Series(name: c.name, color: Self.palette[k % Self.palette.count], points: zip(c.fpr, c.tpr).map { (x: $0, y: $1) }, lines: true)
        }
        var plot = SVGPlot(title: "ROC (mean over 10 folds)", xLabel: "false accept rate", yLabel: "true accept rate", series: series)
        plot.xRange = 0...1; plot.yRange = 0...1
        return plot
    }

    func cmcPlot() -> SVGPlot? {
        guard !cmc.isEmpty else { return nil }
        let points = cmc.enumerated().map { (x: Double($0.offset + 1), y: $0.element) }
        var plot = SVGPlot(title: "CMC", xLabel: "rank", yLabel: "identification rate",
                           series: [SVGPlot.Series(name: identification?.name ?? "identification", color: Self.palette[0], points: points, lines: true)])
        plot.yRange = 0...1
        return plot
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
}
