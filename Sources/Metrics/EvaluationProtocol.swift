import Foundation

/// The facts of a public face benchmark that `verify` and `identify` check before scoring, so a
/// truncated or mislabelled file is caught instead of producing a number that looks comparable.
/// The files in `protocols/` hold the same facts; a test keeps them equal to `known`.
public struct EvaluationProtocol: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case verification, identification }

    public var name: String
    public var kind: Kind
    /// File names (verification `.bin`) or folder names this protocol applies to.
    public var files: [String]
    // Verification.
    public var pairs: Int?
    public var folds: Int?
    public var positivesPerFold: Int?
    public var thresholds: ThresholdGrid?
    public var distance: String?
    // Identification.
    public var probes: Int?
    public var galleryMatches: Int?
    public var distractors: Int?
    public var ranks: [Int]?
    public var score: String?
    // Both.
    public var flipFusion: String
    public var source: String

    public struct ThresholdGrid: Codable, Equatable, Sendable {
        public var start: Double, stop: Double, step: Double
        public var rule: String
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, files, pairs, folds, thresholds, distance, probes, distractors, ranks, score, source
        case positivesPerFold = "positives_per_fold", galleryMatches = "gallery_matches", flipFusion = "flip_fusion"
    }

    static let fusion = "sum of the raw embeddings of the image and its horizontal mirror, then L2-normalised"
    static let grid = ThresholdGrid(start: 0, stop: 4, step: 0.01, rule: "same = distance < threshold; the first best threshold on 9 folds is applied to the 10th")

    static func verification(_ name: String, files: [String], pairs: Int, source: String) -> EvaluationProtocol {
        EvaluationProtocol(name: name, kind: .verification, files: files, pairs: pairs, folds: 10, positivesPerFold: pairs / 20,
                          thresholds: grid, distance: "squared L2 between L2-normalised embeddings (2 - 2 cos)",
                          flipFusion: fusion, source: source)
    }

    /// LFW, CFP-FP, CFP-FF, AgeDB-30, CALFW, CPLFW (10 folds of equal positive and negative pairs)
    /// and TinyFace (closed-set 1:N with distractors).
    public static let known: [EvaluationProtocol] = [
        verification("LFW", files: ["lfw.bin"], pairs: 6000, source: "pairs.txt: 10 folds x (300 matched + 300 mismatched)"),
        verification("CFP-FP", files: ["cfp_fp.bin"], pairs: 7000, source: "CFP frontal-profile: 10 splits x (350 same + 350 different)"),
        verification("CFP-FF", files: ["cfp_ff.bin"], pairs: 7000, source: "CFP frontal-frontal: 10 splits x (350 same + 350 different)"),
        verification("AgeDB-30", files: ["agedb_30.bin"], pairs: 6000, source: "AgeDB splits with a 30-year gap: 10 folds x (300 + 300)"),
        verification("CALFW", files: ["calfw.bin"], pairs: 6000, source: "10 folds x (300 positive + 300 negative)"),
        verification("CPLFW", files: ["cplfw.bin"], pairs: 6000, source: "10 folds x (300 positive + 300 negative)"),
        EvaluationProtocol(name: "TinyFace", kind: .identification, files: ["tinyface", "Testing_Set"],
                          probes: 3728, galleryMatches: 4443, distractors: 153_428, ranks: [1, 5, 20],
                          score: "cosine of L2-normalised embeddings; distractors (label -100) never match",
                          flipFusion: fusion, source: "TinyFace Testing_Set: Probe, Gallery_Match, Gallery_Distractor"),
    ]

    /// The protocol for a verification file, by its name (`lfw.bin`), if it is a public benchmark.
    public static func forVerificationFile(_ path: String) -> EvaluationProtocol? {
        let file = (path as NSString).lastPathComponent.lowercased()
        return known.first { $0.kind == .verification && $0.files.contains(file) }
    }

    public static func load(_ path: String) throws -> EvaluationProtocol {
        guard let d = FileManager.default.contents(atPath: path) else { throw FaceModelError(message: "\(path): cannot read the protocol file") }
        do { return try JSONDecoder().decode(EvaluationProtocol.self, from: d) } catch {
            throw FaceModelError(message: "\(path): not a protocol file (\(error))")
        }
    }

    /// A `.bin`'s pair count against the protocol: one line naming both.
    public func checkPairs(_ count: Int, file: String) throws {
        if let pairs, pairs != count {
            throw FaceModelError(message: "\(file): \(count) pairs, but the \(name) protocol has \(pairs) (\(folds ?? 10) folds of \(pairs / (folds ?? 10))); the file is truncated or not \(name)")
        }
    }

    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}
