import Foundation

/// Rank agreement between two scorings of the same items, as scipy computes it: Kendall's τ-b
/// (`scipy.stats.kendalltau`, ties corrected in both variables), Spearman's ρ (`spearmanr`: Pearson
/// correlation of average ranks) and the overlap of the top k. Undefined values (a constant
/// scoring) are NaN, as in scipy.
public enum RankCorrelation {
    /// τ-b = (concordant − discordant) / √((n₀ − n₁)(n₀ − n₂)), n₀ = pairs, n₁/n₂ = pairs tied in x/y.
    /// Pair counting is O(n²), exact in integers; studies have tens to hundreds of items.
    public static func kendallTauB(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "kendallTauB: \(x.count) and \(y.count) values")
        let n = x.count
        guard n >= 2 else { return .nan }
        var concordant = 0, discordant = 0, tiedX = 0, tiedY = 0
        for i in 0..<n {
            for j in (i + 1)..<n {
                let dx = x[i] - x[j], dy = y[i] - y[j]
                if dx == 0 { tiedX += 1 }
                if dy == 0 { tiedY += 1 }
                if dx == 0 || dy == 0 { continue }
                if (dx > 0) == (dy > 0) { concordant += 1 } else { discordant += 1 }
            }
        }
        let pairs = n * (n - 1) / 2
        let denominator = (Double(pairs - tiedX)).squareRoot() * (Double(pairs - tiedY)).squareRoot()
        guard denominator > 0 else { return .nan }
        return min(1, max(-1, Double(concordant - discordant) / denominator))
    }

    /// Ranks from 1, tied values sharing the mean of their ranks (scipy's `rankdata`, "average").
    public static func averageRanks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { (x[$0], $0) < (x[$1], $1) }
        var ranks = [Double](repeating: 0, count: x.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && x[order[end]] == x[order[start]] { end += 1 }
            // Positions start..<end (0-based) are ranks start+1...end; their mean is (start+1+end)/2.
            let mean = Double(start + 1 + end) / 2
            for k in start..<end { ranks[order[k]] = mean }
            start = end
        }
        return ranks
    }

    /// Pearson's r, NaN when either variable is constant.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "pearson: \(x.count) and \(y.count) values")
        let n = Double(x.count)
        guard x.count >= 2 else { return .nan }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return .nan }
        return min(1, max(-1, sxy / (sxx.squareRoot() * syy.squareRoot())))
    }

    public static func spearmanRho(_ x: [Double], _ y: [Double]) -> Double {
        pearson(averageRanks(x), averageRanks(y))
    }

    /// The highest-scoring `k` items (ties to the earlier item).
    public static func top(_ k: Int, of x: [Double]) -> [Int] {
        Array(x.indices.sorted { (x[$0], -$0) > (x[$1], -$1) }.prefix(k))
    }

    /// Share of the reference's top `k` that the other scoring also puts in its top `k`; nil when
    /// there are no more than `k` items (the overlap would be 1 by construction).
    public static func topOverlap(_ k: Int, reference: [Double], other: [Double]) -> Double? {
        guard k >= 1, reference.count > k else { return nil }
        return Double(Set(top(k, of: reference)).intersection(top(k, of: other)).count) / Double(k)
    }
}
