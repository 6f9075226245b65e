import Tensor

/// The random choices for one training image, drawn by `Augmenter.draw` in the recipe's order.
public struct AugmentParams: Sendable, Equatable {
    /// Top-left corner of the crop in the zero-padded image (padded coordinates).
    public var cropTop: Int
    public var cropLeft: Int
    public var flip: Bool
    /// Centre of the Cutout square in output coordinates.
    public var cutoutY: Int
    public var cutoutX: Int

    public init(cropTop: Int, cropLeft: Int, flip: Bool, cutoutY: Int, cutoutX: Int) {
        self.cropTop = cropTop
        self.cropLeft = cropLeft
        self.flip = flip
        self.cutoutY = cutoutY
        self.cutoutX = cutoutX
    }
}

/// Turns uint8 C×H×W images into normalised Float images.
///
/// Training (recipe order, paper-algorithm.md §7): RandomCrop(cropSize, padding) with zero padding in
/// uint8 space → horizontal flip with p = 0.5 where the recipe flips → ToTensor (/255) + Normalize →
/// Cutout: a cutout×cutout square centred uniformly over the output (y in 0..<outH, x in 0..<outW),
/// clipped at the borders, set to 0 after normalisation. Testing: ToTensor + Normalize at native size.
public struct Augmenter: Sendable {
    public let recipe: DatasetRecipe
    public let channels: Int
    public let height: Int
    public let width: Int
    /// Size of a training output image.
    public let outHeight: Int
    public let outWidth: Int
    private let lut: [Float]

    public init(recipe: DatasetRecipe, channels: Int, height: Int, width: Int) {
        precondition(recipe.channels == channels, "Augmenter: recipe has \(recipe.channels) channels, images have \(channels)")
        self.recipe = recipe
        self.channels = channels
        self.height = height
        self.width = width
        (outHeight, outWidth) = recipe.trainSize(height: height, width: width)
        lut = recipe.normalisationTable()
    }

    /// Floats per training / test output image.
    public var trainImageSize: Int { channels * outHeight * outWidth }
    public var testImageSize: Int { channels * height * width }

    /// Draws one image's choices: crop top, crop left, flip (only when the recipe flips), Cutout y, x
    /// (only when Cutout is on).
    public func draw(_ rng: inout RNG) -> AugmentParams {
        var p = AugmentParams(cropTop: recipe.padding, cropLeft: recipe.padding, flip: false, cutoutY: 0, cutoutX: 0)
        if recipe.cropSize > 0 {
            p.cropTop = rng.int(max(0, height + 2 * recipe.padding - outHeight) + 1)
            p.cropLeft = rng.int(max(0, width + 2 * recipe.padding - outWidth) + 1)
        }
        if recipe.flip { p.flip = rng.uniform() < 0.5 }
        if recipe.cutout > 0 {
            p.cutoutY = rng.int(outHeight)
            p.cutoutX = rng.int(outWidth)
        }
        return p
    }

    /// The training transform of one image with the given choices; writes `trainImageSize` floats.
    public func train(_ src: UnsafePointer<UInt8>, params: AugmentParams, into dst: UnsafeMutablePointer<Float>) {
        let pad = recipe.padding
        // Output column j reads source column sx(j) = left + j − pad (or left + (outW−1−j) − pad when flipped).
        lut.withUnsafeBufferPointer { table in
            for c in 0..<channels {
                let t = table.baseAddress! + c * 256
                let zero = t[0]
                let plane = src + c * height * width
                for i in 0..<outHeight {
                    let row = dst + (c * outHeight + i) * outWidth
                    let sy = params.cropTop + i - pad
                    if sy < 0 || sy >= height {
                        row.update(repeating: zero, count: outWidth)
                        continue
                    }
                    let srow = plane + sy * width
                    let base = params.cropLeft - pad
                    if params.flip {
                        for j in 0..<outWidth {
                            let sx = base + outWidth - 1 - j
                            row[j] = (sx >= 0 && sx < width) ? t[Int(srow[sx])] : zero
                        }
                    } else {
                        let lo = max(0, -base), hi = min(outWidth, width - base)
                        if lo > 0 { row.update(repeating: zero, count: min(lo, outWidth)) }
                        if hi > lo { for j in lo..<hi { row[j] = t[Int(srow[base + j])] } }
                        if hi < outWidth { let from = max(hi, 0); (row + from).update(repeating: zero, count: outWidth - from) }
                    }
                }
            }
        }
        if recipe.cutout > 0 {
            let half = recipe.cutout / 2
            let y0 = min(max(params.cutoutY - half, 0), outHeight), y1 = min(max(params.cutoutY + half, 0), outHeight)
            let x0 = min(max(params.cutoutX - half, 0), outWidth), x1 = min(max(params.cutoutX + half, 0), outWidth)
            if y1 > y0 && x1 > x0 {
                for c in 0..<channels {
                    for y in y0..<y1 { (dst + (c * outHeight + y) * outWidth + x0).update(repeating: 0, count: x1 - x0) }
                }
            }
        }
    }

    /// The test transform (ToTensor + Normalize, native size); writes `testImageSize` floats.
    public func test(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<Float>) {
        let plane = height * width
        lut.withUnsafeBufferPointer { table in
            for c in 0..<channels {
                let t = table.baseAddress! + c * 256
                let s = src + c * plane, d = dst + c * plane
                for k in 0..<plane { d[k] = t[Int(s[k])] }
            }
        }
    }
}
