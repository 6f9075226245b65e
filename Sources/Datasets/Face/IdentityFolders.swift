import Foundation

/// One image of an identity-folder set: its path relative to the root and its class.
public struct IdentityImage: Sendable, Equatable {
    public var path: String
    public var label: Int

    public init(path: String, label: Int) {
        self.path = path
        self.label = label
    }
}

/// `root/<identity>/<image>` as torchvision's `ImageFolder` reads it: classes are the folder names
/// in byte-wise (code point) order, images are the `.jpg`/`.jpeg`/`.png` files (any case) below
/// each, also in nested folders, in byte-wise order of their relative paths. Hidden entries
/// (names starting with `.`) are skipped.
public struct IdentityFolders: Sendable {
    public let root: String
    public let classNames: [String]
    public let images: [IdentityImage]
    /// Non-image, non-hidden files that were skipped (relative paths), for `dataset info`.
    public let skippedFiles: [String]
    /// Entries that could not be walked or read, one line each (symbolic link loops, FIFOs and
    /// devices, names that are not valid UTF-8), for `dataset info`'s problems.
    public let skippedEntries: [String]

    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    public init(root: String) throws {
        guard DataFile.isDirectory(root) else { throw DatasetError.folderMissing(spec: "folders:\(root)") }
        self.root = root
        let top = try FolderWalk(root: root, recursive: false)
        classNames = top.folders
        var images: [IdentityImage] = []
        var skipped: [String] = []
        var problems = top.skipped
        for (label, name) in classNames.enumerated() {
            let walk = try FolderWalk(root: DataFile.join(root, name))
            problems += walk.skipped
            var files: [String] = []
            for file in walk.files {
                let rel = name + "/" + file
                if Self.imageExtensions.contains((file as NSString).pathExtension.lowercased()) { files.append(rel) } else { skipped.append(rel) }
            }
            images += files.sorted(by: byteOrder).map { IdentityImage(path: $0, label: label) }
        }
        self.images = images
        skippedFiles = skipped.sorted(by: byteOrder)
        skippedEntries = problems
    }

    public var count: Int { images.count }

    public func imageBytes(at index: Int) throws -> Data {
        Data(try DataFile.readRaw(DataFile.join(root, images[index].path)))
    }
}

/// Byte-wise (UTF-8, i.e. code point) order, as Python's `sorted` on names; Swift's `<` on
/// String compares canonical equivalents equal, which a file system does not.
func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

/// Writes `root/<identity>/<file>` into a temporary sibling folder renamed into place by `finish()`.
public final class IdentityFolderWriter {
    public let root: String
    private let temporary: String
    private var created: Set<String> = []
    private var finished = false

    public init(root: String) throws {
        self.root = root
        temporary = try FolderTransaction.begin(root)
    }

    deinit { if !finished { try? FileManager.default.removeItem(atPath: temporary) } }

    /// Writes `imageBytes` as `<identity>/<fileName>`; both must be plain names (no `/`, not hidden).
    public func write(imageBytes: Data, identity: String, fileName: String) throws {
        for part in [identity, fileName] where part.isEmpty || part.contains("/") || part.hasPrefix(".") {
            throw DatasetError.invalid(file: root, offset: nil, message: "'\(part)' is not a plain visible file or folder name")
        }
        let dir = DataFile.join(temporary, identity)
        if !created.contains(identity) {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw DatasetError.io(file: dir, reason: "cannot create folder (\(error.localizedDescription))")
            }
            created.insert(identity)
        }
        let path = DataFile.join(dir, fileName)
        guard FileManager.default.createFile(atPath: path, contents: imageBytes) else {
            throw DatasetError.io(file: path, reason: "cannot write")
        }
    }

    public func finish() throws {
        try FolderTransaction.commit(temporary, to: root)
        finished = true
    }
}
