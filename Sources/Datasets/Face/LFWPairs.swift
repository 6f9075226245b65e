import Foundation
import ImageIO

/// One line of an LFW pairs file, resolved to image paths relative to the image folder.
public struct LFWPair: Sendable, Equatable {
    public var first: String
    public var second: String
    public var isSame: Bool
    /// 1-based line in the pairs file, for messages.
    public var line: Int

    public init(first: String, second: String, isSame: Bool, line: Int) {
        self.first = first
        self.second = second
        self.isSame = isSame
        self.line = line
    }
}

/// LFW's own `pairs.txt` (also `pairsDevTrain.txt`/`pairsDevTest.txt`): a header `folds<TAB>n`
/// (or just `n` for one fold), then per fold n matched lines `name n1 n2` and n mismatched lines
/// `name1 n1 name2 n2`; image `k` of `name` is `name/name_%04d.jpg`.
public struct LFWPairs: Sendable {
    public let path: String
    public let folds: Int
    public let pairsPerFold: Int
    public let pairs: [LFWPair]

    public init(path: String) throws {
        self.path = path
        let text = String(decoding: try DataFile.readRaw(path), as: UTF8.self)
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
            $0.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "\r" }).map(String.init)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        func fail(_ line: Int, _ message: String) -> DatasetError {
            .invalid(file: path, offset: nil, message: "line \(line): \(message)")
        }
        guard let header = lines.first, (1...2).contains(header.count), let last = Int(header.last!), last > 0 else {
            throw fail(1, "expected the header 'folds<TAB>pairs-per-class' (e.g. '10\t300') or a single pair count")
        }
        let folds = header.count == 2 ? Int(header[0]) ?? 0 : 1
        guard folds > 0 else { throw fail(1, "fold count '\(header[0])' is not a positive number") }
        // Counts from the file: their product may overflow.
        let (perFold, o1) = last.multipliedReportingOverflow(by: 2)
        let (expected, o2) = folds.multipliedReportingOverflow(by: perFold)
        guard !o1, !o2 else {
            throw fail(1, "the header announces \(folds) folds × (\(last) matched + \(last) mismatched) pairs, more than Int.max (the file has \(lines.count - 1) pair lines)")
        }
        self.folds = folds
        pairsPerFold = perFold
        guard lines.count - 1 == expected else {
            throw fail(lines.count, "the header announces \(folds) folds × (\(last) matched + \(last) mismatched) = \(expected) pairs, found \(lines.count - 1) lines")
        }
        var pairs: [LFWPair] = []
        pairs.reserveCapacity(expected)
        for (i, fields) in lines.dropFirst().enumerated() {
            let line = i + 2
            func image(_ name: String, _ number: String) throws -> String {
                guard let n = Int(number), n > 0 else { throw fail(line, "image number '\(number)' is not a positive number") }
                return "\(name)/\(name)_\(String(format: "%04d", n)).jpg"
            }
            switch fields.count {
            case 3: pairs.append(LFWPair(first: try image(fields[0], fields[1]), second: try image(fields[0], fields[2]), isSame: true, line: line))
            case 4: pairs.append(LFWPair(first: try image(fields[0], fields[1]), second: try image(fields[2], fields[3]), isSame: false, line: line))
            default: throw fail(line, "\(fields.count) fields, expected 'name n1 n2' (same person) or 'name1 n1 name2 n2' (different people)")
            }
        }
        self.pairs = pairs
    }

    /// The verification set of these pairs with images read from `imageFolder`, in file order
    /// (as `lfw2pack.py` keeps it, so unshuffled 10-fold splits are the official folds).
    /// A name must keep its images inside `imageFolder` (no absolute path, no `..`, no symbolic
    /// link leading out) unless `allowOutside`.
    public func verificationBin(imageFolder: String, allowOutside: Bool = false, progress: ((Int) -> Void)? = nil) throws -> VerificationBin {
        var images: [Data] = []
        images.reserveCapacity(2 * pairs.count)
        for (i, p) in pairs.enumerated() {
            for rel in [p.first, p.second] {
                let file: String
                switch FileSafety.resolve(rel, base: imageFolder, allowOutside: allowOutside) {
                case let .success(f): file = f
                case let .failure(e): throw DatasetError.invalid(file: path, offset: nil, message: "line \(p.line): \(e.reason)")
                }
                guard DataFile.isFile(file) else {
                    throw DatasetError.invalid(file: path, offset: nil, message: "line \(p.line): image \(file) does not exist")
                }
                images.append(Data(try DataFile.readRaw(file)))
            }
            progress?(i + 1)
        }
        return VerificationBin(images: images, isSame: pairs.map(\.isSame))
    }
}
