import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening files that users hand over, and resolving the paths that list files name, so that no
/// input can make a reader block, or make a reader or writer leave the folders it was given.
public enum FileSafety {
    /// What a non-regular file is ("a FIFO"), nil for a regular file.
    public static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    /// Opens `path` read-only, refusing anything but a regular file: a FIFO would block the open (or
    /// the read) until some writer appears, and a device never ends. The kind is checked before
    /// opening (opening some devices has effects) and again on the open descriptor, which is opened
    /// non-blocking so that a FIFO swapped in between cannot block either. Returns the descriptor
    /// and the size, or the reason, e.g. "is a FIFO, expected a regular file".
    public static func openRegular(_ path: String) -> Result<(fd: Int32, size: Int), FileSafetyError> {
        var st = stat()
        if stat(path, &st) != 0 { return .failure(FileSafetyError("cannot open (\(errnoText()))")) }
        if let kind = nonRegularKind(st.st_mode) { return .failure(FileSafetyError("is \(kind), expected a regular file")) }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { return .failure(FileSafetyError("cannot open (\(errnoText()))")) }
        if fstat(fd, &st) != 0 {
            let reason = errnoText()
            close(fd)
            return .failure(FileSafetyError("cannot stat (\(reason))"))
        }
        if let kind = nonRegularKind(st.st_mode) {
            close(fd)
            return .failure(FileSafetyError("is \(kind), expected a regular file"))
        }
        return .success((fd, Int(st.st_size)))
    }

    /// The whole of a regular file (see `openRegular`).
    public static func readRegular(_ path: String) -> Result<[UInt8], FileSafetyError> {
        let opened: (fd: Int32, size: Int)
        switch openRegular(path) {
        case let .success(o): opened = o
        case let .failure(e): return .failure(e)
        }
        defer { close(opened.fd) }
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: opened.size) { buf, initialised in
            var done = 0
            while done < opened.size {
                let n = read(opened.fd, buf.baseAddress! + done, opened.size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = "read failed at byte \(done) (\(errnoText()))"; break
                }
                if n == 0 { failure = "file shrank while reading: \(done) of \(opened.size) bytes"; break }
                done += n
            }
            initialised = done
        }
        if let failure { return .failure(FileSafetyError(failure)) }
        return .success(bytes)
    }

    /// The canonical path of `path` (symbolic links and `..` resolved), nil when it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The canonical form `path` would have: the real path of its longest existing prefix followed
    /// by the components that do not exist yet (which then cannot be links).
    public static func prospectiveRealPath(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var existing = absolute
        var missing: [String] = []
        while true {
            if let real = realPath(existing) {
                return missing.reversed().reduce(real) { $0 == "/" ? "/" + $1 : $0 + "/" + $1 }
            }
            let parent = (existing as NSString).deletingLastPathComponent
            let last = (existing as NSString).lastPathComponent
            if parent == existing || parent.isEmpty { return absolute }
            if last != "." && !last.isEmpty { missing.append(last) }
            existing = parent
        }
    }

    /// True when the canonical path `inner` is `outer` or lies below it.
    public static func isWithin(_ inner: String, _ outer: String) -> Bool {
        inner == outer || inner.hasPrefix(outer == "/" ? "/" : outer + "/")
    }

    /// `entry`, a path read from a list file, resolved against `base`. Unless `allowOutside`, the
    /// entry must stay inside `base`: no absolute path, no `..` component, and no symbolic link on
    /// the way that leads out of `base`. The error is the reason only; the caller adds the list file
    /// and line.
    public static func resolve(_ entry: String, base: String, allowOutside: Bool) -> Result<String, FileSafetyError> {
        let absolute = entry.hasPrefix("/")
        let joined = absolute || base.isEmpty ? entry : (base.hasSuffix("/") ? base + entry : base + "/" + entry)
        if allowOutside { return .success(joined) }
        let shown = base.isEmpty ? "the list's folder" : base
        if let reason = lexicalEscape(entry, folder: shown) { return .failure(FileSafetyError(reason)) }
        let realBase = prospectiveRealPath(base.isEmpty ? "." : base)
        let real = prospectiveRealPath(base.isEmpty ? entry : joined)
        guard isWithin(real, realBase) else {
            return .failure(FileSafetyError("'\(entry)' leads out of \(shown) through a symbolic link (to \(real))"))
        }
        return .success(joined)
    }

    /// Why `entry` leaves any folder it is joined to whatever the links on the way (an absolute path,
    /// a `..` component), nil when it does not; `folder` names that folder in the reason.
    public static func lexicalEscape(_ entry: String, folder: String) -> String? {
        if entry.hasPrefix("/") { return "'\(entry)' is an absolute path, expected a path inside \(folder)" }
        if entry.split(separator: "/").contains("..") { return "'\(entry)' has a '..' component, expected a path inside \(folder)" }
        return nil
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Why `FileSafety` refused a file or a path: a reason without the file name, which the caller adds.
public struct FileSafetyError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
