import Foundation

/// 1:N look-up of one embedding in a gallery by cosine similarity.
public enum GalleryQuery {
    public struct Match: Equatable, Sendable {
        public var row: Int
        public var score: Double
    }

    /// The `count` gallery rows most similar to `query` (both L2-normalised here), best first; equal
    /// scores keep gallery order.
    public static func top(_ query: [Double], in gallery: EmbeddingMatrix, count: Int, source: String) throws -> [Match] {
        guard query.count == gallery.columns else {
            throw MetricError("\(source): the query embedding has \(query.count) dimensions but the gallery has \(gallery.columns)")
        }
        let qn = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var scores: [Match] = []
        scores.reserveCapacity(gallery.rows)
        for r in 0..<gallery.rows {
            var dot = 0.0, nn = 0.0
            for j in 0..<gallery.columns {
                let v = gallery.values[r * gallery.columns + j]
                dot += v * query[j]; nn += v * v
            }
            let denominator = qn * nn.squareRoot()
            scores.append(Match(row: r, score: denominator > 0 ? dot / denominator : 0))
        }
        return Array(scores.enumerated().sorted { a, b in
            a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset
        }.prefix(count).map(\.element))
    }
}
