import Foundation

/// One candidate of a search journal, in percent (the authors' convention).
///
/// The required fields are those of the authors' recorded-scores files (`depth`, `width`, `ops`,
/// `kernels`, `epochs`, `train_accuracy`, `accuracy`), so a recorded-scores file decodes as records
/// and a journal is itself a valid scores file. The rest is what a journal adds.
public struct SearchRecord: Codable, Equatable, Sendable {
    public var index: Int?
    public var phase: SearchPhase?
    public var depth: Int
    public var width: Int
    public var ops: [Int]
    public var kernels: [Int]
    public var epochs: Int
    public var params: Int?
    public var paramsM: Double?
    public var macs: Int?
    /// Best epoch's training accuracy and best epoch's ranking-split accuracy, percent.
    public var trainAccuracy: Float
    public var accuracy: Float
    /// Per-epoch ranking-split and training accuracies, percent.
    public var epochAccuracies: [Float]?
    public var epochTrainAccuracies: [Float]?
    public var decision: SearchDecision?
    /// Wall time spent scoring the candidate.
    public var seconds: Double?
    public var seed: UInt64?
    public var subset: Int?
    /// "trained", or "scores" when looked up in a recorded-scores file.
    public var source: String?

    public init(depth: Int, width: Int, ops: [Int], kernels: [Int], epochs: Int, trainAccuracy: Float, accuracy: Float) {
        self.depth = depth; self.width = width; self.ops = ops; self.kernels = kernels; self.epochs = epochs
        self.trainAccuracy = trainAccuracy; self.accuracy = accuracy
    }

    /// A trained candidate's record from its per-epoch accuracies (percent); its score is the best
    /// epoch's (paper-algorithm §3).
    public init(trained candidate: Candidate, epochAccuracies: [Float], epochTrainAccuracies: [Float], seconds: Double) {
        let a = candidate.architecture
        self.init(depth: a.depth, width: a.width, ops: a.ops.map(\.rawValue), kernels: a.kernels, epochs: candidate.epochs,
                  trainAccuracy: epochTrainAccuracies.max() ?? 0, accuracy: epochAccuracies.max() ?? 0)
        self.epochAccuracies = epochAccuracies
        self.epochTrainAccuracies = epochTrainAccuracies
        self.seconds = seconds
        source = "trained"
    }

    enum CodingKeys: String, CodingKey {
        case index, phase, depth, width, ops, kernels, epochs, params, macs, decision, seconds, seed, subset, source
        case paramsM = "params_m", trainAccuracy = "train_accuracy", accuracy
        case epochAccuracies = "epoch_accuracies", epochTrainAccuracies = "epoch_train_accuracies"
    }

    /// Identifies a candidate: its architecture and its epochs (the micro baseline repeats a macro
    /// architecture at another budget).
    public var key: CandidateKey { CandidateKey(depth: depth, width: width, ops: ops, kernels: kernels, epochs: epochs) }

    public var standardLayers: [Int] { key.standardLayers }
    public var k5Layers: [Int] { key.k5Layers }

    public var score: CandidateScore { CandidateScore(trainAccuracy: trainAccuracy, accuracy: accuracy) }

    /// One line of JSON with sorted keys (no newline).
    public func jsonLine() throws -> String {
        String(decoding: try JSONEncoder.sorted.encode(self), as: UTF8.self)
    }
}

public struct CandidateKey: Hashable, Sendable, CustomStringConvertible {
    public var depth: Int, width: Int, ops: [Int], kernels: [Int], epochs: Int

    public init(_ c: Candidate) {
        let a = c.architecture
        self.init(depth: a.depth, width: a.width, ops: a.ops.map(\.rawValue), kernels: a.kernels, epochs: c.epochs)
    }

    public init(depth: Int, width: Int, ops: [Int], kernels: [Int], epochs: Int) {
        self.depth = depth; self.width = width; self.ops = ops; self.kernels = kernels; self.epochs = epochs
    }

    /// Indices of the standard-conv layers (op code 1) and of the 5×5 layers.
    public var standardLayers: [Int] { ops.indices.filter { ops[$0] == ConvOp.standard.rawValue } }
    public var k5Layers: [Int] { kernels.indices.filter { kernels[$0] == 5 } }

