import Foundation
import ImageIO

/// What `facenas synth` should write.
public struct SyntheticDatasetOptions: Sendable, Equatable {
    public var identities: Int
    public var imagesPerIdentity: Int
    /// Side of the aligned images; a multiple of 8 (56 for quick tests, 112 as insightface), at least 32.
    public var size: Int
    public var seed: UInt64
    public var difficulty: Float
    /// Unaligned photos per training identity (capped by `imagesPerIdentity`).
    public var unalignedPerIdentity: Int
    /// Frontal and profile shots per verification identity for the pose set.
    public var poseShotsPerIdentity: Int

    public init(identities: Int = 200, imagesPerIdentity: Int = 20, size: Int = 112, seed: UInt64 = 1,
                difficulty: Float = 0.5, unalignedPerIdentity: Int = 3, poseShotsPerIdentity: Int = 6) {
        self.identities = identities
        self.imagesPerIdentity = imagesPerIdentity
        self.size = size
        self.seed = seed
        self.difficulty = difficulty
        self.unalignedPerIdentity = unalignedPerIdentity
        self.poseShotsPerIdentity = poseShotsPerIdentity
    }

    public func validate() throws {
        func bad(_ m: String) -> DatasetError { .invalid(file: "synth", offset: nil, message: m) }
        guard size >= 32, size % 8 == 0 else { throw bad("size \(size): expected a multiple of 8, at least 32") }
        guard imagesPerIdentity >= 2 else { throw bad("images per identity \(imagesPerIdentity): expected at least 2 (positive pairs need two photos)") }
        guard (0...1).contains(difficulty) else { throw bad("difficulty \(difficulty): expected 0…1") }
        guard unalignedPerIdentity >= 0, poseShotsPerIdentity >= 1 else { throw bad("unaligned and pose shot counts must be ≥ 0 and ≥ 1") }
        _ = try SyntheticSplits(identities: identities)
    }

    /// Positive (and negative) pairs per fold: enough for a stable accuracy, at most LFW's 300/fold
    /// scaled down to the usual set sizes here.
    var pairsPerFoldHalf: Int {
        let people = (try? SyntheticSplits(identities: identities).verification.count) ?? 2
        return min(30, max(5, people * imagesPerIdentity / 10))
    }
}

/// One verification `.bin` written, with the raw-pixel baseline measured on it.
public struct SyntheticVerificationSet: Codable, Equatable, Sendable {
    public var file: String
    public var describes: String
    public var pairs: Int
    public var folds: Int
    /// Accuracy of cosine similarity of raw normalised pixels at the best single threshold.
    public var rawPixelAccuracy: Double
}

/// `synth.json`: how a synthetic folder was made and what it holds.
public struct SyntheticDatasetManifest: Codable, Equatable, Sendable {
    public var generator = "facenas synth (procedural faces; every image is synthetic)"
    public var generatorVersion = 1
    public var seed: UInt64
    public var difficulty: Double
    public var size: Int
    public var identities: Int
    public var imagesPerIdentity: Int
    public var splits: SyntheticSplits
    public var trainImages: Int
    public var verificationSets: [SyntheticVerificationSet]
    public var tinyfaceProbes: Int
    public var tinyfaceGalleryMatches: Int
    public var tinyfaceDistractors: Int
    public var unalignedImages: Int

    public static let fileName = "synth.json"

    /// Counts must be non-negative and the verification sets' file names must stay in the folder.
    public init(path: String) throws {
        let bytes = try DataFile.readRaw(path)
        do { self = try JSONDecoder().decode(Self.self, from: Data(bytes)) } catch let e as DecodingError {
            throw DatasetError.invalid(file: path, offset: nil, message: "not a synth manifest (\(Self.describe(e)))")
        } catch {
            throw DatasetError.invalid(file: path, offset: nil, message: "not a synth manifest (\(error))")
        }
        let counts = [("size", size), ("identities", identities), ("imagesPerIdentity", imagesPerIdentity), ("trainImages", trainImages),
                      ("tinyfaceProbes", tinyfaceProbes), ("tinyfaceGalleryMatches", tinyfaceGalleryMatches),
                      ("tinyfaceDistractors", tinyfaceDistractors), ("unalignedImages", unalignedImages)]
            + verificationSets.flatMap { [("\($0.file) pairs", $0.pairs), ("\($0.file) folds", $0.folds)] }
        for (name, value) in counts where value < 0 {
            throw DatasetError.invalid(file: path, offset: nil, message: "\(name) is \(value), expected a count ≥ 0")
        }
        let folder = (path as NSString).deletingLastPathComponent
        for v in verificationSets {
            if case let .failure(e) = FileSafety.resolve(v.file, base: folder, allowOutside: false) {
                throw DatasetError.invalid(file: path, offset: nil, message: "verification set file: \(e.reason)")
            }
        }
    }

    /// A `DecodingError` on one line: the key path and what was wrong, without Swift's type dump.
    static func describe(_ e: DecodingError) -> String {
        func place(_ c: DecodingError.Context) -> String {
            let keys = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return keys.isEmpty ? "" : "at \(keys): "
        }
        func at(_ c: DecodingError.Context) -> String { place(c) + c.debugDescription }
        switch e {
        case let .keyNotFound(key, c): return place(c) + "missing key '\(key.stringValue)'"
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c): return at(c)
        @unknown default: return "\(e)"
        }
    }

    init(options o: SyntheticDatasetOptions, splits: SyntheticSplits) {
        seed = o.seed
        difficulty = Double("\(o.difficulty)") ?? Double(o.difficulty)   // 0.3, not 0.30000001192…
        size = o.size
        identities = o.identities
        imagesPerIdentity = o.imagesPerIdentity
        self.splits = splits
        trainImages = 0
        verificationSets = []
        tinyfaceProbes = 0; tinyfaceGalleryMatches = 0; tinyfaceDistractors = 0; unalignedImages = 0
    }

    func encoded() throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Array(try e.encode(self)) + [0x0A]
    }
}
