import Metrics
import Foundation

/// Identification results as text, JSON and a CMC plot.
///
/// JSON: `{"probes", "gallery", "distractors", "probes_evaluated", "probes_without_match",
/// "rank1", "rank5", … (one key per rank asked), "map", "cmc": [rate at rank 1, 2, …]}`, fractions.
public struct IdentificationReport: Encodable {
    public var name: String
    public var result: IdentificationResult

    public init(name: String, result: IdentificationResult) {
        self.name = name; self.result = result
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        let r = result
        try c.encode(name, forKey: "name")
        try c.encode(r.probes, forKey: "probes")
        try c.encode(r.gallery, forKey: "gallery")
        try c.encode(r.distractors, forKey: "distractors")
        try c.encode(r.probesEvaluated, forKey: "probes_evaluated")
        try c.encode(r.probesWithoutMatch, forKey: "probes_without_match")
        for (k, rate) in zip(r.ranks, r.rankRates) { try c.encode(rate, forKey: JSONKey("rank\(k)")) }
        try c.encode(r.meanAveragePrecision, forKey: "map")
        try c.encode(r.cmc, forKey: "cmc")
    }

    public func table() -> String {
        let r = result
        let header = ["set", "probes", "gallery"] + r.ranks.map { "rank-\($0)" } + ["mAP"]
        let row = [name, "\(r.probesEvaluated)", "\(r.gallery)"] + r.rankRates.map { String(format: "%.5f", $0) }
            + [String(format: "%.5f", r.meanAveragePrecision)]
        var s = textTable(header: header, rows: [row])
        if r.probesWithoutMatch > 0 {
            s += "\(r.probesWithoutMatch) of \(r.probes) probes have no gallery item with their label and are left out of every rate\n"
        }
        return s
    }

    public func cmcPlot() -> SVGPlot {
        let points = result.cmc.enumerated().map { (x: Double($0.offset + 1), y: $0.element) }
        return SVGPlot(title: "CMC", xLabel: "rank", yLabel: "identification rate",
                       series: [SVGPlot.Series(name: name, color: "#1f77b4", points: points, lines: true)])
    }
}
