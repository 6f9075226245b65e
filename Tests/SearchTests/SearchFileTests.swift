import Foundation
import Search
import Testing

@Suite struct SearchFileTests {
    static let config = SearchConfiguration(space: .plain, inChannels: 1, classes: 10, inputSize: 28, rules: SearchRules(maxWidth: 32))

    static func tempFile(_ name: String) -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("facenas-searchfile-\(getpid())")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d.appendingPathComponent(name).path
    }

    static func record(_ i: Int, acc: Float) -> SearchRecord {
        var r = SearchRecord(depth: 10 + i, width: 32, ops: Array(repeating: 0, count: 10 + i), kernels: Array(repeating: 3, count: 10 + i),
                             epochs: 10 + i, trainAccuracy: 50, accuracy: acc)
        r.index = i; r.phase = .depth; r.decision = .accept
        return r
    }

    @Test func journalRoundTripsAndKeepsFloat32Scores() throws {
        let path = Self.tempFile("roundtrip.jsonl")
        try? FileManager.default.removeItem(atPath: path)
        do {
            let j = try SearchJournal(path: path, configuration: Self.config)
            try j.append(Self.record(0, acc: 84.829994))
            try j.append(Self.record(1, acc: Float(1) / 3))
        }
        let j = try SearchJournal(path: path, configuration: Self.config)
        #expect(j.existing == [Self.record(0, acc: 84.829994), Self.record(1, acc: Float(1) / 3)])
        #expect(j.existingLines == [2, 3] && j.droppedTornLine == nil)
    }

    @Test func tornLastLineIsReportedAndCutOff() throws {
        let path = Self.tempFile("torn.jsonl")
        try? FileManager.default.removeItem(atPath: path)
        do {
            let j = try SearchJournal(path: path, configuration: Self.config)
            try j.append(Self.record(0, acc: 90))
        }
        let whole = try String(contentsOfFile: path, encoding: .utf8)
        try (whole + "{\"accuracy\":91.5,\"dep").write(toFile: path, atomically: true, encoding: .utf8)
        do {
            let j = try SearchJournal(path: path, configuration: Self.config)
            #expect(j.droppedTornLine == 3 && j.existing.count == 1)
            try j.append(Self.record(1, acc: 91))
        }
        // The torn bytes are gone; the new record follows the last good one.
        let after = try SearchFile(path: path)
        #expect(after.records.map(\.accuracy) == [90, 91] && after.tornLine == nil)
    }

    @Test func damagedMiddleLineIsAnErrorWithItsLineNumber() throws {
        let path = Self.tempFile("damaged.jsonl")
        let lines = [try Self.record(0, acc: 90).jsonLine(), "{\"accuracy\": 9", try Self.record(1, acc: 91).jsonLine()]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SearchFileError.self) { try SearchFile(path: path) }
        do { _ = try SearchFile(path: path) } catch { #expect("\(error)".contains("line 2 ")) }
    }

    @Test func otherConfigurationIsRefusedNamingTheSetting() throws {
        let path = Self.tempFile("config.jsonl")
        try? FileManager.default.removeItem(atPath: path)
        _ = try SearchJournal(path: path, configuration: Self.config)
        var other = Self.config
        other.rules.budget.startEpochs = 3
        other.seed = 7
        do {
            _ = try SearchJournal(path: path, configuration: other)
            Issue.record("a journal of another configuration was accepted")
        } catch {
            let m = "\(error)"
            #expect(m.contains("--epochs-start 10 in the journal, 3 now") && m.contains("--seed 0 in the journal, 7 now"))
        }
    }

    @Test func authorsFilesAreScoresFiles() throws {
        let f = try SearchFile(path: AuthorsReplayTests.fixtures.appendingPathComponent("cifar10-tiny.jsonl").path)
        #expect(f.records.count == 86 && f.configuration == nil)
        #expect(f.records[0].accuracy == 84.829994 && f.records[0].epochs == 10 && f.records[33].epochs == 2)
    }
}

/// Values read back from a journal or a recorded-scores file are range-checked: a damaged
/// accuracy would otherwise rank as a real score.
@Suite struct SearchRecordRangeTests {
    @Test(arguments: [("\"accuracy\":-500", "accuracy -500.0 outside 0...100 (percent)"),
                      ("\"accuracy\":1e9", "accuracy 1e+09 outside 0...100 (percent)"),
                      ("\"epochs\":0", "each must be at least 1")])
    func outOfRangeValuesAreDamage(edit: String, phrase: String) throws {
        let good = #"{"depth":3,"width":8,"ops":[0,0,0],"kernels":[3,3,3],"epochs":2,"train_accuracy":50,"accuracy":40}"#
        #expect(try SearchFile(data: Data((good + "\n").utf8), source: "j.jsonl").records.count == 1)
        let key = edit.split(separator: ":")[0]
        let bad = good.replacingOccurrences(of: key == "\"epochs\"" ? "\"epochs\":2" : "\"accuracy\":40", with: edit)
        #expect {
            _ = try SearchFile(data: Data((good + "\n" + bad + "\n" + good + "\n").utf8), source: "j.jsonl")
        } throws: { error in
            let m = "\(error)"
            return m.hasPrefix("j.jsonl: line 2: ") && m.contains(phrase) && !m.contains("\n")
        }
    }
}
