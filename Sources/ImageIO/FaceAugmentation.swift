import Foundation
import Tensor

/// Probabilities and ranges of the face training augmentations. `adaFace` holds AdaFace's recipe
/// (reference §6: crop, low-resolution and photometric each with p = 0.2, then flip with p = 0.5);
/// `flipOnly` is arcface_torch's (flip only).
public struct FaceAugmentationConfig: Sendable, Equatable {
    /// RandomResizedCrop parameters; the crop is pasted unresized at its place on a black canvas.
    public var cropProbability: Float
    public var cropScale: ClosedRange<Float>
    public var cropRatio: ClosedRange<Float>
    /// Downscale to a square of side int(ratio·height), ratio ~ U(range), then back up; each resize
    /// draws its filter from `lowResolutionFilters`.
    public var lowResolutionProbability: Float
    public var lowResolutionRatio: ClosedRange<Float>
    public var lowResolutionFilters: [ResizeFilter]
    /// ColorJitter: factors ~ U[1 − j, 1 + j] for brightness, contrast, saturation, applied in a
    /// random order; hue is never changed.
    public var photometricProbability: Float
    public var brightness: Float
    public var contrast: Float
    public var saturation: Float
    public var flipProbability: Float

    public init(cropProbability: Float, cropScale: ClosedRange<Float>, cropRatio: ClosedRange<Float>,
                lowResolutionProbability: Float, lowResolutionRatio: ClosedRange<Float>, lowResolutionFilters: [ResizeFilter],
                photometricProbability: Float, brightness: Float, contrast: Float, saturation: Float, flipProbability: Float) {
        precondition(!lowResolutionFilters.isEmpty, "FaceAugmentationConfig: no low-resolution filters")
        self.cropProbability = cropProbability; self.cropScale = cropScale; self.cropRatio = cropRatio
        self.lowResolutionProbability = lowResolutionProbability; self.lowResolutionRatio = lowResolutionRatio
        self.lowResolutionFilters = lowResolutionFilters
        self.photometricProbability = photometricProbability
        self.brightness = brightness; self.contrast = contrast; self.saturation = saturation
        self.flipProbability = flipProbability
    }

    /// AdaFace: OpenCV's {nearest, linear, area, cubic, lanczos4} map one to one onto `ResizeFilter`.
    public static let adaFace = FaceAugmentationConfig(
        cropProbability: 0.2, cropScale: 0.2...1.0, cropRatio: 0.75...(4.0 / 3.0),
        lowResolutionProbability: 0.2, lowResolutionRatio: 0.2...1.0, lowResolutionFilters: ResizeFilter.allCases,
        photometricProbability: 0.2, brightness: 0.5, contrast: 0.5, saturation: 0.5, flipProbability: 0.5)

    public static let flipOnly = FaceAugmentationConfig(
        cropProbability: 0, cropScale: 0.2...1.0, cropRatio: 0.75...(4.0 / 3.0),
        lowResolutionProbability: 0, lowResolutionRatio: 0.2...1.0, lowResolutionFilters: ResizeFilter.allCases,
        photometricProbability: 0, brightness: 0.5, contrast: 0.5, saturation: 0.5, flipProbability: 0.5)
}

/// A rectangle of pixels: columns x..<x+width, rows y..<y+height.
public struct PixelRect: Sendable, Equatable {
    public var x, y, width, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = width; self.height = height }
}

/// One photometric step of ColorJitter with its factor.
public enum ColorAdjustment: Sendable, Equatable {
    case brightness(Float)
    case contrast(Float)
    case saturation(Float)
}

/// Everything random about one augmented image; nil means that augmentation was not applied.
public struct FaceAugmentationDraw: Sendable, Equatable {
    public var crop: PixelRect?
    /// Side of the small square and the filters of the down and up resize.
    public var lowResolution: (side: Int, down: ResizeFilter, up: ResizeFilter)?
    /// The jitter steps in the order they are applied.
    public var colorJitter: [ColorAdjustment]?
    public var flip: Bool

    public init(crop: PixelRect? = nil, lowResolution: (side: Int, down: ResizeFilter, up: ResizeFilter)? = nil,
                colorJitter: [ColorAdjustment]? = nil, flip: Bool = false) {
        self.crop = crop; self.lowResolution = lowResolution; self.colorJitter = colorJitter; self.flip = flip
    }

    public static func == (l: Self, r: Self) -> Bool {
        l.crop == r.crop && l.colorJitter == r.colorJitter && l.flip == r.flip
            && l.lowResolution?.side == r.lowResolution?.side && l.lowResolution?.down == r.lowResolution?.down
            && l.lowResolution?.up == r.lowResolution?.up
    }
}

/// AdaFace-style augmentation of aligned faces, in the recipe's order: crop → low resolution →
/// photometric → flip. `draw` consumes the RNG in a fixed order (a uniform per augmentation, then that
/// augmentation's parameters only if it fires), so a seed fixes every image's augmentation.
public struct FaceAugmenter: Sendable {
    public let config: FaceAugmentationConfig
    public init(config: FaceAugmentationConfig = .adaFace) { self.config = config }

