import Datasets
import Foundation

/// The files `facenas embed` writes: `E.npy` (float32 [N, d], unit rows), `E.names.txt` (one image
/// name per row) and `E.norms.npy` (float32 [N], each image's raw feature norm).
public enum EmbeddingFiles {
    public static func namesPath(for npy: String) -> String { stem(npy) + ".names.txt" }
    public static func normsPath(for npy: String) -> String { stem(npy) + ".norms.npy" }

    static func stem(_ npy: String) -> String {
        npy.lowercased().hasSuffix(".npy") ? String(npy.dropLast(4)) : npy
    }

    @discardableResult
    public static func write(_ e: FaceEmbeddings, names: [String], to npy: String) throws -> (embeddings: String, names: String, norms: String) {
        precondition(names.count == e.count, "EmbeddingFiles: \(names.count) names for \(e.count) rows")
        try NPY.write(e.vectors, shape: [e.count, e.dimension], to: npy)
        try NPY.write(e.norms, shape: [e.count], to: normsPath(for: npy))
        let text = names.map { $0.replacingOccurrences(of: "\n", with: " ") + "\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: namesPath(for: npy)), options: .atomic)
        return (npy, namesPath(for: npy), normsPath(for: npy))
    }

    /// Row names for `npy` from the names file beside it; row numbers when there is none.
    public static func names(for npy: String, rows: Int) throws -> [String] {
        let path = namesPath(for: npy)
        guard let d = FileManager.default.contents(atPath: path) else { return (0..<rows).map { "row \($0)" } }
        let names = String(decoding: d, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let trimmed = names.last == "" ? Array(names.dropLast()) : names
        guard trimmed.count == rows else {
            throw FaceModelError(message: "\(path): \(trimmed.count) names for the \(rows) rows of \(npy)")
        }
        return trimmed
    }
}
