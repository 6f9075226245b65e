import Foundation
import Metrics
import Testing
import TestSupport

/// Kendall τ-b, Spearman ρ and the paired bootstrap of the ranking study, against scipy and numpy
/// (issue 21, acceptance 1): hand cases with ties, then random scorings full of ties replayed in
/// Python with the same resample indices.
@Suite struct RankCorrelationTests {
    @Test func tiesInBothVariablesMatchScipy() {
        // scipy.stats.kendalltau / spearmanr on these lists (scipy 1.x).
        let x: [Double] = [1, 2, 2, 3, 4, 4, 4, 5], y: [Double] = [2, 1, 3, 3, 5, 4, 4, 6]
        #expect(abs(RankCorrelation.kendallTauB(x, y) - 0.8406728074767076) < 1e-15)
        #expect(abs(RankCorrelation.spearmanRho(x, y) - 0.9256265453136692) < 1e-15)
        let a = [0.5, 0.5, 0.7, 0.9, 0.1], b: [Double] = [3, 1, 2, 2, 0]
        #expect(abs(RankCorrelation.kendallTauB(a, b) - 0.4444444444444444) < 1e-15)
        #expect(abs(RankCorrelation.spearmanRho(a, b) - 0.5263157894736843) < 1e-15)
    }

    @Test func averageRanksShareTiedPlaces() {
        #expect(RankCorrelation.averageRanks([10, 30, 20, 30, 30]) == [1, 4, 2, 4, 4])
    }

    @Test func constantScoringIsUndefinedAndReversalIsMinusOne() {
        #expect(RankCorrelation.kendallTauB([1, 2, 3], [5, 5, 5]).isNaN)
        #expect(RankCorrelation.spearmanRho([1, 2, 3], [5, 5, 5]).isNaN)
        #expect(RankCorrelation.kendallTauB([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
    }

    @Test func topOverlapCountsSharedLeaders() {
        let ref: [Double] = [9, 8, 7, 6, 5, 4], other: [Double] = [9, 1, 7, 6, 8, 0]
        #expect(RankCorrelation.top(3, of: ref) == [0, 1, 2])
        #expect(RankCorrelation.topOverlap(3, reference: ref, other: other) == 2.0 / 3)
        #expect(RankCorrelation.topOverlap(6, reference: ref, other: other) == nil)
    }

    @Test func numpyPercentileIsLinear() {
        #expect(RankBootstrap.percentile([0, 10, 20, 30], 50) == 15)
        #expect(abs(RankBootstrap.percentile([1, 2, 3, 4, 5], 2.5) - 1.1) < 1e-15)
    }

    @Test func bootstrapIsSeededAndPaired() {
        let a = RankBootstrap(items: 7, resamples: 5, seed: 3), b = RankBootstrap(items: 7, resamples: 5, seed: 3)
        #expect(a.resamples == b.resamples && a.resamples.count == 5 && a.resamples.allSatisfy { $0.count == 7 && $0.allSatisfy { (0..<7).contains($0) } })
        #expect(RankBootstrap(items: 7, resamples: 5, seed: 4).resamples != a.resamples)
    }

    /// 25 networks; budgets with many ties (scores on a coarse grid), a reversed one and a constant
    /// one (undefined everywhere), bootstrapped 400 times; scipy and numpy must agree to 1e-12.
    @Test func scipyAndNumpyReplayTheStatisticsAndIntervals() throws {
        guard InteropPython.available(for: "the rank-statistics parity with scipy") else { return }
        var rng = SplitMix(seed: 21)
        let n = 25
        let ref = (0..<n).map { _ in (rng.unit() * 20).rounded() / 20 }
        let noisy = ref.map { ($0 + 0.3 * rng.unit()).rounded(toPlaces: 1) }
        let coarse = ref.map { ($0 * 3).rounded() }
        let reversed = ref.map { -$0 }
        let constant = [Double](repeating: 0.5, count: n)
        let boot = RankBootstrap(items: n, resamples: 400, seed: 7)
        func entry(_ name: String, _ s: [Double]) -> [String: Any] {
            var e: [String: Any] = ["budget": name, "scores": s]
            let t = RankCorrelation.kendallTauB(ref, s), r = RankCorrelation.spearmanRho(ref, s)
            e["kendall_tau_b"] = t.isNaN ? NSNull() : t
            e["spearman_rho"] = r.isNaN ? NSNull() : r
            for (key, f) in [("kendall_tau_b_95", RankCorrelation.kendallTauB), ("spearman_rho_95", RankCorrelation.spearmanRho)] {
                if let ci = RankBootstrap.interval(boot.values(ref, s, f)) { e[key] = [ci.low, ci.high] }
            }
            return e
        }
        let report: [String: Any] = [
            "networks": ref.map { ["reference_score": $0] },
            "budgets": [entry("noisy", noisy), entry("coarse", coarse), entry("reversed", reversed), entry("constant", constant)],
            "bootstrap": ["resamples": boot.resamples, "level": 0.95, "seed": 7],
        ]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rank-parity-\(getpid()).json").path
        try JSONSerialization.data(withJSONObject: report).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("rank_reference.py").path
        let out = try InteropPython.run(script, inline: false, [path])
        let diff = try #require(out.split(separator: " ").last.flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(out.contains("checked 18 values"), "\(out)")
        #expect(diff <= 1e-12, "\(out)")
    }
}

/// A tiny generator for test data (independent of the library's RNG).
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func unit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / 9_007_199_254_740_992
    }
}

private extension Double {
    func rounded(toPlaces p: Int) -> Double { let m = pow(10.0, Double(p)); return (self * m).rounded() / m }
}

/// The studies whose reports the README quotes (kept under Fixtures/, written by `make
/// study-smoke` and the face study): their statistics, replayed by scipy and numpy from the
/// report.json itself.
@Suite struct KeptStudyReportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test(arguments: ["study-fashion-mnist", "study-fashion-mnist-epochs2", "study-synth-faces"])
    func keptReportReplaysInScipy(_ name: String) throws {
        let report = Self.fixtures.appendingPathComponent(name).appendingPathComponent("report.json").path
        guard FileManager.default.fileExists(atPath: report) else { return }
        guard InteropPython.available(for: "the kept study reports' scipy replay") else { return }
        let script = Self.fixtures.deletingLastPathComponent().appendingPathComponent("rank_reference.py").path
        let out = try InteropPython.run(script, inline: false, [report])
        let diff = try #require(Double(out.split(separator: " ").last!.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(diff <= 1e-12, "\(out)")
    }
}
