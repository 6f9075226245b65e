import Datasets

/// insightface's 10-fold pair verification (`eval/verification.py`), reproduced exactly.
///
/// - Distance: Σ(e1−e2)² on L2-normalised embeddings, in Double. A pair is predicted "same" when
///   `distance < threshold` (strict).
/// - Accuracy grid: thresholds `i·0.01`, i = 0..<400 (numpy's `arange(0, 4, 0.01)`).
/// - Folds: 10 contiguous folds as sklearn's `KFold(10, shuffle=False)`: the first n mod 10 folds
///   hold one pair more. Per fold the threshold with the best accuracy on the other nine folds
///   (the smallest one among equals, as `argmax`) is applied to the held-out fold.
/// - Reported: mean and population std (ddof 0) of the ten held-out accuracies, the mean of the
///   chosen thresholds, and the ROC: TPR and FPR of each held-out fold at every grid threshold,
///   averaged over folds (a rate with an empty denominator counts as 0, as insightface).
/// - TAR@FAR, our rule where insightface interpolates a flat curve: on the grid `j·0.001`,
///   j = 0..<4000, each fold takes the **largest grid threshold whose FAR on the nine training folds
///   is ≤ the target** (FAR only grows with the threshold and is 0 at threshold 0, so this always
///   exists); TAR and FAR are then measured on the held-out fold and averaged over the ten folds.
///   A held-out fold without same (different) pairs contributes TAR (FAR) 0. The figure is reported
///   only when the set has at least 10/FAR different pairs (10,000 for 1e-3), else nil: with fewer,
///   the training folds cannot resolve that FAR.
public enum Verification {
    public static let foldCount = 10

    /// The accuracy grid, `arange(0, 4, 0.01)`.
    public static let thresholds: [Double] = (0..<400).map { Double($0) * 0.01 }
    /// The TAR@FAR grid, `arange(0, 4, 0.001)`.
    public static let farThresholds: [Double] = (0..<4000).map { Double($0) * 0.001 }

    /// sklearn `KFold(n_splits: 10, shuffle: false)` test ranges over `count` items.
    public static func foldRanges(count: Int) -> [Range<Int>] {
        var out: [Range<Int>] = [], start = 0
        for f in 0..<foldCount {
            let size = count / foldCount + (f < count % foldCount ? 1 : 0)
            out.append(start..<(start + size))
            start += size
        }
        return out
    }

    /// Distances of `pairs` over the rows of `embeddings`, in protocol order.
    public static func distances(_ embeddings: EmbeddingMatrix, pairs: [IndexPair]) -> [Double] {
        pairs.map { embeddings.squaredDistance($0.first, $0.second) }
    }

    /// The metric over precomputed distances; `isSame[k]` labels `distances[k]`.
    public static func evaluate(distances: [Double], isSame: [Bool], fars: [Double] = [1e-3, 1e-4]) throws -> VerificationResult {
        guard distances.count == isSame.count else {
            throw MetricError("verification: \(distances.count) distances but \(isSame.count) labels, expected one label per pair")
        }
        guard distances.count >= foldCount else {
            throw MetricError("verification: \(distances.count) pairs, expected at least \(foldCount) (one per fold)")
        }
        if let k = distances.firstIndex(where: { !$0.isFinite }) {
            throw MetricError("verification: distance of pair \(k) is \(distances[k]), expected a finite number")
        }
        let folds = FoldCounts(distances: distances, isSame: isSame, ranges: foldRanges(count: distances.count))

        let grid = thresholds
        let tp = folds.counts(positives: true, at: grid), fp = folds.counts(positives: false, at: grid)
        var foldAccuracies: [Double] = [], foldThresholds: [Double] = []
        var tprSum = [Double](repeating: 0, count: grid.count), fprSum = tprSum
        for f in 0..<foldCount {
            let trainNegatives = folds.totalNegatives - folds.negatives[f]
            var best = 0, bestCorrect = -1
            for i in grid.indices {
                let trainTP = tp.total[i] - tp.fold[f][i], trainFP = fp.total[i] - fp.fold[f][i]
                // Within a fold every threshold shares the denominator, so counts compare like accuracies.
                let correct = trainTP + (trainNegatives - trainFP)
                if correct > bestCorrect { bestCorrect = correct; best = i }
            }
            let size = folds.positives[f] + folds.negatives[f]
            foldAccuracies.append(Double(tp.fold[f][best] + folds.negatives[f] - fp.fold[f][best]) / Double(size))
            foldThresholds.append(grid[best])
            for i in grid.indices {
                tprSum[i] += rate(tp.fold[f][i], folds.positives[f])
                fprSum[i] += rate(fp.fold[f][i], folds.negatives[f])
            }
        }
        let n = Double(foldCount)
        let mean = foldAccuracies.reduce(0, +) / n
        let variance = foldAccuracies.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let roc = VerificationResult.ROC(thresholds: grid, tpr: tprSum.map { $0 / n }, fpr: fprSum.map { $0 / n })
        return VerificationResult(pairs: distances.count, samePairs: folds.totalPositives, differentPairs: folds.totalNegatives,
                                  accuracy: mean, accuracyStd: variance.squareRoot(),
                                  threshold: foldThresholds.reduce(0, +) / n,
                                  foldAccuracies: foldAccuracies, foldThresholds: foldThresholds,
                                  tarAtFarDetails: fars.map { tarAtFar($0, folds: folds) }, roc: roc)
    }

