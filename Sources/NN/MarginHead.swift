import Foundation
import Kernels
import Tensor

/// A margin head with its softmax cross-entropy: unnormalised embeddings x [n, d] and labels [n]
/// → logits s·cosθ [n, C] with the target logit replaced by s·f(cosθ_y) → mean cross-entropy.
///
/// cosθ_j = ⟨x/‖x‖, W_j/‖W_j‖⟩ comes from one GEMM against centres normalised once per forward;
/// the backward is exact (through both normalisations, the clamp and the margin function; ArcFace's
/// straight-through gradient is the one deliberate exception, see `ArcFaceGradient`) and costs two GEMMs. Buffers are reused, so a step allocates nothing once shapes are stable.
///
/// Weight decay: `centres.decays` is true, because both references decay the head kernel
/// (arcface_torch applies wd to all parameters, AdaFace to all non-BN parameters and the head).
public final class MarginHead {
    public let embeddingSize: Int, classes: Int
    public let kind: MarginKind
    public let scale: Float
    /// Class centres [classes, embeddingSize], one row per class.
    public let centres: Parameter
    /// AdaFace's running mean and std of the clipped feature norm; nil for the other kinds.
    private let normStatistics: AdaFaceNormStatistics?
    /// Data-parallel training: AdaFace's feature-norm statistics are taken over the global batch
    /// (every rank's shard), as one process would take them over the whole batch.
    public var synchronizer: Communicator?

    private var normalizedX = Buffer(), xNorms = Buffer(), normalizedW = Buffer(), wNorms = Buffer()
    private var cosines = Buffer(), logitBuffer = Buffer(), probabilities = Buffer()
    private var dCos = Buffer(), dNormalizedX = Buffer(), dX = Buffer(), dNormalizedW = Buffer()
    private var statisticsScratch = Buffer()
    private var targetSlopes: [Float] = [], qualityScalers: [Double] = []
    private var labels: [Int32] = []
    private var batch = 0

    public init(embeddingSize: Int, classes: Int, kind: MarginKind, scale: Float = 64, centreInit: CentreInit, rng: inout RNG) {
        precondition(embeddingSize > 0 && classes > 0, "MarginHead: embeddingSize \(embeddingSize) and classes \(classes) must be positive")
        self.embeddingSize = embeddingSize; self.classes = classes
        self.kind = kind; self.scale = scale
        centres = Parameter(name: "weight", shape: [classes, embeddingSize], decays: true)
        if case let .adaFace(_, _, tAlpha) = kind { normStatistics = AdaFaceNormStatistics(alpha: tAlpha) } else { normStatistics = nil }
        let w = centres.value
        switch centreInit {
        case let .normal(std):
            for i in 0..<w.count { w[i] = std * rng.normal() }
        case .unitUniform:
            Initializer.uniform(w, bound: 1, rng: &rng)
            let norms = Tensor(zeros: [classes])
            normalizeRows(w.data, rows: classes, cols: embeddingSize, normalized: w.data, norms: norms.data)
        }
    }

    public var parameters: [Parameter] { [centres] }

    /// AdaFace: "batch_mean" (initial 20) and "batch_std" (initial 100), shape [1]; empty otherwise.
    public var state: [StateTensor] { normStatistics?.state ?? [] }

    /// "arcface m=0.5 s=64 (10572 classes)".
    public var summary: String { "\(kind.label) s=\(compact(scale)) (\(classes) classes)" }

    /// The last forward's scaled logits [n, C] (overwritten by the next forward).
    public var logits: Tensor { logitBuffer.tensor([batch, classes]) }

    /// Mean cross-entropy over the batch of the margin logits. `training` false: AdaFace uses the
    /// stored norm statistics and does not update them; in training it updates them first and then
    /// uses the updated values, as the reference does (so an AdaFace training batch needs n ≥ 2 for
    /// the unbiased std). A label outside 0..<classes stops with its index.
    public func forward(_ embeddings: Tensor, labels: [Int32], training: Bool) -> Double {
        forward(embeddings, labels: labels, training: training, updatingStatistics: training)
    }

