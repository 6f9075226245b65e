import Foundation

/// A labels file: one integer label per line, row `k` of the matching embedding matrix on line `k+1`
/// (−100 marks a distractor in a gallery). Only a final newline may follow the last label.
public enum LabelsFile {
    /// The label of a gallery image that matches no probe.
    public static let distractor = -100

    public static func read(_ path: String) throws -> [Int] {
        try parse(String(decoding: DataFile.readRaw(path), as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> [Int] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return try lines.enumerated().map { n, raw in
            let t = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            guard let v = Int(t) else {
                throw DatasetError.invalid(file: file, offset: nil, message: "line \(n + 1): '\(t)' is not an integer label (expected one integer per line)")
            }
            guard (0...Int(Int32.max)).contains(v) || v == distractor else {
                throw DatasetError.invalid(file: file, offset: nil,
                                           message: "line \(n + 1): label \(v) is out of range (expected 0...\(Int32.max), or \(distractor) for a distractor)")
            }
            return v
        }
    }
}
