import NN

/// What a face (IR space) search adds to `SearchConfiguration`: the backbone's fixed parts, the loss,
/// the proxy subset candidates train on and what ranks them. A journal records these too, so a
/// resumed search with other values is refused, naming the flag.
public struct FaceSearchSettings: Codable, Equatable, Sendable {
    public var embeddingSize: Int
    /// `StageRule.rawValue`: how depth is spread over the four stages.
    public var stageRule: String
    /// The margin head, as `MarginHead.summary` prints it (e.g. `adaface m=0.4 h=0.333 ...`).
    public var loss: String
    /// ArcFace's gradient (`ArcFaceGradient.rawValue`), nil for the other losses. A journal written
    /// before the choice existed reads as "exact", the only gradient its candidates had.
    public var arcFaceGradient: String?
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

    public init(embeddingSize: Int, stageRule: String, loss: String, arcFaceGradient: String? = nil, subsetIdentities: Int? = nil,
                subsetImages: Int? = nil, rankingPairs: Int = 1000, rankingSets: [String] = [], identities: Int) {
        self.embeddingSize = embeddingSize; self.stageRule = stageRule; self.loss = loss; self.arcFaceGradient = arcFaceGradient
        self.subsetIdentities = subsetIdentities; self.subsetImages = subsetImages
        self.rankingPairs = rankingPairs; self.rankingSets = rankingSets; self.identities = identities
    }

    enum CodingKeys: String, CodingKey {
        case loss, identities
        case embeddingSize = "embedding_size", stageRule = "stage_rule", subsetIdentities = "subset_identities"
        case subsetImages = "subset_images", rankingPairs = "ranking_pairs", rankingSets = "ranking_sets"
        case arcFaceGradient = "arcface_gradient"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        embeddingSize = try c.decode(Int.self, forKey: .embeddingSize)
        stageRule = try c.decode(String.self, forKey: .stageRule)
        loss = try c.decode(String.self, forKey: .loss)
        arcFaceGradient = try c.decodeIfPresent(String.self, forKey: .arcFaceGradient)
            ?? (loss.hasPrefix("arcface") ? ArcFaceGradient.exact.rawValue : nil)
        subsetIdentities = try c.decodeIfPresent(Int.self, forKey: .subsetIdentities)
        subsetImages = try c.decodeIfPresent(Int.self, forKey: .subsetImages)
        rankingPairs = try c.decode(Int.self, forKey: .rankingPairs)
        rankingSets = try c.decode([String].self, forKey: .rankingSets)
        identities = try c.decode(Int.self, forKey: .identities)
    }
}
