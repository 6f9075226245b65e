import Foundation
import ImageIO

/// Unlabelled images to embed: every `.jpg`/`.jpeg`/`.png` below a folder (relative paths in
/// byte-wise order, hidden entries skipped), or the paths listed in a text file, one per line
/// (relative paths are taken from the list's folder; blank lines and `#` comments are ignored).
/// A TinyFace folder's probes and gallery are also given to the embedder this way, with labels.
public struct ImageFileList: FaceImageSource {
    public let name: String
    /// Paths as given (relative to `base` when not absolute): the names written beside embeddings.
    public let paths: [String]
    public let labels: [Int]
    public let base: String
    /// Entries of a folder that were skipped, one line each (symbolic link loops, FIFOs and devices,
    /// names that are not valid UTF-8); empty for a list file.
    public private(set) var skipped: [String] = []

    public init(name: String, base: String, paths: [String], labels: [Int]? = nil) {
        self.name = name; self.base = base; self.paths = paths
        self.labels = labels ?? Array(repeating: 0, count: paths.count)
        precondition(self.labels.count == paths.count, "\(name): \(self.labels.count) labels for \(paths.count) images")
    }

    /// A folder (searched recursively) or a list file. A listed path must stay inside the list's
    /// folder (no absolute path, no `..`, no symbolic link leading out) unless `allowOutside`.
    public init(argument path: String, allowOutside: Bool = false) throws {
        if DataFile.isDirectory(path) {
            let walk = try Self.walk(path)
            self.init(name: path, base: path, paths: walk.files)
            skipped = walk.skipped
        } else if DataFile.isFile(path) {
            let text = String(decoding: try DataFile.readRaw(path), as: UTF8.self)
            let base = (path as NSString).deletingLastPathComponent
            var paths: [String] = []
            for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
                let entry = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                if entry.isEmpty || entry.hasPrefix("#") { continue }
                if case let .failure(e) = FileSafety.resolve(entry, base: base, allowOutside: allowOutside) {
                    throw DatasetError.invalid(file: path, offset: nil, message: "line \(n + 1): \(e.reason)")
                }
                paths.append(entry)
            }
            self.init(name: path, base: base, paths: paths)
        } else {
            throw DatasetError.io(file: path, reason: "no such folder or image list")
        }
        guard !paths.isEmpty else { throw DatasetError.invalid(file: path, offset: nil, message: "no .jpg, .jpeg or .png images found") }
    }

    public var count: Int { paths.count }
    public var classes: Int { (labels.max() ?? 0) + 1 }

    public func fullPath(_ index: Int) -> String {
        paths[index].hasPrefix("/") || base.isEmpty ? paths[index] : DataFile.join(base, paths[index])
    }

    public func encodedImage(at index: Int) throws -> (label: Int, bytes: Data) {
        (labels[index], Data(try DataFile.readRaw(fullPath(index))))
    }

    public func location(of index: Int) -> String { fullPath(index) }

    /// Every `.jpg`/`.jpeg`/`.png` below `folder` (hidden entries skipped), as full paths in
    /// byte-wise order.
    static func imageFiles(under folder: String) throws -> [String] {
        try walk(folder).files.map { DataFile.join(folder, $0) }
    }

    /// The images below `folder` (relative paths, byte-wise order) and the entries skipped (see `FolderWalk`).
    static func walk(_ folder: String) throws -> (files: [String], skipped: [String]) {
        let w = try FolderWalk(root: folder)
        return (w.files.filter { IdentityFolders.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }, w.skipped)
    }
}
