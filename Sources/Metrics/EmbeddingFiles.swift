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

    /// Writes the three files new, beside their final names, and renames them into place only
    /// once all three are written: a failure leaves an earlier set as it was, never half replaced.
    @discardableResult
    public static func write(_ e: FaceEmbeddings, names: [String], to npy: String) throws -> (embeddings: String, names: String, norms: String) {
        precondition(names.count == e.count, "EmbeddingFiles: \(names.count) names for \(e.count) rows")
        let finals = [npy, normsPath(for: npy), namesPath(for: npy)]
        let temps = finals.map { temporaryPath(for: $0) }
        defer { for t in temps { try? FileManager.default.removeItem(atPath: t) } }
        try NPY.write(e.vectors, shape: [e.count, e.dimension], to: temps[0])
        try NPY.write(e.norms, shape: [e.count], to: temps[1])
        let text = names.map { $0.replacingOccurrences(of: "\n", with: " ") + "\n" }.joined()
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: temps[2])) } catch {
            throw FaceModelError(message: "\(temps[2]): cannot write (\(error.localizedDescription))")
        }
        for (t, f) in zip(temps.reversed(), finals.reversed()) where rename(t, f) != 0 {
            throw FaceModelError(message: "\(f): cannot replace (\(String(cString: strerror(errno))))")
        }
        return (npy, namesPath(for: npy), normsPath(for: npy))
    }

    /// Fails at once, before any image is read, when `npy`'s folder cannot take the output.
    public static func checkWritable(_ npy: String) throws {
        let dir = (npy as NSString).deletingLastPathComponent
        let folder = dir.isEmpty ? "." : dir
        guard DataFile.isDirectory(folder) else { throw FaceModelError(message: "--out \(npy): no folder \(folder)") }
        guard access(folder, W_OK) == 0 else { throw FaceModelError(message: "--out \(npy): the folder \(folder) is not writable") }
        if DataFile.isDirectory(npy) { throw FaceModelError(message: "--out \(npy): is a folder; name the .npy file to write") }
    }

    static func temporaryPath(for path: String) -> String {
        let dir = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        return (dir.isEmpty ? "" : dir + "/") + ".\(name).tmp-\(getpid())"
    }

    /// Row names for `npy` from the names file beside it; row numbers when there is none.
    public static func names(for npy: String, rows: Int) throws -> [String] {
        let path = namesPath(for: npy)
        guard let d = FileManager.default.contents(atPath: path) else { return (0..<rows).map { "row \($0)" } }
        let names = String(decoding: d, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        let trimmed = names.last == "" ? Array(names.dropLast()) : names
        guard trimmed.count == rows else {
            throw FaceModelError(message: "\(path): \(trimmed.count) names for the \(rows) rows of \(npy)")
        }
        return trimmed
    }
}
