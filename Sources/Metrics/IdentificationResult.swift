/// Identification figures (fractions); see `Identification` for the protocol and its rules.
public struct IdentificationResult: Sendable {
    public var probes: Int
    public var gallery: Int
    /// Gallery items labelled −100.
    public var distractors: Int
    /// Probes with at least one relevant gallery item: the denominator of every rate.
    public var probesEvaluated: Int
    public var probesWithoutMatch: Int
    /// The ranks asked for, and the identification rate at each.
    public var ranks: [Int]
    public var rankRates: [Double]
    public var meanAveragePrecision: Double
    /// `cmc[r-1]`: fraction of evaluated probes matched within rank r.
    public var cmc: [Double]
    /// Per probe, nil when it has no relevant gallery item.
    public var firstMatchRanks: [Int?]
    public var averagePrecisions: [Double?]

    /// The rate at rank `k` (any k ≥ 1, asked for or not).
    public func rate(atRank k: Int) -> Double {
        let found = firstMatchRanks.compactMap { $0 }
        return Double(found.filter { $0 <= k }.count) / Double(max(found.count, 1))
    }
}
