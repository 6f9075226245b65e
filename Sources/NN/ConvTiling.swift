import Foundation

/// How a convolution cuts a batch into GEMM tiles.
///
/// One GEMM per whole image is too wide at 112×112 (its im2col columns, 29 MB for 64 channels,
/// leave the cache before the GEMM reads them back) and too skinny at 7×7 (49 columns keep
/// OpenBLAS far from its peak). So an image with at least `bandColumns` outputs is cut into
/// bands of about that many output columns (whole rows), and smaller images are put side by
/// side, about `groupColumns` output columns per tile. Workers take whole units (a group, or an
/// image with all its bands), so two workers never add into the same input gradient.
public struct ConvTiling: Equatable, Sendable {
    /// Images per unit (1 when images are cut into bands).
    public let groupSize: Int
    /// Output rows per band when `groupSize` is 1 (all the rows when the image is small).
    public let bandRows: Int
    /// Units the workers share: ⌈n / groupSize⌉.
    public let units: Int
    /// Output columns of the widest tile (sizes the scratch).
    public let columns: Int

    /// Defaults chosen from `bench --verbose` on this machine (docs/performance.md).
    public static let defaultGroupColumns = ProcessInfo.processInfo.environment["FACENAS_CONV_TILE"].flatMap { Int($0) } ?? 2048 // TUNING
    public static let defaultBandColumns = ProcessInfo.processInfo.environment["FACENAS_CONV_BAND"].flatMap { Int($0) } ?? 2048 // TUNING

    public init(batch n: Int, outHeight oh: Int, outWidth ow: Int, groupColumns: Int = ConvTiling.defaultGroupColumns,
                bandColumns: Int = ConvTiling.defaultBandColumns, workers: Int) {
        let ohw = max(oh * ow, 1)
        if ohw >= bandColumns || n <= 1 || ohw * 2 > groupColumns {
            groupSize = 1
            bandRows = ohw >= bandColumns ? max(1, min(oh, bandColumns / max(ow, 1))) : max(oh, 1)
            units = n
            columns = bandRows * ow
        } else {
            // As few units as the target allows, rounded up to a multiple of the workers so that
            // none idles, then spread evenly.
            let widest = max(1, groupColumns / ohw)
            var u = (n + widest - 1) / widest
            if n >= workers { u = min(n, (u + workers - 1) / workers * workers) }
            groupSize = (n + u - 1) / u
            bandRows = oh
            units = (n + groupSize - 1) / groupSize
            columns = groupSize * ohw
        }
    }
}
