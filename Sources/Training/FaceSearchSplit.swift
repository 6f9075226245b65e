import Datasets
import Foundation
import Metrics
import Tensor

/// How a face search divides its training source: identities held out of training, whose pairs
/// rank the candidates, and the (optionally subsetted) images candidates train on. Every draw is
/// seeded, so a resumed search sees the same split.
public struct FaceSearchSplit: Sendable {
    /// What candidates train on, identities renumbered.
    public let training: FaceIdentitySubset
    /// The held-out identities' pairs (nil when ranking on given sets).
    public let ranking: FaceValidationSet?
    /// Base identities held out of training.
    public let heldOutIdentities: [Int]

    /// - Parameters:
    ///   - heldOutFraction: share of identities held out for ranking; 0 keeps them all for training.
    ///   - rankingPairs: pairs built from them, half same-identity, in 10 folds of [same, different].
    public init(source: any FaceImageSource, labels: [Int], heldOutFraction: Double, rankingPairs: Int,
                subsetIdentities: Int?, subsetImages: Int?, seed: UInt64) throws {
        var byIdentity: [Int: [Int]] = [:]
        for (i, l) in labels.enumerated() { byIdentity[l, default: []].append(i) }
        let identities = byIdentity.keys.sorted()
        var rng = RNG(seed: seed ^ 0x6661_6365_7370_6C74)
        var held: [Int] = []
        if heldOutFraction > 0 {
            // Only identities with two images or more can give same-identity pairs.
            let eligible = identities.filter { byIdentity[$0]!.count >= 2 }
            let want = max(2, Int((Double(identities.count) * heldOutFraction).rounded()))
            guard eligible.count >= want, identities.count - want >= 2 else {
                throw FaceModelError(message: "\(source.name): \(identities.count) identities (\(eligible.count) with 2+ images) cannot spare \(want) for ranking and keep 2 for training; lower --heldout-fraction or give --rank-on FILE.bin")
            }
            held = rng.permutation(eligible.count).prefix(want).map { eligible[$0] }.sorted()
        }
        let heldSet = Set(held)
        var trainIdentities = identities.filter { !heldSet.contains($0) }
        if let n = subsetIdentities {
            guard n >= 2 else { throw FaceModelError(message: "--subset-identities \(n): at least 2 identities are needed to train") }
            if n < trainIdentities.count {
                trainIdentities = rng.permutation(trainIdentities.count).prefix(n).map { trainIdentities[$0] }.sorted()
            }
        }
        var images = trainIdentities.flatMap { byIdentity[$0]! }
        if let n = subsetImages {
            guard n >= 2 else { throw FaceModelError(message: "--subset-images \(n): at least 2 images are needed to train") }
            if n < images.count { images = rng.permutation(images.count).prefix(n).map { images[$0] }.sorted() }
        }
        training = FaceIdentitySubset(base: source, indices: images, baseLabels: labels)
        heldOutIdentities = held
        if held.isEmpty {
            ranking = nil
        } else {
            let pairs = Self.pairs(of: held.map { byIdentity[$0]! }, count: rankingPairs, rng: &rng)
            guard !pairs.isEmpty else {
                throw FaceModelError(message: "\(source.name): the \(held.count) held-out identities give fewer than 10 same-identity pairs (one per fold); raise --heldout-fraction or --ranking-pairs, or give --rank-on FILE.bin")
            }
            var data: [Data] = []
            data.reserveCapacity(2 * pairs.count)
            // An image can sit in several pairs; read each once.
            var read: [Int: Data] = [:]
            func bytes(_ i: Int) throws -> Data {
                if let d = read[i] { return d }
                let d = try source.encodedImage(at: i).bytes
                read[i] = d
                return d
            }
            for p in pairs { data += [try bytes(p.0), try bytes(p.1)] }
            let name = "held-out identities"
            ranking = FaceValidationSet(name: "heldout", path: "\(source.name) (\(name))",
                                        images: InMemoryFaceImages(name: "\(source.name) (\(name))", images: data,
                                                                   labels: Array(repeating: 0, count: data.count), classes: 1),
                                        isSame: pairs.map(\.2))
        }
    }

    /// `count` pairs (rounded down to a multiple of 20, as many as the identities allow) of image
    /// indices: each of the 10 folds holds its same-identity pairs, then as many different-identity
    /// pairs, like LFW's `pairs.txt`; no pair repeats.
    static func pairs(of groups: [[Int]], count: Int, rng: inout RNG) -> [(Int, Int, Bool)] {
        let multi = groups.filter { $0.count >= 2 }
        let possibleSame = multi.reduce(0) { $0 + $1.count * ($1.count - 1) / 2 }
        let perFold = min(count, 2 * possibleSame) / 20
        var seen = Set<[Int]>()
        func draw(same: Bool) -> (Int, Int, Bool) {
            while true {
                let a: Int, b: Int
                if same {
                    let g = multi[rng.int(multi.count)]
                    let i = rng.int(g.count), j = rng.int(g.count)
                    guard i != j else { continue }
                    (a, b) = (g[i], g[j])
                } else {
                    let g1 = rng.int(groups.count), g2 = rng.int(groups.count)
                    guard g1 != g2 else { continue }
                    (a, b) = (groups[g1][rng.int(groups[g1].count)], groups[g2][rng.int(groups[g2].count)])
                }
                if seen.insert([min(a, b), max(a, b)]).inserted { return (a, b, same) }
            }
        }
        var out: [(Int, Int, Bool)] = []
        for _ in 0..<10 {
            for _ in 0..<perFold { out.append(draw(same: true)) }
            for _ in 0..<perFold { out.append(draw(same: false)) }
        }
        return out
    }
}
