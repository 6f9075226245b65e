import Tensor

/// The part of a search space a ranking study samples from: depths and widths within bounds (widths
/// on the search's width grid), each searchable convolution's operation and kernel among the micro
/// search's choices (separable or standard, 3×3 or 5×5).
public struct StudyBounds: Codable, Equatable, Sendable {
    public var minDepth: Int, maxDepth: Int
    public var minWidth: Int, maxWidth: Int, widthStep: Int

    public init(minDepth: Int, maxDepth: Int, minWidth: Int, maxWidth: Int, widthStep: Int) {
        self.minDepth = minDepth; self.maxDepth = maxDepth
        self.minWidth = minWidth; self.maxWidth = maxWidth; self.widthStep = widthStep
    }

    public static let kernels = [3, 5]

    /// Widths on the grid from `minWidth` up to `maxWidth`.
    public var widths: [Int] { Array(stride(from: minWidth, through: maxWidth, by: widthStep)) }

    public func problem(space: SpaceName) -> String? {
        let least = space == .ir ? 4 : 1
        if minDepth < least { return "--min-depth \(minDepth): the \(space.rawValue) space needs at least \(least)" }
        if maxDepth < minDepth { return "--max-depth \(maxDepth) is below --min-depth \(minDepth)" }
        if minWidth < 1 { return "--min-width must be at least 1" }
        if maxWidth < minWidth { return "--max-width \(maxWidth) is below --min-width \(minWidth)" }
        if widthStep < 1 { return "--width-step must be at least 1" }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case minDepth = "min_depth", maxDepth = "max_depth", minWidth = "min_width", maxWidth = "max_width", widthStep = "width_step"
    }
}

public enum StudySampler {
    /// `count` architectures drawn uniformly and independently from `bounds` of `space`, the same
    /// for the same seed. Duplicates are drawn again, so every network of a study is distinct
    /// (the draw gives up after many tries, when the bounds hold fewer networks than asked for).
    public static func sample(_ count: Int, from space: any SearchSpace, bounds: StudyBounds, seed: UInt64) throws -> [Architecture] {
        var rng = RNG(seed: seed ^ 0x5354_5544_5921)
        let widths = bounds.widths
        var out: [Architecture] = []
        var tries = 0
        while out.count < count {
            tries += 1
            if tries > 1000 * count { throw StudyError("--networks \(count): the depth and width bounds hold too few distinct networks") }
            let depth = bounds.minDepth + rng.int(bounds.maxDepth - bounds.minDepth + 1)
            let width = widths[rng.int(widths.count)]
            let n = space.searchableConvCount(depth: depth)
            let ops = (0..<n).map { _ in rng.int(2) == 0 ? ConvOp.separable : .standard }
            let kernels = (0..<n).map { _ in StudyBounds.kernels[rng.int(StudyBounds.kernels.count)] }
            let a = space.architecture(depth: depth, width: width, ops: ops, kernels: kernels)
            if !out.contains(a) { out.append(a) }
        }
        return out
    }
}
