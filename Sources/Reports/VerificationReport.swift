import Metrics
import Foundation

/// Verification results of one or more sets as a text table, JSON and a ROC plot.
///
/// JSON: `{"sets": [{"name", "pairs", "same_pairs", "different_pairs", "accuracy", "accuracy_std",
/// "threshold", "fold_accuracies", "fold_thresholds", "tar_at_far": {"1e-3": x|null, …},
/// "tar_at_far_detail": {"1e-3": {"tar", "far", "threshold"}|null}, "roc": {"thresholds", "tpr", "fpr"}}],
/// "embedding": "model"|"raw pixels" (absent for the embeddings form), "model": CKPT (model form)}`,
/// every rate a fraction.
public struct VerificationReport: Encodable {
    public struct Entry: Encodable {
        public var name: String
        public var result: VerificationResult

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            let r = result
            try c.encode(name, forKey: "name")
            try c.encode(r.pairs, forKey: "pairs")
            try c.encode(r.samePairs, forKey: "same_pairs")
            try c.encode(r.differentPairs, forKey: "different_pairs")
            try c.encode(r.accuracy, forKey: "accuracy")
            try c.encode(r.accuracyStd, forKey: "accuracy_std")
            try c.encode(r.threshold, forKey: "threshold")
            try c.encode(r.foldAccuracies, forKey: "fold_accuracies")
            try c.encode(r.foldThresholds, forKey: "fold_thresholds")
            var tar = c.nestedContainer(keyedBy: JSONKey.self, forKey: "tar_at_far")
            var detail = c.nestedContainer(keyedBy: JSONKey.self, forKey: "tar_at_far_detail")
            for t in r.tarAtFarDetails {
                let key = JSONKey(VerificationReport.farLabel(t.far))
                if let v = t.tar, let far = t.measuredFar, let thr = t.threshold {
                    try tar.encode(v, forKey: key)
                    try detail.encode(["tar": v, "far": far, "threshold": thr], forKey: key)
                } else {
                    try tar.encodeNil(forKey: key)
                    try detail.encodeNil(forKey: key)
                }
            }
            try c.encode(["thresholds": r.roc.thresholds, "tpr": r.roc.tpr, "fpr": r.roc.fpr], forKey: "roc")
        }
    }

    public var sets: [Entry]
    /// What the embeddings were: "model" or "raw pixels"; nil when they came from a file.
    public var embedding: String?
    /// The checkpoint of the model form.
    public var model: String?

    public init(_ sets: [(name: String, result: VerificationResult)], embedding: String? = nil, model: String? = nil) {
        self.sets = sets.map { Entry(name: $0.name, result: $0.result) }
        self.embedding = embedding
        self.model = model
    }

    /// "1e-3" for 0.001; other values as Swift prints them.
    public static func farLabel(_ far: Double) -> String {
        let e = log10(far).rounded()
        return pow(10, e) == far ? "1e\(Int(e))" : "\(far)"
    }

    /// One row per set: accuracy ± std (fractions), mean threshold, TAR at each FAR ("n/a" when
    /// the set has too few different pairs).
    public func table() -> String {
        let fars = sets.first?.result.tarAtFarDetails.map(\.far) ?? []
        let header = ["set", "pairs", "accuracy", "std", "threshold"] + fars.map { "TAR@FAR=" + Self.farLabel($0) }
        let rows = sets.map { e -> [String] in
            let r = e.result
            return [e.name, "\(r.pairs)", String(format: "%.5f", r.accuracy), String(format: "%.5f", r.accuracyStd),
                    String(format: "%.3f", r.threshold)]
                + r.tarAtFarDetails.map { $0.tar.map { String(format: "%.5f", $0) } ?? "n/a" }
        }
        return textTable(header: header, rows: rows)
    }

    /// TPR against FPR over the threshold grid, one line per set.
    public func rocPlot() -> SVGPlot {
        let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
        let series = sets.enumerated().map { k, e in
            SVGPlot.Series(name: e.name, color: colors[k % colors.count],
                           points: zip(e.result.roc.fpr, e.result.roc.tpr).map { (x: $0, y: $1) }, lines: true)
        }
        return SVGPlot(title: "ROC (mean over 10 folds)", xLabel: "false accept rate", yLabel: "true accept rate", series: series)
    }
}

/// A JSON key spelled at run time.
struct JSONKey: CodingKey, ExpressibleByStringLiteral {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init(stringLiteral s: String) { stringValue = s }
    init?(stringValue s: String) { stringValue = s }
    init?(intValue: Int) { nil }
}

/// Left-aligned first column, right-aligned numbers, two spaces apart.
func textTable(header: [String], rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { c, cell in
            let pad = String(repeating: " ", count: widths[c] - cell.count)
            return c == 0 ? cell + pad : pad + cell
        }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}
