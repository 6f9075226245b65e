import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The append-only journal of a search (`search.jsonl`): a configuration line, then one record per
/// scored candidate. Each record goes out in a single `write` followed by `fsync`, so a crash leaves
/// at most one torn last line, which reopening reports and cuts off.
public final class SearchJournal {
    public let path: String
    public let configuration: SearchConfiguration
    /// Records already in the file when it was opened, in order.
    public let existing: [SearchRecord]
    public let existingLines: [Int]
    /// The line number of a torn last record that was dropped on opening.
    public let droppedTornLine: Int?
    private let fd: Int32

    /// Opens (creating if needed) the journal at `path` for a search with `configuration`.
    /// `writable` false (the later ranks of a data-parallel search): reads the journal rank 0
    /// created and never writes it; `append` is then a no-op.
    public init(path: String, configuration: SearchConfiguration, writable: Bool = true) throws {
        self.path = path
        self.configuration = configuration
        let fm = FileManager.default
        if !writable {
            let file = try SearchFile(path: path)
            guard file.configuration.map({ configuration.differences(from: $0).isEmpty }) == true else {
                throw SearchFileError("\(path): rank 0's journal has other settings than this rank's")
            }
            existing = file.records; existingLines = file.lineNumbers; droppedTornLine = file.tornLine
            fd = -1
            return
        }
        if fm.fileExists(atPath: path) {
            let file = try SearchFile(path: path)
            guard let saved = file.configuration else {
                throw SearchFileError("\(path): no search_config line; not a facenas search journal (use another --out)")
            }
            let diff = configuration.differences(from: saved)
            guard diff.isEmpty else {
                throw SearchFileError("\(path): written by a search with other settings: \(diff.joined(separator: "; ")); rerun with the journal's settings or use another --out")
            }
            existing = file.records
            existingLines = file.lineNumbers
            droppedTornLine = file.tornLine
            if file.tornLine != nil { truncate(path, off_t(file.validLength)) }
            fd = open(path, O_WRONLY | O_APPEND)
        } else {
            existing = []; existingLines = []; droppedTornLine = nil
            let header = try String(decoding: JSONEncoder.sorted.encode(ConfigurationLine(searchConfig: configuration)), as: UTF8.self)
            // Write the header to a temporary file and rename it, so the journal never exists without it.
            let tmp = path + ".tmp"
            try Data((header + "\n").utf8).write(to: URL(fileURLWithPath: tmp))
            guard rename(tmp, path) == 0 else { throw SearchFileError("\(path): cannot create the journal (\(String(cString: strerror(errno))))") }
            fd = open(path, O_WRONLY | O_APPEND)
        }
        guard fd >= 0 else { throw SearchFileError("\(path): cannot open for appending (\(String(cString: strerror(errno))))") }
    }

    deinit { if fd >= 0 { close(fd) } }

    public func append(_ record: SearchRecord) throws {
        guard fd >= 0 else { return }
        let bytes = Array((try record.jsonLine() + "\n").utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw SearchFileError("\(path): write failed (\(String(cString: strerror(errno))))") }
        fsync(fd)
    }
}

extension JSONEncoder {
    /// Compact JSON with sorted keys: one journal line, stable bytes.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}

/// Candidate scores read from a recorded-scores file (the authors' logs, or an earlier journal),
/// looked up by architecture and epochs.
public struct RecordedScores {
    public let path: String
    private var byKey: [CandidateKey: [SearchRecord]] = [:]
    private var used: [CandidateKey: Int] = [:]
    public let count: Int

    public init(path: String) throws {
        self.path = path
        let file = try SearchFile(path: path)
        if let t = file.tornLine {
            throw SearchFileError("\(path): line \(t) is not a candidate record; fix or remove it")
        }
        for r in file.records { byKey[r.key, default: []].append(r) }
        count = file.records.count
    }

    /// The record for `candidate`; a key that appears several times is served in file order.
    public mutating func record(for candidate: Candidate) throws -> SearchRecord {
        let key = CandidateKey(candidate)
        guard let list = byKey[key], !list.isEmpty else {
            throw SearchFileError("\(path): no recorded score for candidate \(candidate.index + 1) (\(candidate.phase.rawValue)): \(key)")
        }
        let i = used[key, default: 0]
        used[key] = i + 1
        return list[min(i, list.count - 1)]
    }
}
