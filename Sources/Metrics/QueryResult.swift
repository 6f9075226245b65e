import Foundation

/// What `query --json` writes and `report` reads: `{"query": image, "model": CKPT, "gallery": E.npy,
/// "top": [{"rank": 1, "name": …, "score": cosine}]}`.
public struct QueryResult: Codable, Equatable, Sendable {
    public struct Match: Codable, Equatable, Sendable {
        public var rank: Int
        public var name: String
        public var score: Double
        public init(rank: Int, name: String, score: Double) { self.rank = rank; self.name = name; self.score = score }
    }

    public var query: String
    public var model: String
    public var gallery: String
    public var top: [Match]

    public init(query: String, model: String, gallery: String, top: [Match]) {
        self.query = query; self.model = model; self.gallery = gallery; self.top = top
    }
}
