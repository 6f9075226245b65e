import Testing
@testable import Detection

@Suite struct DetectionGeometryTests {
    @Test func pyramidFollowsFacenetPyTorch() {
        // 12/20 = 0.6 first; ×0.709 while the scaled shorter side stays ≥ 12.
        let s = DetectorSettings().scales(shorterSide: 100)
        #expect(s.count == 5)  // shorter sides 60, 42.5, 30.2, 21.4, 15.2
        #expect(abs(s[0] - 0.6) < 1e-12 && abs(s[1] - 0.6 * 0.709) < 1e-12)
        #expect(DetectorSettings().scales(shorterSide: 19).isEmpty)
    }

    @Test func areaWindowsOverlapAndRepeat() {
        // 5 → 2: [0, 3) and [2, 5) share pixel 2; 2 → 4 repeats each pixel twice.
        #expect(areaWindow(0, outputs: 2, inputs: 5) == 0..<3 && areaWindow(1, outputs: 2, inputs: 5) == 2..<5)
        #expect((0..<4).map { areaWindow($0, outputs: 4, inputs: 2) } == [0..<1, 0..<1, 1..<2, 1..<2])
    }

    @Test func suppressionKeepsBestAndDropsOverlaps() {
        let a = CandidateBox(x1: 0, y1: 0, x2: 10, y2: 10, score: 0.9)
        let b = CandidateBox(x1: 1, y1: 1, x2: 11, y2: 11, score: 0.95)
        let c = CandidateBox(x1: 30, y1: 30, x2: 40, y2: 40, score: 0.5)
        #expect(nonMaximumSuppression([a, b, c], threshold: 0.5, kind: .union) == [1, 2])
        // "Min": a box inside another overlaps it fully.
        let inner = CandidateBox(x1: 2, y1: 2, x2: 5, y2: 5, score: 0.99)
        #expect(nonMaximumSuppression([a, inner], threshold: 0.7, kind: .minimumInclusive) == [1])
        #expect(nonMaximumSuppression([a, inner], threshold: 0.7, kind: .union) == [1, 0])
    }

    @Test func cropsClampWithoutPadding() {
        let b = CandidateBox(x1: -5.7, y1: 3.9, x2: 20.2, y2: 500, score: 1)
        let r = b.cropRegion(width: 100, height: 50)
        #expect(r?.rows == 2..<50 && r?.cols == 0..<20)
        #expect(CandidateBox(x1: 200, y1: 0, x2: 300, y2: 10, score: 1).cropRegion(width: 100, height: 50) == nil)
    }
}
