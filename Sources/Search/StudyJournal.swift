import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A study's append-only journal (`study.jsonl`): the configuration line, then one record per
/// finished training, in job order. As with the search journal, the header is written to a new
/// file and renamed, each record is one `write` plus `fsync`, and a torn last line (a kill during
/// a write) is cut off on reopening.
public final class StudyJournal {
    public let path: String
    public let configuration: StudyConfiguration
    public let existing: [StudyRecord]
    public let droppedTornLine: Int?
    private let fd: Int32

    struct Header: Codable {
        var studyConfig: StudyConfiguration
        enum CodingKeys: String, CodingKey { case studyConfig = "study_config" }
    }

    /// `writable` false (ranks other than 0): reads what rank 0 created and never writes.
    public init(path: String, configuration: StudyConfiguration, writable: Bool = true) throws {
        self.path = path
        self.configuration = configuration
        if FileManager.default.fileExists(atPath: path) {
            let (saved, records, torn, validLength) = try Self.read(path)
            let diff = configuration.differences(from: saved)
            guard diff.isEmpty else {
                throw StudyError("\(path): written by a study with other settings: \(diff.joined(separator: "; ")); rerun with the journal's settings or use another --out")
            }
            existing = records; droppedTornLine = torn
            if !writable { fd = -1; return }
            if torn != nil { truncate(path, off_t(validLength)) }
        } else {
            guard writable else { throw StudyError("\(path): rank 0 has not created the journal") }
            existing = []; droppedTornLine = nil
            let header = try String(decoding: JSONEncoder.sorted.encode(Header(studyConfig: configuration)), as: UTF8.self)
            let tmp = path + ".tmp"
            try Data((header + "\n").utf8).write(to: URL(fileURLWithPath: tmp))
            guard rename(tmp, path) == 0 else { throw StudyError("\(path): cannot create the journal (\(String(cString: strerror(errno))))") }
        }
        fd = open(path, O_WRONLY | O_APPEND)
        guard fd >= 0 else { throw StudyError("\(path): cannot open for appending (\(String(cString: strerror(errno))))") }
    }

    deinit { if fd >= 0 { close(fd) } }

    public func append(_ record: StudyRecord) throws {
        guard fd >= 0 else { return }
        let line = try String(decoding: JSONEncoder.sorted.encode(record), as: UTF8.self) + "\n"
        let bytes = Array(line.utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw StudyError("\(path): write failed (\(String(cString: strerror(errno))))") }
        fsync(fd)
    }

    /// The configuration, the records, a torn last line's number and the length of the valid part.
    public static func read(_ path: String) throws -> (StudyConfiguration, [StudyRecord], Int?, Int) {
        guard let data = FileManager.default.contents(atPath: path) else { throw StudyError("\(path): cannot read") }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let first = lines.first, let header = try? JSONDecoder().decode(Header.self, from: Data(first)) else {
            throw StudyError("\(path): line 1 is not a study_config line; not a facenas study journal (use another --out)")
        }
        var records: [StudyRecord] = []
        var valid = first.count + 1
        for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let complete = i < lines.count - 1
            guard complete, let r = try? JSONDecoder().decode(StudyRecord.self, from: Data(line)) else {
                if i == lines.count - 1 || (i == lines.count - 2 && lines.last!.isEmpty) { return (header.studyConfig, records, i + 1, valid) }
                throw StudyError("\(path): line \(i + 1) is not a study record (only a torn last line is repaired)")
            }
            records.append(r)
            valid += line.count + 1
        }
        return (header.studyConfig, records, nil, valid)
    }
}
