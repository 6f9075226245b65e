import Foundation
import Tensor
import Testing

/// The collectives of `Communicator.inProcess` between 3 threads, repeated many times with
/// changing sizes and roots: a wrong barrier shows as a deadlock (the timeout), a rank leaving
/// before the others copied the result as torn data in the next round, and an unordered sum as
/// ranks disagreeing in the last bit.
@Suite struct InProcessGroupTests {
    static let rounds = 400

    /// The value rank `r` contributes at element `i` of round `k`: integers small enough that every
    /// Float and Double sum is exact, and different per rank, element and round.
    static func integer(_ r: Int, _ i: Int, _ k: Int) -> Int { (r + 1) * 1000 + (i * 7 + k * 13) % 997 - 500 * r }

    @Test func sumsAndBroadcastsAreExactOnEveryRank() throws {
        let ranks = 3
        let failures = try runRanks(ranks, seconds: 120) { r, comm -> [String] in
            var bad: [String] = []
            for k in 0..<Self.rounds {
                // Sizes from 0 through several thousand elements, equal on every rank as MPI requires.
                let n = [0, 1, 5, 64, 1000, 4099][k % 6] + k % 3
                var f = (0..<n).map { Float(Self.integer(r, $0, k)) }
                f.withUnsafeMutableBufferPointer { comm.sum($0.baseAddress!, count: n) }
                var d = (0..<n).map { Double(Self.integer(r, $0, k)) * 0.5 }
                d.withUnsafeMutableBufferPointer { comm.sum($0.baseAddress!, count: n) }
                for i in 0..<n {
                    let want = (0..<ranks).map { Self.integer($0, i, k) }.reduce(0, +)
                    if f[i] != Float(want) { bad.append("rank \(r) round \(k): float[\(i)] = \(f[i]), expected \(want)"); break }
                    if d[i] != Double(want) * 0.5 { bad.append("rank \(r) round \(k): double[\(i)] = \(d[i]), expected \(Double(want) * 0.5)"); break }
                }
                let root = k % ranks
                let b = comm.broadcast((0..<(n + 1)).map { Double(Self.integer(r, $0, k)) }, root: root)
                if b != (0..<(n + 1)).map({ Double(Self.integer(root, $0, k)) }) { bad.append("rank \(r) round \(k): broadcast from \(root) wrong") }
                if bad.count > 5 { break }
            }
            return bad
        }
        #expect(failures.flatMap { $0 } == [])
    }

    static let roundedCount = 2048

    @Sendable static func roundedValues(_ r: Int, _ k: Int) -> [Float] {
        var rng = RNG(seed: UInt64(1000 * k + r))
        return (0..<roundedCount).map { _ in rng.uniform(-1, 1) * Float(1 << (r * 6)) }
    }

    /// Sums that round: every rank must receive the same bits, those of adding in rank order
    /// (((x₀ + x₁) + x₂)), as the replicas of a data-parallel job must stay identical.
    @Test func roundedSumsAreIdenticalOnEveryRankAndInRankOrder() throws {
        let ranks = 3, n = Self.roundedCount
        let values = Self.roundedValues
        let results = try runRanks(ranks, seconds: 120) { r, comm -> [[UInt32]] in
            (0..<50).map { k in
                var v = values(r, k)
                v.withUnsafeMutableBufferPointer { comm.sum($0.baseAddress!, count: n) }
                return v.map(\.bitPattern)
            }
        }
        for k in 0..<50 {
            let parts = (0..<ranks).map { values($0, k) }
            let ordered = (0..<n).map { i in ((parts[0][i] + parts[1][i]) + parts[2][i]).bitPattern }
            #expect(results[0][k] == ordered, "round \(k): rank 0's sum is not the rank-order sum")
            #expect(results[1][k] == results[0][k] && results[2][k] == results[0][k], "round \(k): ranks disagree")
        }
        // The magnitudes differ by 2⁶ per rank, so another order would round differently somewhere.
        let parts = (0..<ranks).map { values($0, 0) }
        let otherOrder = (0..<n).filter { i in
            let (a, b, c) = (parts[0][i], parts[1][i], parts[2][i])
            let ordered: Float = (a + b) + c, reversed: Float = a + (b + c)
            return ordered != reversed
        }
        #expect(!otherOrder.isEmpty)
    }

    /// A communicator of one rank is not distributed and its collectives leave the values alone.
    @Test func oneRankIsAWorldOfOne() {
        let c = Communicator.inProcess(ranks: 1)
        #expect(c.count == 1 && !c[0].isDistributed && c[0].isRoot)
        #expect(c[0].sum([1.5, 2]) == [1.5, 2] && c[0].broadcast([3]) == [3])
    }
}
