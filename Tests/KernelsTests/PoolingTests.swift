import Testing
import Tensor
import Kernels

@Suite struct PoolingTests {
    @Test(arguments: [(1, 1), (3, 1), (17, 49), (6, 50), (5, 7 * 9), (2, 4096)])
    func globalAvgPoolMatchesNaive(_ planes: Int, _ hw: Int) {
        var rng = RNG(seed: UInt64(planes * 100 + hw))
        let x = randomTensor([planes, hw], &rng), dy = randomTensor([planes], &rng)
        let y = Tensor(shape: [planes], repeating: .nan), dx = Tensor(shape: [planes, hw], repeating: .nan)
        globalAvgPoolForward(x.data, planes: planes, spatial: hw, y: y.data)
        globalAvgPoolBackward(dy.data, planes: planes, spatial: hw, dx: dx.data)
        let wantY = (0..<planes).map { p in (0..<hw).reduce(0.0) { $0 + Double(x[p * hw + $1]) } / Double(hw) }
        expectClose(y, wantY, tolerance: 1e-6, "pool forward")
        let wantDx = (0..<planes * hw).map { Double(dy[$0 / hw]) / Double(hw) }
        expectClose(dx, wantDx, tolerance: 1e-6, "pool backward")
    }
}