    public func draw(width: Int, height: Int, rng: inout RNG) -> FaceAugmentationDraw {
        var d = FaceAugmentationDraw()
        if rng.uniform() < config.cropProbability {
            d.crop = randomResizedCropRect(width: width, height: height, scale: config.cropScale, ratio: config.cropRatio, rng: &rng)
        }
        if rng.uniform() < config.lowResolutionProbability {
            let ratio = rng.uniform(config.lowResolutionRatio.lowerBound, config.lowResolutionRatio.upperBound)
            let filters = config.lowResolutionFilters
            let down = filters[rng.int(filters.count)], up = filters[rng.int(filters.count)]
            d.lowResolution = (max(1, Int(ratio * Float(height))), down, up)
        }
        if rng.uniform() < config.photometricProbability {
            let order = rng.permutation(3)
            let factor = { (j: Float, rng: inout RNG) in rng.uniform(max(0, 1 - j), 1 + j) }
            let b = factor(config.brightness, &rng), c = factor(config.contrast, &rng), s = factor(config.saturation, &rng)
            let steps: [ColorAdjustment] = [.brightness(b), .contrast(c), .saturation(s)]
            d.colorJitter = order.map { steps[$0] }
        }
        d.flip = rng.uniform() < config.flipProbability
        return d
    }

    public func apply(_ d: FaceAugmentationDraw, to image: RGBImage) -> RGBImage {
        var out = image
        if let r = d.crop { out = pasteOnBlack(out, keeping: r) }
        if let low = d.lowResolution {
            out = out.resized(width: low.side, height: low.side, filter: low.down)
                .resized(width: image.width, height: image.height, filter: low.up)
        }
        if let steps = d.colorJitter {
            let n = out.width * out.height
            out.pixels.withUnsafeMutableBufferPointer { buf in
                let p = buf.baseAddress!
                for step in steps {
                    switch step {
                    case .brightness(let f): scaleBrightnessRGB(p, count: n, factor: f)
                    case .contrast(let f): scaleContrastRGB(p, count: n, factor: f)
                    case .saturation(let f): scaleSaturationRGB(p, count: n, factor: f)
                    }
                }
            }
        }
        if d.flip { out = out.flippedHorizontally() }
        return out
    }

    public func augment(_ image: RGBImage, rng: inout RNG) -> RGBImage {
        apply(draw(width: image.width, height: image.height, rng: &rng), to: image)
    }
}

/// torchvision's RandomResizedCrop.get_params: up to 10 tries of an area fraction ~ U(scale) and a
/// log-uniform aspect ratio; if none fits, the largest centred crop whose ratio is clamped to `ratio`.
public func randomResizedCropRect(width: Int, height: Int, scale: ClosedRange<Float>, ratio: ClosedRange<Float>,
                                  rng: inout RNG) -> PixelRect {
    let area = Float(width * height)
    let logLo = Foundation.log(ratio.lowerBound), logHi = Foundation.log(ratio.upperBound)
    for _ in 0..<10 {
        let target = area * rng.uniform(scale.lowerBound, scale.upperBound)
        let aspect = Foundation.exp(rng.uniform(logLo, logHi))
        let w = Int((target * aspect).squareRoot().rounded()), h = Int((target / aspect).squareRoot().rounded())
        if w > 0, h > 0, w <= width, h <= height {
            let y = rng.int(height - h + 1), x = rng.int(width - w + 1)
            return PixelRect(x: x, y: y, width: w, height: h)
        }
    }
    let inRatio = Float(width) / Float(height)
    var w = width, h = height
    if inRatio < ratio.lowerBound { h = Int((Float(w) / ratio.lowerBound).rounded()) }
    else if inRatio > ratio.upperBound { w = Int((Float(h) * ratio.upperBound).rounded()) }
    return PixelRect(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
}

/// A black image of the same size with only `rect` copied from `image`.
func pasteOnBlack(_ image: RGBImage, keeping rect: PixelRect) -> RGBImage {
    var out = RGBImage(width: image.width, height: image.height)
    let x0 = max(0, rect.x), x1 = min(image.width, rect.x + rect.width)
    let y0 = max(0, rect.y), y1 = min(image.height, rect.y + rect.height)
    guard x1 > x0, y1 > y0 else { return out }
    for y in y0..<y1 {
        let from = (y * image.width + x0) * 3
        out.pixels.replaceSubrange(from..<from + (x1 - x0) * 3, with: image.pixels[from..<from + (x1 - x0) * 3])
    }
    return out
}

/// Training augmentations by the names the command line and pipeline files use.
public enum FaceAugmentationPreset: String, CaseIterable, Sendable {
    /// AdaFace's: flip, crop, photometric and low-resolution augmentation.
    case adaface
    /// Horizontal flip only.
    case flip
    case none

    public var config: FaceAugmentationConfig? {
        switch self {
        case .adaface: return .adaFace
        case .flip: return .flipOnly
        case .none: return nil
        }
    }
}
