import Tensor

/// The layer shapes of MTCNN's P-Net, R-Net and O-Net (Zhang et al. 2016, as facenet-pytorch lays
/// them out): every parameter a network needs, with its PyTorch shape. Weights are checked against
/// it when converted and when loaded, so a wrong file fails with its name, not inside a kernel.
enum MTCNNLayout {
    static func conv(_ name: String, _ cin: Int, _ cout: Int, _ k: Int) -> [(String, [Int])] {
        [("\(name).weight", [cout, cin, k, k]), ("\(name).bias", [cout])]
    }
    static func dense(_ name: String, _ fin: Int, _ fout: Int) -> [(String, [Int])] {
        [("\(name).weight", [fout, fin]), ("\(name).bias", [fout])]
    }
    static func prelu(_ name: String, _ c: Int) -> [(String, [Int])] { [("\(name).weight", [c])] }

    static let shapes: [String: [(String, [Int])]] = [
        "pnet": conv("conv1", 3, 10, 3) + prelu("prelu1", 10) + conv("conv2", 10, 16, 3) + prelu("prelu2", 16)
            + conv("conv3", 16, 32, 3) + prelu("prelu3", 32) + conv("conv4_1", 32, 2, 1) + conv("conv4_2", 32, 4, 1),
        "rnet": conv("conv1", 3, 28, 3) + prelu("prelu1", 28) + conv("conv2", 28, 48, 3) + prelu("prelu2", 48)
            + conv("conv3", 48, 64, 2) + prelu("prelu3", 64) + dense("dense4", 576, 128) + prelu("prelu4", 128)
            + dense("dense5_1", 128, 2) + dense("dense5_2", 128, 4),
        "onet": conv("conv1", 3, 32, 3) + prelu("prelu1", 32) + conv("conv2", 32, 64, 3) + prelu("prelu2", 64)
            + conv("conv3", 64, 64, 3) + prelu("prelu3", 64) + conv("conv4", 64, 128, 2) + prelu("prelu4", 128)
            + dense("dense5", 1152, 256) + prelu("prelu5", 256) + dense("dense6_1", 256, 2) + dense("dense6_2", 256, 4)
            + dense("dense6_3", 256, 10),
    ]

    static func check(_ weights: [String: Tensor], network: String, file: String) throws {
        for (name, shape) in shapes[network] ?? [] {
            guard let t = weights[name] else {
                throw DetectionError("\(file): tensor \(name) missing (expected MTCNN \(network) weights, shape \(shape))")
            }
            guard t.shape == shape else {
                throw DetectionError("\(file): tensor \(name) has shape \(t.shape), expected \(shape)")
            }
        }
    }
}
