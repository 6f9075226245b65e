import Tensor

/// Closed-set 1:N identification (TinyFace protocol as AdaFace evaluates it).
///
/// - Score: cosine similarity (inner product of L2-normalised rows, Double), higher is closer.
/// - Ranking: gallery items by descending score; **equal scores rank by ascending gallery index**,
///   so the result never depends on sort stability. A gallery item is relevant to a probe when
///   their labels are equal; the distractor label −100 never matches, even a probe labelled −100.
/// - Rank-k: a probe succeeds when its first relevant item has rank ≤ k. CMC(r) is the same for
///   r = 1…depth.
/// - mAP: a probe's AP is the mean over its R relevant items, in rank order, of m / rank(m-th
///   relevant item); mAP is the mean over probes.
/// - Probes with no relevant gallery item are **excluded** from rank-k, CMC and mAP and counted
///   in `probesWithoutMatch` (TinyFace has none).
/// - CMC depth: min(gallery size, max(`cmcDepth`, largest rank asked)). `probeBlock`: probes
///   scored per GEMM (default: as many as fit ~64 MB of scores; results never depend on it).
public enum Identification {
    public static let distractorLabel = -100
    public static let defaultRanks = [1, 5, 20]

    public static func evaluate(probes: EmbeddingMatrix, probeLabels: [Int], gallery: EmbeddingMatrix, galleryLabels: [Int],
                                ranks: [Int] = defaultRanks, cmcDepth: Int = 100, probeBlock: Int? = nil) throws -> IdentificationResult {
        guard probeLabels.count == probes.rows else {
            throw MetricError("identification: \(probeLabels.count) probe labels for \(probes.rows) probe rows, expected one label per row")
        }
        guard galleryLabels.count == gallery.rows else {
            throw MetricError("identification: \(galleryLabels.count) gallery labels for \(gallery.rows) gallery rows, expected one label per row")
        }
        guard probes.columns == gallery.columns else {
            throw MetricError("identification: probe embeddings have d = \(probes.columns) but gallery embeddings d = \(gallery.columns), expected equal dimensions")
        }
        guard !ranks.isEmpty, ranks.allSatisfy({ $0 >= 1 }) else {
            throw MetricError("identification: ranks \(ranks), expected one or more ranks ≥ 1")
        }
        guard gallery.rows > 0, probes.rows > 0 else { throw MetricError("identification: empty probe or gallery set") }
        let scored = scoreProbes(probes, probeLabels: probeLabels, gallery: gallery, galleryLabels: galleryLabels, block: probeBlock)
        let evaluated = scored.firstRanks.compactMap { $0 }
        guard !evaluated.isEmpty else {
            throw MetricError("identification: none of the \(probes.rows) probes has a gallery item with its label, expected at least one")
        }
        let depth = min(gallery.rows, max(cmcDepth, ranks.max()!))
        var hits = [Int](repeating: 0, count: depth + 1)
        for r in evaluated where r <= depth { hits[r] += 1 }
        var cmc: [Double] = [], running = 0
        for r in 1...depth {
            running += hits[r]
            cmc.append(Double(running) / Double(evaluated.count))
        }
        let rates = ranks.map { k in Double(evaluated.filter { $0 <= k }.count) / Double(evaluated.count) }
        let aps = scored.averagePrecisions.compactMap { $0 }
        return IdentificationResult(probes: probes.rows, gallery: gallery.rows,
                                    distractors: galleryLabels.filter { $0 == distractorLabel }.count,
                                    probesEvaluated: evaluated.count, probesWithoutMatch: probes.rows - evaluated.count,
                                    ranks: ranks, rankRates: rates, meanAveragePrecision: aps.reduce(0, +) / Double(aps.count),
                                    cmc: cmc, firstMatchRanks: scored.firstRanks, averagePrecisions: scored.averagePrecisions)
    }

    /// Per probe: rank of the first relevant item and AP (nil without a relevant item).
    static func scoreProbes(_ probes: EmbeddingMatrix, probeLabels: [Int], gallery: EmbeddingMatrix, galleryLabels: [Int], block: Int?)
        -> (firstRanks: [Int?], averagePrecisions: [Double?]) {
        let p = probes.rows, g = gallery.rows, d = probes.columns
        // Scores for a block of probes at a time: at most ~64 MB whatever the gallery size.
        let block = max(1, min(p, block ?? 8_000_000 / max(g, 1)))
        var scores = [Double](repeating: 0, count: block * g)
        var firstRanks = [Int](repeating: 0, count: p), aps = [Double](repeating: .nan, count: p)
        probes.values.withUnsafeBufferPointer { pv in
            gallery.values.withUnsafeBufferPointer { gv in
                galleryLabels.withUnsafeBufferPointer { gl in
                    scores.withUnsafeMutableBufferPointer { sv in
                        firstRanks.withUnsafeMutableBufferPointer { fr in
                            aps.withUnsafeMutableBufferPointer { ap in
                                let s = SendablePointer(sv.baseAddress!), frp = SendablePointer(fr.baseAddress!)
                                let app = SendablePointer(ap.baseAddress!), glp = SendablePointer(UnsafeMutablePointer(mutating: gl.baseAddress!))
                                for start in stride(from: 0, to: p, by: block) {
                                    let m = min(block, p - start)
                                    // One big GEMM split over our workers, then the ranking pass, also over them.
                                    BLAS.parallelDgemm(transB: true, m: m, n: g, k: d, a: pv.baseAddress! + start * d, lda: d,
                                                       b: gv.baseAddress!, ldb: d, c: s.p, ldc: g)
                                    Parallel.forChunks(m) { lo, hi in
                                        for r in lo..<hi {
                                            let (first, precision) = rankRelevant(scores: s.p + r * g, labels: glp.p, count: g,
                                                                                  label: probeLabels[start + r])
                                            frp.p[start + r] = first
                                            app.p[start + r] = precision
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (firstRanks.map { $0 == 0 ? nil : $0 }, aps.map { $0.isNaN ? nil : $0 })
    }

    /// Rank of the first relevant item and the AP for one probe; (0, NaN) when none is relevant.
    /// scores: [count], labels: [count].
    ///
    /// O(count · log R): the relevant items are sorted in ranking order, then every other item is
    /// placed before the first relevant item it outranks, and prefix sums give each relevant rank.
    static func rankRelevant(scores: UnsafePointer<Double>, labels: UnsafePointer<Int>, count: Int, label: Int) -> (Int, Double) {
        guard label != distractorLabel else { return (0, .nan) }
        var relevant: [Int] = []
        for k in 0..<count where labels[k] == label { relevant.append(k) }
        guard !relevant.isEmpty else { return (0, .nan) }
        // Ranking order: higher score first, lower index first among equal scores.
        func ahead(_ a: Int, _ b: Int) -> Bool { scores[a] > scores[b] || (scores[a] == scores[b] && a < b) }
        relevant.sort(by: ahead)
        let r = relevant.count, last = relevant[r - 1]
        var before = [Int](repeating: 0, count: r)
        for k in 0..<count where labels[k] != label && ahead(k, last) {
            // First relevant position m with k ahead of relevant[m]; the predicate is monotone in m.
            var lo = 0, hi = r - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if ahead(k, relevant[mid]) { hi = mid } else { lo = mid + 1 }
            }
            before[lo] += 1
        }
        var others = 0, precision = 0.0, first = 0
        for m in 0..<r {
            others += before[m]
            let rank = others + m + 1
            if m == 0 { first = rank }
            precision += Double(m + 1) / Double(rank)
        }
        return (first, precision / Double(r))
    }
}
