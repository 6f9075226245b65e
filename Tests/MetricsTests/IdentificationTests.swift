import Datasets
import Metrics
import Foundation
import Testing

/// Closed-set identification: a hand-ranked gallery with ties and distractors, then an independent
/// numpy implementation on a gallery with distractors, duplicates and exactly tied scores.
@Suite struct IdentificationTests {
    static func matrix(_ rows: [[Double]]) throws -> EmbeddingMatrix {
        try EmbeddingMatrix(values: rows.flatMap { $0 }, rows: rows.count, columns: rows[0].count, source: "test")
    }

    @Test func handRankedGalleryWithTiesAndDistractors() throws {
        // Scores against (1, 0): items 0, 2 and 6 tie at 1 and rank by index, then 4 (0.8), 3 (0.6),
        // 1 (0), 5 (−1): ranks 0→1, 2→2, 6→3, 4→4, 3→5, 1→6, 5→7.
        let gallery = try Self.matrix([[1, 0], [0, 1], [1, 0], [0.6, 0.8], [0.8, 0.6], [-1, 0], [1, 0]])
        let galleryLabels = [7, 5, -100, 7, 9, 7, 8]
        let probes = try Self.matrix(Array(repeating: [1, 0], count: 5))
        let probeLabels = [7, 9, -100, 42, 8]
        let r = try Identification.evaluate(probes: probes, probeLabels: probeLabels, gallery: gallery, galleryLabels: galleryLabels,
                                            ranks: [1, 3, 4])
        #expect(r.firstMatchRanks == [1, 4, nil, nil, 3])
        let apA = (1.0 + 2.0 / 5 + 3.0 / 7) / 3
        #expect(r.averagePrecisions.map { $0 ?? -1 }.enumerated().allSatisfy { k, v in
            abs(v - [apA, 0.25, -1, -1, 1.0 / 3][k]) < 1e-15 }, "\(r.averagePrecisions)")
        #expect(r.probesEvaluated == 3 && r.probesWithoutMatch == 2 && r.distractors == 1)
        #expect(maxDifference(r.rankRates, [1.0 / 3, 2.0 / 3, 1]) < 1e-15)
        #expect(abs(r.meanAveragePrecision - (apA + 0.25 + 1.0 / 3) / 3) < 1e-15)
        #expect(maxDifference(r.cmc, [1.0 / 3, 1.0 / 3, 2.0 / 3, 1, 1, 1, 1]) < 1e-15)
    }

    @Test func mismatchedInputIsRefused() throws {
        let g = try Self.matrix([[1, 0], [0, 1]]), p = try Self.matrix([[1, 0, 0]])
        #expect(throws: MetricError("identification: 1 gallery labels for 2 gallery rows, expected one label per row")) {
            try Identification.evaluate(probes: g, probeLabels: [1, 2], gallery: g, galleryLabels: [1])
        }
        #expect(throws: MetricError("identification: probe embeddings have d = 3 but gallery embeddings d = 2, expected equal dimensions")) {
            try Identification.evaluate(probes: p, probeLabels: [1], gallery: g, galleryLabels: [1, 2])
        }
        #expect(throws: MetricError("test: row 1 is all zeros, expected a non-zero embedding")) {
            try Self.matrix([[1, 0], [0, 0]])
        }
    }

    @Test func matchesAnIndependentNumpyImplementation() throws {
        guard NumPy.available else { return }
        let dir = NumPy.temporaryDirectory("identify-ref")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NumPy.run(NumPy.reference, ["make-identify", dir, "3"])
        try NumPy.run(NumPy.reference, ["identify", dir + "/P.npy", dir + "/P.txt", dir + "/G.npy", dir + "/G.txt", "1,5,20", dir + "/ref.json"])
        let ref = try NumPy.json(dir + "/ref.json")
        #expect((ref["probes_with_tied_best_match"]?.double ?? 0) >= 20, "too few exact ties: \(number(ref, "probes_with_tied_best_match"))")
        #expect((ref["probes_with_several_matches"]?.double ?? 0) >= 100)

        let probes = try EmbeddingMatrix(contentsOf: dir + "/P.npy"), gallery = try EmbeddingMatrix(contentsOf: dir + "/G.npy")
        let pl = try LabelsFile.read(dir + "/P.txt"), gl = try LabelsFile.read(dir + "/G.txt")
        // Default blocking (one GEMM) and 7 probes per GEMM must agree with numpy alike.
        for block in [nil, 7] as [Int?] {
            let r = try Identification.evaluate(probes: probes, probeLabels: pl, gallery: gallery, galleryLabels: gl, probeBlock: block)
            #expect(r.probes == 342 && r.probesWithoutMatch == 6 && Double(r.distractors) == ref["distractors"]?.double)
            #expect(Double(r.probesEvaluated) == ref["probes_evaluated"]?.double)
            #expect(r.firstMatchRanks.compactMap { $0 } == (ref["first_ranks"]?.ints ?? []), "first-match ranks differ (block \(String(describing: block)))")
            #expect(maxDifference(r.averagePrecisions.compactMap { $0 }, (ref["aps"]?.doubles ?? [])) < 1e-9)
            for (k, rate) in zip(r.ranks, r.rankRates) {
                #expect(abs(rate - number(ref, "rank\(k)")) < 1e-9, "rank-\(k) \(rate) vs numpy \(number(ref, "rank\(k)"))")
            }
            #expect(abs(r.meanAveragePrecision - number(ref, "map")) < 1e-9, "mAP \(r.meanAveragePrecision) vs numpy \(number(ref, "map"))")
            #expect(maxDifference(r.cmc, (ref["cmc"]?.doubles ?? [])) < 1e-9)
            if block == nil { print("identification vs numpy: rank-1/5/20 \(r.rankRates), mAP \(r.meanAveragePrecision)") }
        }
    }
}
