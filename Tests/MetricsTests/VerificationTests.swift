import Datasets
import Metrics
import Foundation
import Testing

/// insightface's 10-fold verification: hand-checkable cases, then an independent numpy
/// implementation on 20,007 pairs built to hit every edge of the protocol.
@Suite struct VerificationTests {
    /// 20 pairs alternating same (distance `same`) and different (1.5): two pairs per fold.
    static func alternating(same: Double = 0.1) -> (distances: [Double], isSame: [Bool]) {
        let isSame = (0..<20).map { $0 % 2 == 0 }
        return (isSame.map { $0 ? same : 1.5 }, isSame)
    }

    @Test func foldsAreContiguousAndTheFirstRemainderFoldsAreLonger() {
        let folds = Verification.foldRanges(count: 6007)
        #expect(folds.map(\.count) == [601, 601, 601, 601, 601, 601, 601, 600, 600, 600])
        #expect(folds.first?.lowerBound == 0 && folds.last?.upperBound == 6007)
        #expect(zip(folds, folds.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(Verification.foldRanges(count: 20).map(\.count) == Array(repeating: 2, count: 10))
    }

    @Test func gridsAreNumpysArange() {
        #expect(Verification.thresholds.count == 400 && Verification.farThresholds.count == 4000)
        #expect(Verification.thresholds[50] == 0.5 && Verification.thresholds[11] == 0.11 && Verification.thresholds[399] == 3.99)
        #expect(Verification.farThresholds[250] == 0.25 && Verification.farThresholds[3999] == 3.999)
    }

    @Test func separableSetScoresOneAtTheFirstThresholdAboveTheSameDistances() throws {
        let (d, s) = Self.alternating()
        let r = try Verification.evaluate(distances: d, isSame: s)
        #expect(r.accuracy == 1 && r.accuracyStd == 0)
        // "same" is distance < threshold, strictly: 0.10 leaves the pairs at exactly 0.1 out.
        #expect(r.foldThresholds == Array(repeating: 0.11, count: 10))
        #expect(abs(r.threshold - 0.11) < 1e-15)
        #expect(r.pairs == 20 && r.samePairs == 10 && r.differentPairs == 10)
        #expect(r.tarAtFar[1e-3] == .some(nil) && r.tarAtFar[1e-4] == .some(nil), "20 pairs cannot resolve FAR 1e-3")
        #expect(r.roc.tpr[10] == 0 && r.roc.tpr[11] == 1 && r.roc.fpr[150] == 0 && r.roc.fpr[151] == 1)
    }

    @Test func oneWrongPairCostsItsFoldHalfItsAccuracy() throws {
        var (d, s) = Self.alternating()
        d[6] = 2.0   // a same pair of fold 3 that looks different
        let r = try Verification.evaluate(distances: d, isSame: s)
        #expect(r.foldAccuracies == [1, 1, 1, 0.5, 1, 1, 1, 1, 1, 1])
        #expect(abs(r.accuracy - 0.95) < 1e-15)
        // Population std: sqrt((9·0.05² + 0.45²)/10) = 0.15.
        #expect(abs(r.accuracyStd - 0.15) < 1e-15)
        #expect(r.foldThresholds == Array(repeating: 0.11, count: 10), "the first of the best thresholds")
    }

    @Test func tarAtFarTakesTheLargestThresholdWithinTheTargetOnTrainingFolds() throws {
        // 10,100 pairs, 1,010 per fold: one different pair at 0.3 and ten same pairs at 0.2 open
        // each fold, every other different pair lies at 2.0. On nine training folds FAR is
        // 9/9000 = 1e-3 for thresholds in (0.3, 2.0], so the rule picks 2.0 and the held-out fold
        // shows TAR 1 and FAR 1/1000.
        var d = [Double](repeating: 2.0, count: 10_100), s = [Bool](repeating: false, count: 10_100)
        for f in 0..<10 {
            d[f * 1010] = 0.3
            for k in 1...10 { d[f * 1010 + k] = 0.2; s[f * 1010 + k] = true }
        }
        let r = try Verification.evaluate(distances: d, isSame: s)
        #expect(Verification.requiredNegatives(far: 1e-3) == 10_000 && Verification.requiredNegatives(far: 1e-4) == 100_000)
        let at3 = try #require(r.tarAtFarDetails.first { $0.far == 1e-3 })
        #expect(at3.tar == 1 && at3.threshold == 2.0, "\(at3)")
        #expect(abs((at3.measuredFar ?? 0) - 1e-3) < 1e-15, "\(at3)")
        #expect(r.tarAtFar[1e-4] == .some(nil), "10,000 different pairs are too few for 1e-4")
    }