    /// The smallest number of different pairs for which TAR at `far` is reported.
    public static func requiredNegatives(far: Double) -> Int { Int((10 / far).rounded()) }

    static func tarAtFar(_ target: Double, folds: FoldCounts) -> VerificationResult.TARAtFAR {
        guard folds.totalNegatives >= requiredNegatives(far: target) else {
            return .init(far: target, tar: nil, measuredFar: nil, threshold: nil)
        }
        let grid = farThresholds
        let tp = folds.counts(positives: true, at: grid), fp = folds.counts(positives: false, at: grid)
        var tar = 0.0, far = 0.0, threshold = 0.0
        for f in 0..<foldCount {
            let trainNegatives = folds.totalNegatives - folds.negatives[f]
            // FAR is non-decreasing in the threshold, so the admissible thresholds form a prefix.
            var chosen = 0
            for j in grid.indices {
                if rate(fp.total[j] - fp.fold[f][j], trainNegatives) <= target { chosen = j } else { break }
            }
            tar += rate(tp.fold[f][chosen], folds.positives[f])
            far += rate(fp.fold[f][chosen], folds.negatives[f])
            threshold += grid[chosen]
        }
        let n = Double(foldCount)
        return .init(far: target, tar: tar / n, measuredFar: far / n, threshold: threshold / n)
    }

    static func rate(_ count: Int, _ of: Int) -> Double { of == 0 ? 0 : Double(count) / Double(of) }
}

/// Per fold, the sorted distances of its same and different pairs, so "how many pairs of fold f
/// lie below threshold t" is a binary search.
struct FoldCounts {
    var sortedPositives: [[Double]] = [], sortedNegatives: [[Double]] = []
    var positives: [Int] { sortedPositives.map(\.count) }
    var negatives: [Int] { sortedNegatives.map(\.count) }
    var totalPositives: Int { sortedPositives.reduce(0) { $0 + $1.count } }
    var totalNegatives: Int { sortedNegatives.reduce(0) { $0 + $1.count } }

    init(distances: [Double], isSame: [Bool], ranges: [Range<Int>]) {
        for r in ranges {
            sortedPositives.append(r.filter { isSame[$0] }.map { distances[$0] }.sorted())
            sortedNegatives.append(r.filter { !isSame[$0] }.map { distances[$0] }.sorted())
        }
    }

    /// `fold[f][i]`: pairs of fold f (same pairs when `positives`) with distance < `grid[i]`;
    /// `total[i]`: the sum over folds.
    func counts(positives: Bool, at grid: [Double]) -> (fold: [[Int]], total: [Int]) {
        let fold = (positives ? sortedPositives : sortedNegatives).map { sorted in grid.map { countBelow(sorted, $0) } }
        let total = grid.indices.map { i in fold.reduce(0) { $0 + $1[i] } }
        return (fold, total)
    }

    /// Elements of ascending `sorted` strictly below `t`.
    func countBelow(_ sorted: [Double], _ t: Double) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
