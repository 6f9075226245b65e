import Datasets
import Foundation

/// The output folder of a run, checked before any work so that a typo or a read-only disk is
/// reported in the first second rather than after hours of training.
enum RunFiles {
    static func prepareOutput(_ dir: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), !isDir.boolValue {
            throw RunError("--out \(dir): exists and is not a folder")
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw RunError("--out \(dir): cannot create the folder (\(reason(error)))")
        }
        let probe = DataFile.join(dir, ".facenas-write-check-\(getpid())")
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw RunError("--out \(dir): the folder is not writable")
        }
        try? FileManager.default.removeItem(atPath: probe)
    }

    /// The operating system's words for a file error (NSCocoaErrorDomain codes mean nothing to a user).
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let u = ns.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(u.code)))
        }
        return ns.localizedDescription
    }

    /// A decoding error in a few words (the coding path and what was wrong), never the raw dump.
    static func decodingSummary(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch e {
        case .keyNotFound(let k, let c): return "missing \(path(c).isEmpty ? "" : path(c) + ".")\(k.stringValue)"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(path(c)): \(c.debugDescription)"
        case .dataCorrupted(let c): return "\(path(c).isEmpty ? "" : path(c) + ": ")\(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
