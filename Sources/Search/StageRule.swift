/// How an IR depth (total blocks) is spread over the four stages when no explicit stages are given.
///
/// - `proportional` (default): in proportion to IR-50's 3:4:14:3. Stage i's quota is
///   depth·rᵢ/24; each stage gets the floor of its quota, the blocks left over go one each to
///   the stages with the largest fractional parts (ties to the later stage, whose blocks are
///   cheaper in MACs), and a stage left with 0 blocks takes one from the largest stage (the
///   earliest of equals). Depth 24 → 3,4,14,3; 8 → 1,1,5,1; 12 → 1,2,7,2; 4 → 1,1,1,1.
/// - `even`: ⌊depth/4⌋ blocks each, the remainder one each to the last stages.
///   Depth 8 → 2,2,2,2; 10 → 2,2,3,3; 5 → 1,1,1,2.
///
/// Both need depth ≥ 4 (every stage has at least one block).
public enum StageRule: String, CaseIterable, Codable, Sendable {
    case proportional
    case even

    /// IR-50's blocks per stage, the proportions of `proportional`.
    public static let ir50Ratios = [3, 4, 14, 3]

    public func stages(depth: Int) throws -> [Int] {
        guard depth >= 4 else { throw ArchitectureError(message: "ir depth \(depth): at least 4 blocks (one per stage) are needed") }
        switch self {
        case .even:
            let base = depth / 4, extra = depth % 4
            return (0..<4).map { base + ($0 >= 4 - extra ? 1 : 0) }
        case .proportional:
            let total = Self.ir50Ratios.reduce(0, +)
            var s = Self.ir50Ratios.map { depth * $0 / total }
            // Fractional parts compared exactly as numerators of depth·rᵢ mod 24.
            let remainders = Self.ir50Ratios.map { depth * $0 % total }
            let order = (0..<4).sorted { remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 > $1 }
            for i in order.prefix(depth - s.reduce(0, +)) { s[i] += 1 }
            for i in 0..<4 where s[i] == 0 {
                let donor = s.indices.max { s[$0] != s[$1] ? s[$0] < s[$1] : $0 > $1 }!
                s[donor] -= 1; s[i] = 1
            }
            return s
        }
    }
}
