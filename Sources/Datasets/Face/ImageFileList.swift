import Foundation

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

    public init(name: String, base: String, paths: [String], labels: [Int]? = nil) {
        self.name = name; self.base = base; self.paths = paths
        self.labels = labels ?? Array(repeating: 0, count: paths.count)
        precondition(self.labels.count == paths.count, "\(name): \(self.labels.count) labels for \(paths.count) images")
    }

    /// A folder (searched recursively) or a list file.
    public init(argument path: String) throws {
        if DataFile.isDirectory(path) {
            let prefix = path.hasSuffix("/") ? path : path + "/"
            self.init(name: path, base: path, paths: try Self.imageFiles(under: path).map { String($0.dropFirst(prefix.count)) })
        } else if DataFile.isFile(path) {
            let text = String(decoding: try DataFile.readRaw(path), as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            let paths = lines.filter { !$0.isEmpty && !$0.hasPrefix("#") }
            self.init(name: path, base: (path as NSString).deletingLastPathComponent, paths: paths)
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
        var out: [String] = []
        var pending = [folder]
        while let dir = pending.popLast() {
            let entries: [String]
            do { entries = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
                throw DatasetError.io(file: dir, reason: "cannot list folder (\(error.localizedDescription))")
            }
            for e in entries where !e.hasPrefix(".") {
                let p = DataFile.join(dir, e)
                if DataFile.isDirectory(p) {
                    pending.append(p)
                } else if IdentityFolders.imageExtensions.contains((e as NSString).pathExtension.lowercased()) {
                    out.append(p)
                }
            }
        }
        return out.sorted(by: byteOrder)
    }
}
