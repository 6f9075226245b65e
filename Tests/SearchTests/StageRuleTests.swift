import Search
import Testing

@Suite struct StageRuleTests {
    @Test func proportionalFollowsIR50() throws {
        let cases: [(Int, [Int])] = [(24, [3, 4, 14, 3]), (8, [1, 1, 5, 1]), (12, [1, 2, 7, 2]), (4, [1, 1, 1, 1]),
                                     (48, [6, 8, 28, 6]), (50, [6, 9, 29, 6]), (5, [1, 1, 2, 1])]
        for (depth, expected) in cases { #expect(try StageRule.proportional.stages(depth: depth) == expected, "depth \(depth)") }
    }

    @Test func evenGivesExtrasToLaterStages() throws {
        let cases: [(Int, [Int])] = [(8, [2, 2, 2, 2]), (10, [2, 2, 3, 3]), (5, [1, 1, 1, 2]), (11, [2, 3, 3, 3]), (4, [1, 1, 1, 1])]
        for (depth, expected) in cases { #expect(try StageRule.even.stages(depth: depth) == expected, "depth \(depth)") }
    }

    @Test func everyDepthSumsAndFillsEveryStage() throws {
        for rule in StageRule.allCases {
            for depth in 4...80 {
                let s = try rule.stages(depth: depth)
                #expect(s.count == 4 && s.reduce(0, +) == depth && s.min()! >= 1, "\(rule) depth \(depth): \(s)")
            }
        }
    }

    @Test func depthBelowFourIsAnError() {
        do { _ = try StageRule.proportional.stages(depth: 3); Issue.record("accepted depth 3") } catch {
            #expect("\(error)" == "ir depth 3: at least 4 blocks (one per stage) are needed")
        }
    }

    @Test func irSpaceUsesItsRule() {
        let a = IRSpace(stageRule: .even).macroArchitecture(depth: 9, width: 8)
        #expect(a.stages == [2, 2, 2, 3])
        #expect(a.ops.count == 18 && a.ops.allSatisfy { $0 == .separable } && a.kernels.allSatisfy { $0 == 3 })
        let b = IRSpace().architecture(depth: 24, width: 8, ops: Array(repeating: .standard, count: 48),
                                       kernels: Array(repeating: 5, count: 48))
        #expect(b.stages == [3, 4, 14, 3] && b.depth == 24 && b.classes == 0 && b.embeddingSize == 512)
    }
}
