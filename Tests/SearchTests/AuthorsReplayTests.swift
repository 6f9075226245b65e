import Foundation
import Search
import Testing

/// Replays two of the authors' searches from their recorded scores (paper-algorithm §4–5 with
/// float32 comparisons): every candidate must be asked for in the file's order and the final
/// architecture must be the one the authors found.
@Suite struct AuthorsReplayTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func replay(_ file: String, inChannels: Int) throws -> (SearchOutcome, [Candidate], [SearchRecord]) {
        let path = Self.fixtures.appendingPathComponent(file).path
        var scores = try RecordedScores(path: path)
        let records = try SearchFile(path: path).records
        var asked: [Candidate] = []
        let search = MacroMicroSearch(space: PlainSpace(inChannels: inChannels, classes: 10, inputSize: 32), rules: SearchRules(maxWidth: 64))
        let out = try search.run(oracle: { c in asked.append(c); return try scores.record(for: c).score })
        return (out, asked, records)
    }

    @Test func cifar10Tiny() throws {
        let (out, asked, records) = try replay("cifar10-tiny.jsonl", inChannels: 3)
        #expect(out.finalLine == "final: depth=26 width=43 macro-width=46 std=0,2 k5=13,17 candidates=86")
        #expect(asked.map(CandidateKey.init) == records.map(\.key))
        #expect(out.depthCandidates == 21 && out.widthCandidates == 12 && out.candidates == out.expectedCandidates)
        #expect(PlainSpace(inChannels: 3, classes: 10, inputSize: 32).parameterCount(out.macroArchitecture) == 466_312)
    }

    @Test func fashionMNISTTiny() throws {
        let (out, asked, records) = try replay("fashionmnist-tiny.jsonl", inChannels: 1)
        #expect(out.finalLine == "final: depth=18 width=46 macro-width=54 std=1,5,9 k5=8 candidates=58")
        #expect(asked.map(CandidateKey.init) == records.map(\.key))
        #expect(PlainSpace(inChannels: 1, classes: 10, inputSize: 28).parameterCount(out.macroArchitecture) == 508_258)
        // The logged parameter counts agree with our counter for every candidate.
        for (c, r) in zip(asked, records) {
            let p = PlainSpace(inChannels: 1, classes: 10, inputSize: 28).parameterCount(c.architecture)
            #expect(abs(Double(p) / 1e6 - (r.paramsM ?? -1)) < 1e-6, "candidate \(c.index + 1)")
        }
    }

    @Test func missingCandidateIsNamed() throws {
        var scores = try RecordedScores(path: Self.fixtures.appendingPathComponent("fashionmnist-tiny.jsonl").path)
        let a = PlainSpace(inChannels: 1, classes: 10, inputSize: 28).macroArchitecture(depth: 40, width: 64)
        #expect(throws: SearchFileError.self) { try scores.record(for: Candidate(index: 3, phase: .depth, architecture: a, epochs: 40)) }
        do { _ = try scores.record(for: Candidate(index: 3, phase: .depth, architecture: a, epochs: 40)) } catch {
            #expect("\(error)".contains("candidate 4 (depth): depth 40 width 64 std - k5 - epochs 40"))
        }
    }
}
