import Foundation
import Tensor
import Datasets

/// A fresh temporary folder, removed when the test ends (`defer { dir.remove() }`).
struct TempDir {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("facenas-datasets-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func mkdir(_ name: String) -> String {
        let p = file(name)
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The rendered message of the error `body` throws (nil if it does not throw).
func errorMessage(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
}

/// `n` deterministic pseudo-random bytes.
func randomBytes(_ n: Int, seed: UInt64) -> [UInt8] {
    var rng = RNG(seed: seed)
    return (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next() >> 56) }
}

/// A synthetic grayscale set: `count` images of `side`×`side`, label of image i = i % classes
/// unless `labels` is given.
func syntheticDataset(count: Int, classes: Int = 10, side: Int = 28, channels: Int = 1, seed: UInt64 = 1,
                      labels: [Int32]? = nil) -> ClassificationDataset {
    ClassificationDataset(name: "synthetic", images: randomBytes(count * channels * side * side, seed: seed),
                          labels: labels ?? (0..<count).map { Int32($0 % classes) },
                          channels: channels, height: side, width: side, classes: classes)
}

let fashionMNISTFolder = "/usr/share/datasets/fashion-mnist"
let fashionMNISTInstalled = FileManager.default.fileExists(atPath: fashionMNISTFolder + "/train-images-idx3-ubyte.gz")
