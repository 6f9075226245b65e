import Tensor

/// One photo of a synthetic set: person, photo index and kind of shot.
public struct SyntheticPhotoKey: Hashable, Sendable, Codable {
    public var identity: Int
    public var image: Int
    public var shot: SyntheticShot
    public init(identity: Int, image: Int, shot: SyntheticShot) { self.identity = identity; self.image = image; self.shot = shot }
}

extension SyntheticShot: Codable {}

/// A verification pair and whether both photos show the same person.
public struct SyntheticPair: Sendable, Equatable {
    public var first: SyntheticPhotoKey
    public var second: SyntheticPhotoKey
    public var isSame: Bool
}

/// Ten folds of `perFold` pairs in the order of LFW's `pairs.txt` (and so of `lfw.bin`): each fold
/// its positives, then its negatives. With at least 20 people each fold draws from its own tenth of
/// them, so no person appears in two folds, as in LFW; with fewer, folds share people.
/// `photos(identity, rng)` picks the two photos of a pair (first, second).
func verificationPairs(identities: [Int], perFold: Int, rng: inout RNG,
                       photos: (Int, Int, inout RNG) -> (SyntheticPhotoKey, SyntheticPhotoKey)) -> [SyntheticPair] {
    precondition(identities.count >= 2 && perFold >= 2 && perFold % 2 == 0)
    var pairs: [SyntheticPair] = []
    for fold in 0..<10 {
        let pool = identities.count >= 20 ? identities.enumerated().filter { $0.offset % 10 == fold }.map(\.element) : identities
        for _ in 0..<(perFold / 2) {
            let who = pool[rng.int(pool.count)]
            let (a, b) = photos(who, who, &rng)
            pairs.append(SyntheticPair(first: a, second: b, isSame: true))
        }
        for _ in 0..<(perFold / 2) {
            let i = rng.int(pool.count)
            let j = (i + 1 + rng.int(pool.count - 1)) % pool.count
            let (a, b) = photos(pool[i], pool[j], &rng)
            pairs.append(SyntheticPair(first: a, second: b, isSame: false))
        }
    }
    return pairs
}
