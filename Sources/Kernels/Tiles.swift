import KernelBodies
import Tensor

// Moving small images between the batch layout [n, rows, columns] and one GEMM tile
// [rows, n*columns] (the images side by side), so a convolution over 7×7 or 14×14 maps runs one
// wide GEMM instead of n skinny ones.

/// Copies the tile's images back to batch layout, overwriting `y`.
///
/// - Shapes: tile: [rows, images*columns] -> y: [images, rows, columns].
public func scatterTile(_ tile: UnsafePointer<Float>, images n: Int, rows r: Int, columns c: Int,
                        into y: UnsafeMutablePointer<Float>) {
    // tile: [r, n*c] -> y: [n, r, c]
    for i in 0..<n {
        for row in 0..<r { copyRun(tile + row * n * c + i * c, to: y + (i * r + row) * c, count: c) }
    }
}

/// Copies images in batch layout into one tile, overwriting `tile`.
///
/// - Shapes: x: [images, rows, columns] -> tile: [rows, images*columns].
public func gatherTile(_ x: UnsafePointer<Float>, images n: Int, rows r: Int, columns c: Int,
                       into tile: UnsafeMutablePointer<Float>) {
    // x: [n, r, c] -> tile: [r, n*c]
    for i in 0..<n {
        for row in 0..<r { copyRun(x + (i * r + row) * c, to: tile + row * n * c + i * c, count: c) }
    }
}
