import Tensor

/// Scratch memory shared by the layers of one network: per-worker im2col columns, output tiles,
/// padded images and gradient accumulators. Layers of one network run one at a time, so one workspace serves
/// the whole network; it grows to the largest request during the first step and is then reused
/// without allocation. Two networks used on different threads must not share one.
public final class Workspace: @unchecked Sendable {
    private var columns: [Buffer]
    private var tiles: [Buffer]
    private var accumulators: [Buffer]
    private var padded: [Buffer]
    private var transientBuffer = Buffer()
    private var weightBuffer = Buffer(), transformedWeightBuffer = Buffer()

    public init() {
        columns = Array(repeating: Buffer(), count: Parallel.workers)
        tiles = Array(repeating: Buffer(), count: Parallel.workers)
        accumulators = Array(repeating: Buffer(), count: Parallel.workers)
        padded = Array(repeating: Buffer(), count: Parallel.workers)
    }

    /// Column scratch of at least `count` floats for worker `t` (contents unspecified).
    public func columns(_ t: Int, count: Int) -> UnsafeMutablePointer<Float> {
        columns[t].tensor([count]).data
    }

    /// Zeroed accumulator of `count` floats for worker `t`.
    public func accumulator(_ t: Int, count: Int) -> UnsafeMutablePointer<Float> {
        accumulators[t].tensor([count], zeroed: true).data
    }

    /// Pointers for every worker, fetched before a parallel region (the buffers are not thread-safe to grow).
    public func prepareColumns(count: Int) -> [SendablePointer<Float>] {
        (0..<Parallel.workers).map { SendablePointer(columns($0, count: count)) }
    }

    /// Per-worker scratch for a tile of outputs or output gradients gathered from several images.
    public func prepareTiles(count: Int) -> [SendablePointer<Float>] {
        (0..<Parallel.workers).map { SendablePointer(tiles[$0].tensor([count]).data) }
    }

    /// Per-worker scratch for a zero-padded copy of one image.
    public func preparePadded(count: Int) -> [SendablePointer<Float>] {
        (0..<Parallel.workers).map { SendablePointer(padded[$0].tensor([count]).data) }
    }

    /// One activation that lives only until the next layer has read it: a batch norm's output
    /// that its consumer recomputes in backward (`RecomputableOutput`). Layers run one at a time,
    /// so every such output of the network shares this one buffer.
    public func transient(_ shape: [Int]) -> Tensor { transientBuffer.tensor(shape) }

    /// A convolution's weights rearranged for one pass (per-tap matrices, flipped filters). Each
    /// pass rebuilds them from the current weights, so one buffer serves every layer instead of
    /// a copy of the weights per layer (IR-18: two copies of 44 MB).
    public func weightScratch(_ shape: [Int]) -> Tensor { weightBuffer.tensor(shape) }

    /// A convolution's filters transformed for one pass (Winograd's G·g·Gᵀ, of the weights or of
    /// the flipped weights held in `weightScratch`), shared by every layer like `weightScratch`.
    public func transformedWeights(_ shape: [Int]) -> Tensor { transformedWeightBuffer.tensor(shape) }

    public func prepareAccumulators(count: Int) -> [SendablePointer<Float>] {
        (0..<Parallel.workers).map { SendablePointer(accumulator($0, count: count)) }
    }
}
