import Foundation

/// Scores flip-fused embeddings of a verification set (pair i = rows 2i and 2i+1) with
/// insightface's 10-fold protocol.
public enum FaceVerification {
    public static func evaluate(embeddings e: FaceEmbeddings, isSame: [Bool], name: String) throws -> VerificationResult {
        if let s = e.skipped.first {
            throw FaceModelError(message: "\(name): cannot score the protocol with an unreadable image (\(s.reason))")
        }
        guard e.count == 2 * isSame.count else {
            throw FaceModelError(message: "\(name): \(e.count) embeddings for \(isSame.count) pairs (expected \(2 * isSame.count))")
        }
        let d = e.dimension
        let distances = (0..<isSame.count).map { p -> Double in
            let a = 2 * p * d, b = (2 * p + 1) * d
            var s = 0.0
            for j in 0..<d {
                let t = Double(e.vectors[a + j]) - Double(e.vectors[b + j])
                s += t * t
            }
            return s
        }
        return try Verification.evaluate(distances: distances, isSame: isSame)
    }
}
