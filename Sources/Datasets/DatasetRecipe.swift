/// The per-data-set training recipe of the paper's pipeline (paper-algorithm.md §7):
/// RandomCrop(cropSize, padding) → horizontal flip (where `flip`) → ToTensor + Normalize(mean, std)
/// → Cutout(cutout×cutout). Testing uses ToTensor + Normalize only, at the native size.
public struct DatasetRecipe: Sendable, Equatable, Codable {
    /// Per-channel mean and standard deviation of pixel/255.
    public var mean: [Float]
    public var std: [Float]
    /// Random horizontal flip with p = 0.5 (CIFAR-10/100 and Fashion-MNIST only).
    public var flip: Bool
    /// Side of the square training crop, taken from the image zero-padded by `padding` on every side.
    public var cropSize: Int
    public var padding: Int
    /// Side of the Cutout square; 0 disables Cutout.
    public var cutout: Int

    public init(mean: [Float], std: [Float], flip: Bool, cropSize: Int = 32, padding: Int = 4, cutout: Int = 16) {
        precondition(mean.count == std.count && !mean.isEmpty, "DatasetRecipe: mean and std must have one value per channel")
        self.mean = mean
        self.std = std
        self.flip = flip
        self.cropSize = cropSize
        self.padding = padding
        self.cutout = cutout
    }

    /// The recipe of a classification kind; throws for the face and conversion kinds.
    public init(kind: DataKind) throws {
        switch kind {
        case .cifar10:
            self.init(mean: [0.49139968, 0.48215827, 0.44653124], std: [0.24703233, 0.24348505, 0.26158768], flip: true)
        case .cifar100:
            self.init(mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762], flip: true)
        case .fashionMNIST:
            self.init(mean: [0.2860402], std: [0.3530236], flip: true)
        case .mnist:
            self.init(mean: [0.1307], std: [0.3081], flip: false)
        case .kmnist:
            self.init(mean: [0.19036119], std: [0.34719803], flip: false)
        case .emnistBalanced:
            self.init(mean: [0.1751], std: [0.3332], flip: false)
        case .recordio, .folders, .synth, .bin, .lfwPairs:
            throw DatasetError.unsupportedKind(spec: kind.rawValue + ":", operation: "a classification recipe")
        }
    }

    public var channels: Int { mean.count }

    /// Output size of the training transform for an image of `height`×`width`.
    public func trainSize(height: Int, width: Int) -> (height: Int, width: Int) {
        cropSize > 0 ? (cropSize, cropSize) : (height, width)
    }

    /// `lut[c * 256 + v]` = (v/255 − mean[c]) / std[c], computed in Float exactly as
    /// torchvision's ToTensor followed by Normalize.
    public func normalisationTable() -> [Float] {
        var t = [Float](repeating: 0, count: 256 * channels)
        for c in 0..<channels {
            for v in 0..<256 { t[c * 256 + v] = (Float(v) / 255 - mean[c]) / std[c] }
        }
        return t
    }
}