    public var description: String {
        let list = ArchitectureSummary.list
        return "depth \(depth) width \(width) std \(list(standardLayers)) k5 \(list(k5Layers)) epochs \(epochs)"
    }
}

public struct SearchFileError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension SearchRecord {
    /// Why a record read from a file cannot be a candidate's: accuracies outside 0–100 percent or
    /// not numbers, sizes or epochs below 1. Nil when it is plausible.
    public func problem() -> String? {
        let accuracies = [("accuracy", accuracy), ("train_accuracy", trainAccuracy)]
            + (epochAccuracies ?? []).map { ("epoch_accuracies", $0) } + (epochTrainAccuracies ?? []).map { ("epoch_train_accuracies", $0) }
        if let (name, v) = accuracies.first(where: { !(0...100).contains($0.1) }) { return "\(name) \(v) outside 0...100 (percent)" }
        if depth < 1 || width < 1 || epochs < 1 { return "depth \(depth), width \(width), epochs \(epochs): each must be at least 1" }
        if let p = params, p < 0 { return "params \(p) is negative" }
        if let s = seconds, !(s >= 0) { return "seconds \(s) is not a duration" }
        return nil
    }
}

/// Reads a search journal or recorded-scores file: JSON Lines, one candidate per line, plus the
/// journal's configuration line. A line that does not parse is a crash mid-write if it is the
/// last one (reported and ignored); anywhere else the file is damaged and reading fails.
public struct SearchFile {
    public var configuration: SearchConfiguration?
    public var records: [SearchRecord]
    /// 1-based line number of each record.
    public var lineNumbers: [Int]
    /// The torn last line, if there was one, and the byte length of the file without it.
    public var tornLine: Int?
    public var validLength: Int

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw SearchFileError("\(path): cannot read the file") }
        try self.init(data: data, source: path)
    }

    public init(data: Data, source: String) throws {
        configuration = nil; records = []; lineNumbers = []; tornLine = nil; validLength = 0
        let bytes = [UInt8](data)
        var start = 0, line = 0
        let decoder = JSONDecoder()
        while start < bytes.count {
            line += 1
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let next = min(end + 1, bytes.count)
            let text = Data(bytes[start..<end])
            let blank = text.allSatisfy { $0 == 32 || $0 == 9 || $0 == 13 }
            if !blank {
                do {
                    if let header = try? decoder.decode(ConfigurationLine.self, from: text) {
                        configuration = header.searchConfig
                    } else {
                        let r = try decoder.decode(SearchRecord.self, from: text)
                        // A value out of range is damage, not a torn write: a score of −500 would rank as a real one.
                        if let problem = r.problem() {
                            throw SearchFileError("\(source): line \(line): \(problem); the file is damaged")
                        }
                        records.append(r)
                        lineNumbers.append(line)
                    }
                } catch let e as SearchFileError {
                    throw e
                } catch {
                    // Only a final line without its newline, or a final line cut short, is a torn write.
                    let isLast = bytes[next...].allSatisfy { $0 == 32 || $0 == 9 || $0 == 13 || $0 == 10 }
                    guard isLast else {
                        throw SearchFileError("\(source): line \(line) is not a candidate record (\(Self.reason(error))); the file is damaged")
                    }
                    tornLine = line
                    return
                }
            }
            start = next
            validLength = start
        }
    }

    static func reason(_ e: Error) -> String {
        switch e {
        case let DecodingError.keyNotFound(k, _): return "missing \"\(k.stringValue)\""
        case let DecodingError.typeMismatch(_, c): return "wrong type at \"\(c.codingPath.map(\.stringValue).joined(separator: "."))\""
        case let DecodingError.valueNotFound(_, c): return "null at \"\(c.codingPath.map(\.stringValue).joined(separator: "."))\""
        case let DecodingError.dataCorrupted(c): return c.codingPath.isEmpty ? "not JSON" : "bad value at \"\(c.codingPath.map(\.stringValue).joined(separator: "."))\""
        default: return "\(e)"
        }
    }
}

/// The journal's first line: `{"search_config": {...}}`.
struct ConfigurationLine: Codable {
    var searchConfig: SearchConfiguration
    enum CodingKeys: String, CodingKey { case searchConfig = "search_config" }
}
