import Foundation

/// A pairs file in the index form `i j same` (DESIGN: "pairs file"), the input of
/// `facenas verify --embeddings`: one pair per line, `i` and `j` rows of the embedding matrix,
/// `same` 1 (same person) or 0, in protocol order. Blank lines and `#` comments are skipped.
public struct IndexPair: Equatable, Sendable {
    public var first: Int
    public var second: Int
    public var isSame: Bool
    public init(_ first: Int, _ second: Int, isSame: Bool) {
        self.first = first; self.second = second; self.isSame = isSame
    }
}

public enum IndexPairsFile {
    /// Reads the pairs of `path`; every index must be a row of an `rows`-row matrix.
    public static func read(_ path: String, rows: Int) throws -> [IndexPair] {
        try parse(String(decoding: DataFile.readRaw(path), as: UTF8.self), file: path, rows: rows)
    }

    public static func parse(_ text: String, file: String, rows: Int) throws -> [IndexPair] {
        var pairs: [IndexPair] = []
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            func fail(_ message: String) -> DatasetError { .invalid(file: file, offset: nil, message: "line \(n + 1): \(message)") }
            guard fields.count == 3 else {
                throw fail("'\(line.trimmingCharacters(in: .whitespaces))' has \(fields.count) fields, expected 'i j same'")
            }
            var index: [Int] = []
            for f in fields[0..<2] {
                guard let i = Int(f) else { throw fail("'\(f)' is not an integer row index") }
                guard i >= 0, i < rows else { throw fail("index \(i) is out of range, expected 0..<\(rows) (the embeddings have N = \(rows) rows)") }
                index.append(i)
            }
            guard fields[2] == "0" || fields[2] == "1" else { throw fail("same = '\(fields[2])', expected 0 or 1") }
            pairs.append(IndexPair(index[0], index[1], isSame: fields[2] == "1"))
        }
        return pairs
    }
}
