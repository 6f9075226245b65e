import ImageIO

/// Verification accuracy of the crudest "model", the flattened normalised pixels ((x/255 − 0.5)/0.5)
/// compared by cosine similarity, at the single best threshold over all pairs. That threshold is
/// chosen on the test pairs themselves, so this is an optimistic upper bound of the 10-fold protocol
/// — the number a learned embedding must clearly beat for a set to be worth evaluating on.
public func rawPixelVerificationAccuracy(_ set: VerificationBin) throws -> Double {
    var vectors: [[Float]] = []
    vectors.reserveCapacity(set.images.count)
    for (i, bytes) in set.images.enumerated() {
        let image: RGBImage
        do { image = try decodeImage([UInt8](bytes)) } catch {
            throw DatasetError.badRecord(file: "<verification set>", record: i, offset: 0, message: "\(error)")
        }
        vectors.append(image.pixels.map { (Float($0) / 255 - 0.5) / 0.5 })
    }
    var scored: [(similarity: Float, same: Bool)] = []
    for (p, same) in set.isSame.enumerated() {
        let a = vectors[2 * p], b = vectors[2 * p + 1]
        guard a.count == b.count else {
            throw DatasetError.badRecord(file: "<verification set>", record: 2 * p + 1, offset: 0,
                                         message: "pair \(p): images of different sizes, cannot compare pixels")
        }
        scored.append((cosineSimilarity(a, b), same))
    }
    return bestThresholdAccuracy(scored)
}

/// The accuracy of "same ⇔ similarity > t" at the best t, by one sweep over the sorted scores.
public func bestThresholdAccuracy(_ scored: [(similarity: Float, same: Bool)]) -> Double {
    guard !scored.isEmpty else { return 0 }
    let sorted = scored.sorted { $0.similarity < $1.similarity }
    // Threshold below everything: all pairs called "same".
    var correct = sorted.filter(\.same).count
    var best = correct
    var i = 0
    while i < sorted.count {
        // Move the threshold past every pair with this exact score at once (ties share a side).
        let s = sorted[i].similarity
        while i < sorted.count && sorted[i].similarity == s {
            correct += sorted[i].same ? -1 : 1
            i += 1
        }
        best = max(best, correct)
    }
    return Double(best) / Double(sorted.count)
}

func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float {
    var dot: Double = 0, na: Double = 0, nb: Double = 0
    for i in a.indices {
        let x = Double(a[i]), y = Double(b[i])
        dot += x * y; na += x * x; nb += y * y
    }
    return Float(dot / max((na * nb).squareRoot(), 1e-12))
}
