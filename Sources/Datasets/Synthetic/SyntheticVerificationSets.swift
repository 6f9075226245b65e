import Foundation
import Tensor

/// The two pair sets of held-out people:
/// - `synth.bin` (LFW-like): both photos standard shots, any pose and expression;
/// - `synth_pose.bin` (CFP-FP-like): a near-frontal shot against a 30°–45° profile in every pair.
/// Pairs go in LFW order (per fold: positives, then negatives) and each photo is stored in the
/// `.bin` as the same JPEG bytes wherever it recurs.
func writeVerificationSets(_ g: SyntheticFaceGenerator, _ o: SyntheticDatasetOptions, _ s: SyntheticSplits,
                           to dir: String, tick: (Int) -> Void) throws -> [SyntheticVerificationSet] {
    let temporary = try FolderTransaction.begin(dir)
    let people = s.verification
    let keys: [SyntheticPhotoKey] = people.flatMap { id in
        (0..<o.imagesPerIdentity).map { SyntheticPhotoKey(identity: id, image: $0, shot: .standard) }
            + (0..<o.poseShotsPerIdentity).map { SyntheticPhotoKey(identity: id, image: $0, shot: .frontal) }
            + (0..<o.poseShotsPerIdentity).map { SyntheticPhotoKey(identity: id, image: $0, shot: .profile) }
    }
    var jpegs: [SyntheticPhotoKey: Data] = [:]
    try renderInBatches(count: keys.count, { try encodedPhoto(g, keys[$0], framing: .aligned(size: o.size)).0 }) { i, jpeg in
        jpegs[keys[i]] = jpeg
        tick(1)
    }

    let perFold = 2 * o.pairsPerFoldHalf
    let ipi = o.imagesPerIdentity, shots = o.poseShotsPerIdentity
    var rng = RNG(seed: SeedMix.mix(o.seed, SeedMix.synthSplit, 1))
    let standard = verificationPairs(identities: people, perFold: perFold, rng: &rng) { a, b, rng in
        let i = rng.int(ipi)
        let j = a == b ? (i + 1 + rng.int(ipi - 1)) % ipi : rng.int(ipi)
        return (SyntheticPhotoKey(identity: a, image: i, shot: .standard), SyntheticPhotoKey(identity: b, image: j, shot: .standard))
    }
    rng = RNG(seed: SeedMix.mix(o.seed, SeedMix.synthSplit, 2))
    let pose = verificationPairs(identities: people, perFold: perFold, rng: &rng) { a, b, rng in
        (SyntheticPhotoKey(identity: a, image: rng.int(shots), shot: .frontal),
         SyntheticPhotoKey(identity: b, image: rng.int(shots), shot: .profile))
    }

    var sets: [SyntheticVerificationSet] = []
    for (file, describes, pairs) in [
        ("synth.bin", "held-out people, any pose (LFW-like)", standard),
        ("synth_pose.bin", "held-out people, near-frontal vs 30-45 degree profile in every pair (CFP-FP-like)", pose),
    ] {
        let bin = VerificationBin(images: pairs.flatMap { [jpegs[$0.first]!, jpegs[$0.second]!] }, isSame: pairs.map(\.isSame))
        try bin.write(to: DataFile.join(temporary, file))
        sets.append(SyntheticVerificationSet(file: "verification/" + file, describes: describes, pairs: pairs.count, folds: 10,
                                             rawPixelAccuracy: try rawPixelVerificationAccuracy(bin)))
    }
    try FolderTransaction.commit(temporary, to: dir)
    return sets
}
