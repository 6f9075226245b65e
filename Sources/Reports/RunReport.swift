import Datasets
import Metrics
import Foundation
import Search

/// The report of a pipeline run folder (`facenas report R`): timings per stage, the search
/// trajectory, the final architectures, training, verification beside the raw-pixel baseline,
/// identification and a query. Every piece is optional; a missing one is listed in `notRun`.
/// Written as `report.md`, `report.json` (accuracies as fractions) and a self-contained `report.html`.
public struct RunReport: Encodable {
    public struct Stage: Encodable { public var name: String, status: String, seconds: Double? }
    public struct Timings: Encodable {
        public var pipeline: String?
        public var stages: [Stage]
        public var totalSeconds: Double
        enum CodingKeys: String, CodingKey { case pipeline, stages, totalSeconds = "total_seconds" }
    }

    public struct SearchPoint: Encodable { public var index: Int, phase: String, accuracy: Double, accepted: Bool }
    public struct SearchSummary: Encodable {
        public var candidates: Int, expectedCandidates: Int?, stopped: String?, finalLine: String?, computeSeconds: Double?
        public var depth: Int, width: Int, params: Int
        public var trajectory: [SearchPoint]
        enum CodingKeys: String, CodingKey {
            case candidates, stopped, depth, width, params, trajectory
            case expectedCandidates = "expected_candidates", finalLine = "final_line", computeSeconds = "compute_seconds"
        }
    }

    public struct Training: Encodable {
        public var epochs: Int, finalTrainLoss: Double, finalTrainAccuracy: Double
        /// Face runs: mean validation accuracy; classification runs: test accuracy.
        public var bestValidation: Double?, bestEpoch: Int?
        public var seconds: Double
        enum CodingKeys: String, CodingKey {
            case epochs, seconds
            case finalTrainLoss = "final_train_loss", finalTrainAccuracy = "final_train_accuracy"
            case bestValidation = "best_validation", bestEpoch = "best_epoch"
        }
    }

    public struct VerificationRow: Encodable {
        public var name: String, pairs: Int
        public var modelAccuracy: Double, modelAccuracyStd: Double, threshold: Double
        public var pixelAccuracy: Double?, pixelAccuracyStd: Double?
        /// 100 · (model − pixels): percentage points.
        public var differencePoints: Double?
        public var tarAtFar: [String: Double?]
        enum CodingKeys: String, CodingKey {
            case name, pairs, threshold
            case modelAccuracy = "model_accuracy", modelAccuracyStd = "model_accuracy_std"
            case pixelAccuracy = "pixel_accuracy", pixelAccuracyStd = "pixel_accuracy_std"
            case differencePoints = "difference_points", tarAtFar = "tar_at_far"
        }
    }
    public struct VerificationSummary: Encodable {
        public var model: String?
        public var sets: [VerificationRow]
    }

    public struct Identification: Encodable {
        public var name: String?
        public var probes: Int, gallery: Int, ranks: [String: Double], map: Double
    }

    public var directory: String
    public var headline: String
    public var timings: Timings?
    public var search: SearchSummary?
    public var architectures: [ArchitectureEntry]
    public var training: Training?
    public var verification: VerificationSummary?
    public var identification: Identification?
    public var query: QueryResult?
    /// Parts of the run that left no output, e.g. "identification (identify.json)".
    public var notRun: [String]
    let units = "fractions"

    /// Curves for the plots, kept out of report.json (the stage outputs hold them).
    var rocCurves: [(name: String, fpr: [Double], tpr: [Double])] = []
    var cmc: [Double] = []
    var identificationRanks: [(rank: Int, rate: Double)] = []

    enum CodingKeys: String, CodingKey {
        case directory, headline, timings, search, architectures, training, verification, identification, query, units
        case notRun = "not_run"
    }

    public func encode(to encoder: Encoder) throws {
        // Explicit so that missing sections are written as null, not left out.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(directory, forKey: .directory)
        try c.encode(headline, forKey: .headline)
        try c.encode(timings, forKey: .timings)
        try c.encode(search, forKey: .search)
        try c.encode(architectures, forKey: .architectures)
        try c.encode(training, forKey: .training)
        try c.encode(verification, forKey: .verification)
        try c.encode(identification, forKey: .identification)
        try c.encode(query, forKey: .query)
        try c.encode(notRun, forKey: .notRun)
        try c.encode(units, forKey: .units)
    }

    public static let markdownName = "report.md", jsonName = "report.json", htmlName = "report.html"

    /// Writes the three reports into the run folder (each atomically); their paths.
    @discardableResult
    public func write(to directory: String) throws -> [String] {
        let paths = [Self.markdownName, Self.jsonName, Self.htmlName].map { (directory as NSString).appendingPathComponent($0) }
        try Data(markdown().utf8).write(to: URL(fileURLWithPath: paths[0]), options: .atomic)
        try writeJSON(self, to: paths[1])
        try Data(html().utf8).write(to: URL(fileURLWithPath: paths[2]), options: .atomic)
        return paths
    }
}