    @Test func tooFewPairsAndMismatchedLabelsAreRefused() {
        #expect(throws: MetricError("verification: 9 pairs, expected at least 10 (one per fold)")) {
            try Verification.evaluate(distances: Array(repeating: 1, count: 9), isSame: Array(repeating: true, count: 9))
        }
        #expect(throws: MetricError("verification: 10 distances but 9 labels, expected one label per pair")) {
            try Verification.evaluate(distances: Array(repeating: 1, count: 10), isSame: Array(repeating: true, count: 9))
        }
    }

    @Test func matchesAnIndependentNumpyImplementation() throws {
        guard NumPy.available else { return }
        let dir = NumPy.temporaryDirectory("verify-ref")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NumPy.run(NumPy.reference, ["make-verify", dir, "7"])
        try NumPy.run(NumPy.reference, ["verify", dir + "/E.npy", dir + "/pairs.txt", dir + "/ref.json"])
        let ref = try NumPy.json(dir + "/ref.json")

        let embeddings = try EmbeddingMatrix(contentsOf: dir + "/E.npy")
        let pairs = try IndexPairsFile.read(dir + "/pairs.txt", rows: embeddings.rows)
        let distances = Verification.distances(embeddings, pairs: pairs)
        let r = try Verification.evaluate(distances: distances, isSame: pairs.map(\.isSame))

        // The data hits the edges it was built for.
        #expect(r.pairs == 20_007 && r.pairs % 10 == 7)
        #expect(distances.filter { $0 == 0 }.count == 160 && distances.filter { $0 == 0.5 }.count == 400)
        #expect(ref["zero_distances"]?.double == 160 && ref["half_distances"]?.double == 400)
        #expect(((ref["best_ties"]?.ints ?? []).max() ?? 0) >= 5, "no tie for the best threshold: \((ref["best_ties"]?.ints ?? []))")
        #expect(r.differentPairs >= 10_000 && r.differentPairs < 100_000)

        #expect(Verification.foldRanges(count: r.pairs).map(\.count) == (ref["fold_sizes"]?.ints ?? []))
        #expect(Verification.thresholds == (ref["grid"]?.doubles ?? []))
        #expect(ref["far_grid_size"]?.int == Verification.farThresholds.count && ref["far_grid_last"]?.double == Verification.farThresholds.last)
        #expect(r.samePairs == ref["same_pairs"]?.int && r.differentPairs == ref["different_pairs"]?.int)
        #expect(abs(r.accuracy - number(ref, "accuracy")) < 1e-9, "accuracy \(r.accuracy) vs numpy \(number(ref, "accuracy"))")
        #expect(abs(r.accuracyStd - number(ref, "accuracy_std")) < 1e-9, "std \(r.accuracyStd) vs numpy \(number(ref, "accuracy_std"))")
        #expect(abs(r.threshold - number(ref, "threshold")) < 1e-9)
        #expect(maxDifference(r.foldAccuracies, (ref["fold_accuracies"]?.doubles ?? [])) < 1e-9)
        #expect(r.foldThresholds == (ref["fold_thresholds"]?.doubles ?? []), "\(r.foldThresholds) vs \((ref["fold_thresholds"]?.doubles ?? []))")
        #expect(maxDifference(r.roc.tpr, (ref["tpr"]?.doubles ?? [])) < 1e-9 && maxDifference(r.roc.fpr, (ref["fpr"]?.doubles ?? [])) < 1e-9)
        let tar = try #require(ref["tar_at_far"]?.object)
        let tar3 = try #require(r.tarAtFar[1e-3] ?? nil)
        #expect(abs(tar3 - number(tar, "1e-3")) < 1e-9, "TAR@1e-3 \(tar3) vs numpy \(number(tar, "1e-3"))")
        #expect(tar["1e-4"]?.isNull == true && r.tarAtFar[1e-4] == .some(nil))
        print("verification vs numpy: accuracy \(r.accuracy) ± \(r.accuracyStd), threshold \(r.threshold), TAR@1e-3 \(tar3)")
    }
}
