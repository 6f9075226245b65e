import Metrics
import Foundation

/// The files of a run folder as `facenas report` reads them: only the fields the report shows, so
/// a stage that adds keys does not break it. Accuracies are fractions unless a comment says percent.
enum RunReportInputs {
    struct PipelineState: Decodable {
        struct Stage: Decodable { var name: String, status: String?, seconds: Double?, args: [String]? }
        var pipeline: String?
        var stages: [Stage]
    }

    /// `search/report.json` (SearchReport's JSON).
    struct Search: Decodable {
        struct Final: Decodable {
            var depth: Int, width: Int, params: Int
            var macro_width: Int?, macro_params: Int?, std_layers: [Int]?, k5_layers: [Int]?
        }
        struct Record: Decodable { var index: Int, phase: String, accuracy: Double, decision: String? }
        var final: Final
        var candidates: Int
        var expected_candidates: Int?
        var stopped: String?
        var final_line: String?
        var compute_seconds: Double?
        var records: [Record]
    }

    /// `train/metrics.json`: FaceTrainingRun's state or ClassificationRun's metrics.
    struct Training: Decodable {
        struct Epoch: Decodable {
            var epoch: Int, train_loss: Double, train_accuracy: Double, seconds: Double
            var validation_mean: Double?, test_accuracy: Double?
        }
        var history: [Epoch]
        var best_validation: Double?, best_test_accuracy: Double?, best_epoch: Int?
    }

    /// `verify.json` / `verify-pixels.json` (VerificationReport's JSON).
    struct Verify: Decodable {
        struct ROC: Decodable { var tpr: [Double], fpr: [Double] }
        struct Set: Decodable {
            var name: String, pairs: Int, accuracy: Double, accuracy_std: Double, threshold: Double
            var tar_at_far: [String: Double?]?
            var roc: ROC?
        }
        var sets: [Set]
        var embedding: String?, model: String?
    }

    /// `identify.json` (IdentificationReport's JSON); `rankK` keys as the command was asked.
    struct Identify: Decodable {
        var name: String?
        var probes_evaluated: Int, gallery: Int, map: Double, cmc: [Double]
        var ranks: [(rank: Int, rate: Double)]

        enum Keys: String, CodingKey { case name, probes_evaluated, gallery, map, cmc }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            probes_evaluated = try c.decode(Int.self, forKey: .probes_evaluated)
            gallery = try c.decode(Int.self, forKey: .gallery)
            map = try c.decode(Double.self, forKey: .map)
            cmc = try c.decode([Double].self, forKey: .cmc)
            let all = try decoder.container(keyedBy: JSONKey.self)
            ranks = try all.allKeys.compactMap { key -> (Int, Double)? in
                guard key.stringValue.hasPrefix("rank"), let k = Int(key.stringValue.dropFirst(4)) else { return nil }
                return (k, try all.decode(Double.self, forKey: key))
            }.sorted { $0.0 < $1.0 }
        }
    }

    /// The decoded file, nil when it does not exist; unreadable or malformed JSON is one error
    /// naming the file and what is wrong where.
    static func read<T: Decodable>(_ type: T.Type, _ path: String) throws -> T? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw RunReportError("\(path): cannot read the file (\(error.localizedDescription))")
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch let e as DecodingError {
            throw RunReportError("\(path): \(describe(e))")
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func at(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "the top level" : String(p.drop { $0 == "." })
        }
        switch e {
        case .dataCorrupted(let c) where c.codingPath.isEmpty:
            return "not valid JSON (\(c.underlyingError.map { "\($0)" } ?? c.debugDescription))"
        case .dataCorrupted(let c): return "\(at(c)): \(c.debugDescription)"
        case .keyNotFound(let k, let c): return "missing key \"\(k.stringValue)\" at \(at(c))"
        case .typeMismatch(let t, let c): return "\(at(c)): expected \(t)"
        case .valueNotFound(let t, let c): return "\(at(c)): null where \(t) was expected"
        @unknown default: return "\(e)"
        }
    }
}

/// `facenas report` refused a file of the run folder; one line naming it.
public struct RunReportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
