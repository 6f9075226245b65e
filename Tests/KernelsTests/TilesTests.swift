import Testing
import Tensor
import Kernels

@Suite struct TilesTests {
    /// tile[r][i*c + j] = x[i][r][j] for images side by side, and scatter undoes gather.
    @Test(arguments: [(1, 3, 5), (3, 4, 7), (5, 2, 49), (2, 3, 16)])
    func gatherPutsImagesSideBySideAndScatterUndoesIt(n: Int, rows: Int, columns: Int) {
        let x = Tensor(shape: [n, rows, columns], values: (0..<(n * rows * columns)).map { Float($0) })
        let tile = Tensor(shape: [rows, n * columns], repeating: .nan)
        gatherTile(x.data, images: n, rows: rows, columns: columns, into: tile.data)
        var placed = true
        for i in 0..<n { for r in 0..<rows { for j in 0..<columns where tile[r * n * columns + i * columns + j] != x[(i * rows + r) * columns + j] {
            placed = false
        } } }
        #expect(placed)
        let back = Tensor(shape: x.shape, repeating: .nan)
        scatterTile(tile.data, images: n, rows: rows, columns: columns, into: back.data)
        #expect(back.array == x.array)
    }
}
