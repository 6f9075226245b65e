/// What a face (IR space) search adds to `SearchConfiguration`: the backbone's fixed parts, the loss,
/// the proxy subset candidates train on and what ranks them. A journal records these too, so a
/// resumed search with other values is refused, naming the flag.
public struct FaceSearchSettings: Codable, Equatable, Sendable {
    public var embeddingSize: Int
    /// `StageRule.rawValue`: how depth is spread over the four stages.
    public var stageRule: String
    /// The margin head, as `MarginHead.summary` prints it (e.g. `adaface m=0.4 h=0.333 ...`).
    public var loss: String
    /// Identities of the training set (after the held-out ones are set aside) candidates train on.
    public var subsetIdentities: Int?
    /// Images candidates train on, drawn from those identities.
    public var subsetImages: Int?
    /// Pairs built from the held-out identities to rank candidates (`rankOn == .heldout`).
    public var rankingPairs: Int
    /// Verification `.bin` files that rank candidates instead (`rankOn == .sets`).
    public var rankingSets: [String]
    /// Identities in the whole training source, so a journal is not resumed against other data.
    public var identities: Int

    public init(embeddingSize: Int, stageRule: String, loss: String, subsetIdentities: Int? = nil, subsetImages: Int? = nil,
                rankingPairs: Int = 1000, rankingSets: [String] = [], identities: Int) {
        self.embeddingSize = embeddingSize; self.stageRule = stageRule; self.loss = loss
        self.subsetIdentities = subsetIdentities; self.subsetImages = subsetImages
        self.rankingPairs = rankingPairs; self.rankingSets = rankingSets; self.identities = identities
    }

    enum CodingKeys: String, CodingKey {
        case loss, identities
        case embeddingSize = "embedding_size", stageRule = "stage_rule", subsetIdentities = "subset_identities"
        case subsetImages = "subset_images", rankingPairs = "ranking_pairs", rankingSets = "ranking_sets"
    }
}
