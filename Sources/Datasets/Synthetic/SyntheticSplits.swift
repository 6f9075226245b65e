/// Which synthetic people go where. Contiguous index ranges keep the manifest short and make the
/// disjointness obvious; people are independent draws, so no shuffle is needed.
public struct SyntheticSplits: Codable, Equatable, Sendable {
    public var train: [Int]
    public var verification: [Int]
    /// TinyFace people with probes and gallery matches.
    public var tinyface: [Int]
    /// TinyFace people whose photos are unlabelled gallery distractors.
    public var distractors: [Int]

    /// 15% of the people (at least 2) for verification, 15% (at least 2) for TinyFace, half of
    /// those as distractors, the rest for training; needs at least 5 people.
    public init(identities n: Int) throws {
        let verification = max(2, n * 15 / 100), tiny = max(2, n * 15 / 100)
        let train = n - verification - tiny
        guard train >= 1 else {
            throw DatasetError.invalid(file: "synth", offset: nil,
                                       message: "\(n) identities leave none for training (need at least \(verification + tiny + 1))")
        }
        let labelled = (tiny + 1) / 2
        self.train = Array(0..<train)
        self.verification = Array(train..<(train + verification))
        self.tinyface = Array((train + verification)..<(train + verification + labelled))
        self.distractors = Array((train + verification + labelled)..<n)
    }
}