    /// `updatingStatistics` false: AdaFace uses the stored statistics as they are, also in training
    /// (a micro-batch of gradient accumulation, after `updateStatistics` took the whole batch's).
    public func forward(_ embeddings: Tensor, labels: [Int32], training: Bool, updatingStatistics: Bool) -> Double {
        let n = embeddings.shape.first ?? 0, d = embeddingSize, k = classes
        precondition(embeddings.rank == 2 && embeddings.shape[1] == d,
                     "MarginHead: embeddings \(embeddings.shape), expected [n, \(d)]")
        // Labels come from data files: fatalError, whose message survives -O (precondition's does not).
        if labels.count != n { fatalError("MarginHead: \(labels.count) labels for \(n) embeddings") }
        if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= k }) {
            fatalError("MarginHead: label \(labels[bad]) at index \(bad) outside 0..<\(k)")
        }
        batch = n; self.labels = labels
        let xh = normalizedX.tensor([n, d]), xn = xNorms.tensor([n])
        let wh = normalizedW.tensor([k, d]), wn = wNorms.tensor([k])
        normalizeRows(embeddings.data, rows: n, cols: d, normalized: xh.data, norms: xn.data)
        normalizeRows(centres.value.data, rows: k, cols: d, normalized: wh.data, norms: wn.data)
        let cos = cosines.tensor([n, k]), z = logitBuffer.tensor([n, k])
        BLAS.parallelGemm(transB: true, m: n, n: k, k: d, a: xh.data, lda: d, b: wh.data, ldb: d, c: cos.data, ldc: k)
        let bounds = kind.cosineBounds
        clampScaleForward(cos.data, count: n * k, lower: bounds.lower, upper: bounds.upper, scale: scale, logits: z.data)

        if let stats = normStatistics {
            if updatingStatistics { stats.update(norms: xn, over: synchronizer) }
            stats.qualityScalers(norms: xn, h: adaFaceH, into: &qualityScalers)
        }
        targetSlopes.removeAll(keepingCapacity: true)
        for i in 0..<n {
            let y = Int(labels[i])
            let t = kind.target(rawCosine: cos[i * k + y], qualityScaler: normStatistics == nil ? 0 : qualityScalers[i])
            z[i * k + y] = Float(Double(scale) * t.value)
            targetSlopes.append(Float(t.slope))
        }
        let p = probabilities.tensor([n, k])
        return labels.withUnsafeBufferPointer {
            softmaxCrossEntropyForward(z.data, labels: $0.baseAddress!, batch: n, classes: k, probabilities: p.data)
        }
    }

    /// dLoss/dEmbeddings (times `scale`) for the last forward; adds into `centres.grad`.
    public func backward(scale lossScale: Float = 1) -> Tensor {
        let n = batch, d = embeddingSize, k = classes
        precondition(labels.count == n && n > 0, "MarginHead: backward without a forward")
        let p = probabilities.tensor([n, k]), cos = cosines.tensor([n, k]), g = dCos.tensor([n, k])
        labels.withUnsafeBufferPointer {
            softmaxCrossEntropyBackward(p.data, labels: $0.baseAddress!, batch: n, classes: k, scale: lossScale, dlogits: g.data)
        }
        let bounds = kind.cosineBounds
        clampScaleBackward(g.data, cos: cos.data, count: n * k, lower: bounds.lower, upper: bounds.upper, scale: scale, dcos: g.data)
        // The target entries hold s·dz·[unclamped]; the margin's slope already includes the clamp.
        for i in 0..<n { g[i * k + Int(labels[i])] *= targetSlopes[i] }

        let xh = normalizedX.tensor([n, d]), xn = xNorms.tensor([n])
        let wh = normalizedW.tensor([k, d]), wn = wNorms.tensor([k])
        let gx = dNormalizedX.tensor([n, d]), gw = dNormalizedW.tensor([k, d]), dx = dX.tensor([n, d])
        BLAS.parallelGemm(m: n, n: d, k: k, a: g.data, lda: k, b: wh.data, ldb: d, c: gx.data, ldc: d)
        BLAS.parallelGemm(transA: true, m: k, n: d, k: n, a: g.data, lda: k, b: xh.data, ldb: d, c: gw.data, ldc: d)
        normalizeRowsBackward(gx.data, normalized: xh.data, norms: xn.data, rows: n, cols: d, accumulate: false, dx: dx.data)
        normalizeRowsBackward(gw.data, normalized: wh.data, norms: wn.data, rows: k, cols: d, accumulate: true, dx: centres.grad.data)
        return dx
    }

    /// AdaFace keeps the feature-norm statistics of its training batches.
    public var keepsBatchStatistics: Bool { normStatistics != nil }

    /// The rows' norms, computed as `forward` computes them (the other kinds: none).
    public func statisticsValues(_ embeddings: Tensor) -> [Float] {
        guard normStatistics != nil else { return [] }
        let n = embeddings.shape.first ?? 0, d = embeddingSize
        precondition(embeddings.rank == 2 && embeddings.shape[1] == d, "MarginHead: embeddings \(embeddings.shape), expected [n, \(d)]")
        let norms = Tensor(zeros: [n])
        normalizeRows(embeddings.data, rows: n, cols: d, normalized: statisticsScratch.tensor([n, d]).data, norms: norms.data)
        return norms.array
    }

    /// AdaFace's update over the norms of a whole batch (every rank's, with a synchronizer).
    public func updateStatistics(_ norms: [Float]) {
        normStatistics?.update(norms: Tensor(shape: [norms.count], values: norms), over: synchronizer)
    }

    private var adaFaceH: Float {
        if case let .adaFace(_, h, _) = kind { return h }
        return 0
    }
}
