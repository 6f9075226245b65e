import Foundation
import ImageIO

/// Reading and writing whole files as bytes.
public enum DataFile {
    /// The file's bytes as stored; anything but a regular file (a FIFO, a device, a folder) is
    /// refused before it is read, so that no input can block or never end.
    public static func readRaw(_ path: String) throws -> [UInt8] {
        switch FileSafety.readRegular(path) {
        case let .success(bytes): return bytes
        case let .failure(e): throw DatasetError.io(file: path, reason: e.reason)
        }
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
