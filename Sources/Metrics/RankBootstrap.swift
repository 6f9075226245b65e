import Foundation
import Tensor

/// A paired, seeded bootstrap over items: every resample draws n item indices with replacement,
/// and the same resamples serve every statistic and every budget, so intervals are comparable and
/// anyone holding the indices (written to `report.json`) can replay them exactly.
public struct RankBootstrap: Sendable {
    /// `resamples[b]` holds the n item indices of resample b.
    public let resamples: [[Int]]
    public let seed: UInt64

    public init(items n: Int, resamples count: Int, seed: UInt64) {
        var rng = RNG(seed: seed ^ 0x626F_6F74_7374_7270)
        resamples = (0..<count).map { _ in (0..<n).map { _ in rng.int(n) } }
        self.seed = seed
    }

    public init(resamples: [[Int]], seed: UInt64) { self.resamples = resamples; self.seed = seed }

    /// The statistic on every resample (NaN where it is undefined, e.g. a resample of one repeated item).
    public func values(_ x: [Double], _ y: [Double], _ statistic: ([Double], [Double]) -> Double) -> [Double] {
        resamples.map { idx in statistic(idx.map { x[$0] }, idx.map { y[$0] }) }
    }

    /// The central `level` interval of the defined values: numpy's default (linear) percentiles
    /// at 100·(1−level)/2 and 100·(1+level)/2; nil when no resample gave a value.
    public static func interval(_ values: [Double], level: Double = 0.95) -> (low: Double, high: Double)? {
        let v = values.filter { !$0.isNaN }.sorted()
        guard !v.isEmpty else { return nil }
        return (percentile(v, 100 * (1 - level) / 2), percentile(v, 100 * (1 + level) / 2))
    }

    /// numpy.percentile's "linear" method on sorted values: position q/100·(n−1), interpolated.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let pos = q / 100 * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        let t = pos - Double(lo), a = sorted[lo], b = sorted[hi]
        // numpy interpolates from the nearer end, which keeps the result inside [a, b].
        return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t)
    }
}
