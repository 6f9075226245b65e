import Foundation
import ImageIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A recursive listing of the regular files below a folder that always ends: a folder reached a
/// second time (through a symbolic link) or a link to a folder that contains the walk's root is
/// not entered, and FIFOs, devices, sockets, broken links and names that are not valid UTF-8 (a
/// Swift `String` cannot name them, so they could not be opened) are skipped. Every skip is one
/// line in `skipped`, so callers can count and report them instead of hanging, walking forever or
/// dropping files silently. Hidden entries (names starting with `.`) are ignored, as before.
public struct FolderWalk: Sendable {
    /// Regular files (or links to them), relative to the root, in byte-wise order.
    public private(set) var files: [String] = []
    /// Folders entered, relative to the root ("" for the root itself).
    public private(set) var folders: [String] = []
    /// One line per skipped entry: "<path>: <why> (skipped)".
    public private(set) var skipped: [String] = []

    /// `recursive` false lists the root's own entries only (files in `files`, sub-folders in
    /// `folders`, without the root).
    public init(root: String, recursive: Bool = true) throws {
        let realRoot = FileSafety.realPath(root) ?? root
        var rootStat = stat()
        guard stat(root, &rootStat) == 0 else { throw DatasetError.io(file: root, reason: "cannot list folder (\(String(cString: strerror(errno))))") }
        var visited: Set<FileID> = [FileID(rootStat)]
        var pending = [""]
        if recursive { folders.append("") }
        while let dir = pending.popLast() {
            let full = dir.isEmpty ? root : DataFile.join(root, dir)
            let listing = try Self.list(full)
            for bad in listing.undecodable {
                skipped.append("\(full)/\(bad): name is not valid UTF-8 (skipped)")
            }
            for name in listing.names where !name.hasPrefix(".") {
                let rel = dir.isEmpty ? name : dir + "/" + name
                let path = DataFile.join(root, rel)
                var link = stat(), target = stat()
                guard lstat(path, &link) == 0 else { skipped.append("\(path): cannot stat (\(String(cString: strerror(errno)))) (skipped)"); continue }
                let isLink = (link.st_mode & S_IFMT) == S_IFLNK
                guard stat(path, &target) == 0 else {
                    skipped.append("\(path): \(isLink ? "broken symbolic link" : "cannot stat (\(String(cString: strerror(errno))))") (skipped)")
                    continue
                }
                switch target.st_mode & S_IFMT {
                case S_IFDIR:
                    if isLink, let real = FileSafety.realPath(path), FileSafety.isWithin(realRoot, real) {
                        skipped.append("\(path): symbolic link to \(real), which contains \(root) (a loop) (skipped)")
                    } else if !visited.insert(FileID(target)).inserted {
                        skipped.append("\(path): folder already visited (a symbolic link loop or a second link to it) (skipped)")
                    } else if recursive {
                        folders.append(rel)
                        pending.append(rel)
                    } else {
                        folders.append(rel)
                    }
                case S_IFREG:
                    files.append(rel)
                default:
                    skipped.append("\(path): \(FileSafety.nonRegularKind(target.st_mode) ?? "not a regular file"), not a regular file (skipped)")
                }
            }
        }
        files.sort(by: byteOrder)
        folders.sort(by: byteOrder)
        skipped.sort(by: byteOrder)
    }

    /// The names in `dir` from the raw directory entries, so that names `FileManager` cannot
    /// represent are seen (and reported) rather than lost.
    static func list(_ dir: String) throws -> (names: [String], undecodable: [String]) {
        guard let d = opendir(dir) else {
            throw DatasetError.io(file: dir, reason: "cannot list folder (\(String(cString: strerror(errno))))")
        }
        defer { closedir(d) }
        var names: [String] = [], undecodable: [String] = []
        while let e = readdir(d) {
            let bytes: [UInt8] = withUnsafeBytes(of: e.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if bytes == [0x2e] || bytes == [0x2e, 0x2e] { continue }
            if let name = String(validating: bytes, as: UTF8.self) {
                names.append(name)
            } else {
                undecodable.append(bytes.map { $0 < 0x80 && $0 >= 0x20 ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }.joined())
            }
        }
        return (names, undecodable)
    }
}

/// A file's identity (device, inode), to recognise a folder reached twice.
private struct FileID: Hashable {
    let device: UInt64, inode: UInt64
    init(_ s: stat) { device = UInt64(s.st_dev); inode = UInt64(s.st_ino) }
}
