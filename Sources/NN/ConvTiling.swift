/// How a convolution cuts a batch into GEMM tiles.
///
/// One GEMM per whole image is too wide at 112×112 (its im2col columns, 29 MB for 64 channels,
/// leave the cache before the GEMM reads them back) and too skinny at 7×7 against a deep K
/// (single-threaded sgemm 512×49×4608 runs at 94 GFLOP/s here, 512×784×4608 at 138). So an image
/// with at least `bandColumns` outputs is cut into bands of about that many output columns (whole
/// rows), and images of at most `skinnyColumns` outputs whose GEMM depth (cin·k²) is at least
/// `deepK` are put side by side, about `groupColumns` output columns per tile. With a shallow K
/// (the plain template's pointwise convs) OpenBLAS's small-matrix path is already fast and the
/// copies would cost more than the wider GEMM saves. Workers take whole units (a group, or an
/// image with all its bands), so two workers never add into the same input gradient.
public struct ConvTiling: Equatable, Sendable {
    /// The thresholds; defaults measured with `bench --verbose` and single-threaded sgemm on this
    /// machine (performance.md). Tests lower them to reach every path on small shapes.
    public struct Policy: Equatable, Sendable {
        public var groupColumns = 2048
        /// Lowered-band size that stays in one core's L2 (2 MiB here) while the GEMM reads it.
        public var bandBytes = 2 << 20
        /// Fewer columns than this and the GEMM's own overheads dominate.
        public var minimumBandColumns = 512
        /// Overrides the band width derived from `bandBytes` (tests).
        public var bandColumns: Int?
        public var skinnyColumns = 128
        public var deepK = 1024
        /// Fewest channels (in and out) for which a stride-1 same convolution runs as shifted
        /// GEMMs (each tap's GEMM has that depth) rather than over im2col.
        public var shiftChannels = 16
        /// Fewest channels (in and out) for which a stride-1 pad-1 3×3 convolution runs as
        /// Winograd F(2×2, 3×3) (`Conv2D.winogradPasses`): its 16 GEMMs have that depth.
        public var winogradChannels = 16
        /// 2×2 output tiles per Winograd unit: the width of its 16 GEMMs (`WinogradTiling`).
        public var winogradTiles = 512
        public init() {}

        /// Output columns per band for a GEMM depth of `depth` floats per column.
        public func bandColumns(depth: Int) -> Int {
            bandColumns ?? max(minimumBandColumns, bandBytes / (MemoryLayout<Float>.stride * max(depth, 1)))
        }
    }

    /// Images per unit (1 when images are cut into bands or run one by one).
    public let groupSize: Int
    /// Output rows per band when `groupSize` is 1 (all the rows when the image is small).
    public let bandRows: Int
    /// Units the workers share: ⌈n / groupSize⌉.
    public let units: Int
    /// Output columns of the widest tile (sizes the scratch).
    public let columns: Int

    public init(batch n: Int, outHeight oh: Int, outWidth ow: Int, depth: Int, policy: Policy = Policy(), workers: Int) {
        let ohw = max(oh * ow, 1), bandColumns = policy.bandColumns(depth: depth)
        let skinny = ohw <= policy.skinnyColumns && depth >= policy.deepK
        if ohw >= bandColumns || n <= 1 || !skinny {
            groupSize = 1
            bandRows = ohw >= bandColumns ? max(1, min(oh, bandColumns / max(ow, 1))) : max(oh, 1)
            units = n
            columns = bandRows * ow
        } else {
            (groupSize, units) = Self.groups(batch: n, perImage: ohw, target: policy.groupColumns, workers: workers)
            bandRows = oh
            columns = groupSize * ohw
        }
    }

    /// Images side by side, about `target` columns per unit: as few units as the target allows,
    /// rounded up to a multiple of the workers so that none idles, then spread evenly.
    static func groups(batch n: Int, perImage: Int, target: Int, workers: Int) -> (size: Int, units: Int) {
        let widest = max(1, target / max(perImage, 1))
        var u = (n + widest - 1) / widest
        if n >= workers { u = min(n, (u + workers - 1) / workers * workers) }
        let size = (n + u - 1) / u
        return (size, (n + size - 1) / size)
    }
}
