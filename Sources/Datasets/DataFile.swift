import Foundation
#if canImport(Glibc)
import Glibc
private let sysRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let sysRead = Darwin.read
#endif

/// Reading and writing whole files as bytes.
public enum DataFile {
    /// The file's bytes as stored.
    public static func readRaw(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw DatasetError.io(file: path, reason: "cannot open (\(errnoText()))") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw DatasetError.io(file: path, reason: "cannot stat (\(errnoText()))") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw DatasetError.io(file: path, reason: "is a folder, expected a file") }
        let size = Int(st.st_size)
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, initialised in
            var done = 0
            while done < size {
                let n = sysRead(fd, buf.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = "read failed at byte \(done) (\(errnoText()))"; break
                }
                if n == 0 { failure = "file shrank while reading: \(done) of \(size) bytes"; break }
                done += n
            }
            initialised = done
        }
        if let failure { throw DatasetError.io(file: path, reason: failure) }
        return bytes
    }

    /// The file's bytes, gunzipped when they start with the gzip magic 1f 8b (whatever the name).
    public static func read(_ path: String) throws -> [UInt8] {
        let raw = try readRaw(path)
        return Gzip.isGzip(raw) ? try Gzip.decompress(raw, file: path) : raw
    }

    /// Writes `bytes` (gzip-compressed when `gzip`) to a temporary file next to `path`, then renames
    /// it over `path`, so a reader never sees a half-written file.
    public static func write(_ bytes: [UInt8], to path: String, gzip: Bool = false) throws {
        let payload = gzip ? try Gzip.compress(bytes) : bytes
        do {
            try Data(payload).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DatasetError.io(file: path, reason: "cannot write (\(error.localizedDescription))")
        }
    }

    public static func isFile(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && !dir.boolValue
    }

    public static func isDirectory(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }

    public static func join(_ a: String, _ b: String) -> String {
        if b.isEmpty { return a }
        return a.hasSuffix("/") ? a + b : a + "/" + b
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }
