import Foundation

/// 1:N look-up of one embedding in a gallery by cosine similarity.
public enum GalleryQuery {
    public struct Match: Equatable, Sendable {
        public var row: Int
        public var score: Double
    }

    /// The `count` gallery rows most similar to `query` by cosine, best first; equal scores keep
    /// gallery order.
    public static func top(_ query: [Double], in gallery: EmbeddingMatrix, count: Int, source: String) throws -> [Match] {
        guard query.count == gallery.columns else {
            throw MetricError("\(source): the query embedding has \(query.count) dimensions but the gallery has \(gallery.columns)")
        }
        // Gallery rows are unit vectors already (EmbeddingMatrix normalises them), so only the
        // query needs its norm.
        let qn = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let scores = (0..<gallery.rows).map { r -> Match in
            var dot = 0.0
            for j in 0..<gallery.columns { dot += gallery.values[r * gallery.columns + j] * query[j] }
            return Match(row: r, score: qn > 0 ? dot / qn : 0)
        }
        return Array(scores.enumerated().sorted { a, b in
            a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset
        }.prefix(count).map(\.element))
    }
}
