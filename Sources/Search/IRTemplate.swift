import NN
import Tensor

/// The IR face backbone (insightface's iresnet, AdaFace's IR) with searchable convolutions.
///
/// Stem 3×3 conv (stride 1) → BN → PReLU at width W; four stages at widths W, 2W, 4W, 8W whose
/// first block has stride 2 (112 → 56 → 28 → 14 → 7); head BN2d → dropout → flatten →
/// linear to E → BN1d, giving the unnormalised E-dim embedding.
///
/// Block (in → p, stride s): BN(in) → conv_a(in→p, stride 1) → BN(p) → PReLU(p) →
/// conv_b(p→p, stride s) → BN(p), plus the shortcut: 1×1 conv(stride s) + BN when s ≠ 1 or
/// in ≠ p (insightface's layout: the first block of every stage), else the identity. With
/// `shortcut: pool` (AdaFace's layout) a strided block whose channels agree (stage 1's first)
/// takes a 1×1 max-pool with stride s instead of the conv.
/// conv_a and conv_b are each standard k×k or separable (depthwise k×k carrying the stride, then
/// pointwise 1×1, no BN between), k ∈ {3, 5}: searchable convs 2b and 2b+1 of block b.
///
/// Checkpoint names: stem.{conv,bn,prelu}, stages.<s>.<b>.branch.{bn1,conv_a,bn2,prelu,conv_b,bn3}
/// (a separable conv adds .dw/.pw), stages.<s>.<b>.shortcut.{conv,bn}, head.{bn,dropout,flatten,fc,features}.
/// `embedding_affine: false` (AdaFace) gives head.features no γ/β, only running statistics.
public enum IRTemplate {
    public enum ConvSlot: String, Sendable { case first = "a", second = "b" }

    public struct Block: Equatable, Sendable {
        /// 0-based over the network; `stage` 0...3 and `position` within the stage also 0-based.
        public var index: Int, stage: Int, position: Int
        public var inChannels: Int, outChannels: Int, stride: Int
        /// Spatial side of the block's input and output.
        public var inputSize: Int, outputSize: Int
        public var shortcutKind: IRShortcut = .conv
        public var hasConvShortcut: Bool { inChannels != outChannels || (stride != 1 && shortcutKind == .conv) }
        /// AdaFace's 1×1 max-pool shortcut: a strided block whose channels do not change.
        public var hasPoolShortcut: Bool { inChannels == outChannels && stride != 1 && shortcutKind == .pool }
    }

    /// One searchable convolution.
    public struct Conv: Equatable, Sendable {
        public var index: Int, block: Int, stage: Int, slot: ConvSlot
        public var op: ConvOp, kernel: Int, stride: Int, inChannels: Int, outChannels: Int, outputSize: Int

        public var parameterCount: Int {
            let k2 = kernel * kernel
            return op == .separable ? k2 * inChannels + inChannels * outChannels : k2 * inChannels * outChannels
        }

        /// Per image; the depthwise part runs at the output size because it carries the stride.
        public var macs: Int { outputSize * outputSize * parameterCount }
    }

    public static func stageWidths(_ a: Architecture) -> [Int] { [1, 2, 4, 8].map { $0 * a.width } }

    public static func blocks(_ a: Architecture) -> [Block] {
        var out: [Block] = []
        var c = a.width, size = a.inputSize
        for (stage, (count, p)) in zip(a.stages ?? [], stageWidths(a)).enumerated() {
            for position in 0..<count {
                let s = position == 0 ? 2 : 1
                let o = (size - 1) / s + 1   // odd k with pad k/2, and the 1×1 shortcut, agree
                out.append(Block(index: out.count, stage: stage, position: position, inChannels: c, outChannels: p,
                                 stride: s, inputSize: size, outputSize: o, shortcutKind: a.shortcut ?? .conv))
                c = p; size = o
            }
        }
        return out
    }

    public static func convs(_ a: Architecture) -> [Conv] {
        blocks(a).flatMap { b -> [Conv] in
            let i = 2 * b.index
            return [Conv(index: i, block: b.index, stage: b.stage, slot: .first, op: a.ops[i], kernel: a.kernels[i], stride: 1,
                         inChannels: b.inChannels, outChannels: b.outChannels, outputSize: b.inputSize),
                    Conv(index: i + 1, block: b.index, stage: b.stage, slot: .second, op: a.ops[i + 1], kernel: a.kernels[i + 1],
                         stride: b.stride, inChannels: b.outChannels, outChannels: b.outChannels, outputSize: b.outputSize)]
        }
    }

    /// Features entering the embedding layer: 8W · s², s the last stage's side (⌈S/16⌉).
    public static func flattenedFeatures(_ a: Architecture) -> Int {
        let side = blocks(a).last?.outputSize ?? a.inputSize
        return 8 * a.width * side * side
    }

    // MARK: Building

    /// Builds the network. Conv and linear weights are Kaiming-normal fan-out (ReLU gain), the
    /// linear bias 0, BN γ = 1 / β = 0, PReLU slopes 0.25 (AdaFace's initialisation), drawn from
    /// `rng` in layer order. Weight decay on everything but the batch norms (AdaFace's split:
    /// PReLU slopes and the linear bias decay too). A depthwise weight's fan-out is k² (each input
    /// channel feeds k² outputs), not PyTorch's C·k² for a [C, 1, k, k] tensor. The embedding
    /// BN's γ is held at 1 (`trainable = false`, insightface's features.weight) and still counted.
    ///
    /// `recomputing` (the default) lets the batch norms before a PReLU or a standard convolution
    /// hand their output over through the workspace's transient buffer and recompute it in
    /// backward (`RecomputableOutput`): the same numbers, with a third less activation memory.
    public static func build(_ a: Architecture, rng: inout RNG, workspace: Workspace = Workspace(),
                             recomputing: Bool = true) -> Sequential {
        precondition(a.ir != nil, "IRTemplate.build: a \(a.space.rawValue) architecture")
        let W = a.width
        let stemConv = Conv2D(a.inChannels, W, kernel: 3, stride: 1, padding: 1, workspace: workspace)
        stemConv.initialize(.kaimingNormalFanOut, rng: &rng)
        let stemBN = BatchNorm(channels: W, decays: false), stemPReLU = PReLU(channels: W)
        if recomputing { stemBN.recompute(for: stemPReLU, in: workspace) }
        let stem = Sequential([stemConv, stemBN, stemPReLU], names: ["conv", "bn", "prelu"])
        let stages = (0..<4).map { _ in Sequential([]) }
        for b in blocks(a) {
            let i = 2 * b.index
            stages[b.stage].append(block(inChannels: b.inChannels, outChannels: b.outChannels, stride: b.stride,
                                         ops: (a.ops[i], a.ops[i + 1]), kernels: (a.kernels[i], a.kernels[i + 1]),
                                         shortcut: b.shortcutKind, rng: &rng, workspace: workspace, recomputing: recomputing))
        }
        let head = embeddingHead(a, rng: &rng)
        return Sequential([stem, Sequential(stages), head], names: ["stem", "stages", "head"])
    }

    /// One IR basic block (see the type's comment), initialised as `build` does.
    public static func block(inChannels: Int, outChannels p: Int, stride: Int, ops: (ConvOp, ConvOp), kernels: (Int, Int),
                             shortcut: IRShortcut = .conv, rng: inout RNG, workspace: Workspace = Workspace(),
                             recomputing: Bool = true) -> Residual {
        let convA = searchableConv(ops.0, kernel: kernels.0, inChannels, p, stride: 1, rng: &rng, workspace: workspace)
        let convB = searchableConv(ops.1, kernel: kernels.1, p, p, stride: stride, rng: &rng, workspace: workspace)
        let bn1 = BatchNorm(channels: inChannels, decays: false), bn2 = BatchNorm(channels: p, decays: false)
        let prelu = PReLU(channels: p)
        if recomputing {
            // A separable conv_a starts with a depthwise layer, which keeps its input.
            if let conv = convA as? Conv2D { bn1.recompute(for: conv, in: workspace) }
            bn2.recompute(for: prelu, in: workspace)
        }
        let branch = Sequential([bn1, convA, bn2, prelu, convB, BatchNorm(channels: p, decays: false)],
                                names: ["bn1", "conv_a", "bn2", "prelu", "conv_b", "bn3"])
        if inChannels == p && (stride == 1 || shortcut == .pool) {
            return Residual(branch: branch, shortcut: stride == 1 ? nil : Subsample(stride: stride))
        }
        let proj = Conv2D(inChannels, p, kernel: 1, stride: stride, padding: 0, workspace: workspace)
        proj.initialize(.kaimingNormalFanOut, rng: &rng)
        return Residual(branch: branch, shortcut: Sequential([proj, BatchNorm(channels: p, decays: false)], names: ["conv", "bn"]))
    }

    static func searchableConv(_ op: ConvOp, kernel k: Int, _ cin: Int, _ cout: Int, stride: Int,
                               rng: inout RNG, workspace: Workspace) -> Layer {
        switch op {
        case .standard:
            let conv = Conv2D(cin, cout, kernel: k, stride: stride, workspace: workspace)
            conv.initialize(.kaimingNormalFanOut, rng: &rng)
            return conv
        case .separable:
            let dw = DepthwiseConv2D(channels: cin, kernel: k, stride: stride)
            dw.initialize(.kaimingNormalFanOut, rng: &rng)
            let pw = Conv2D(cin, cout, kernel: 1, stride: 1, padding: 0, workspace: workspace)
            pw.initialize(.kaimingNormalFanOut, rng: &rng)
            return Sequential([dw, pw], names: ["dw", "pw"])
        }
    }

    static func embeddingHead(_ a: Architecture, rng: inout RNG) -> Sequential {
        let E = a.embeddingSize ?? 512
        let fc = Linear(flattenedFeatures(a), E)
        fc.initialize(.kaimingNormalFanOut, rng: &rng)
        let features = BatchNorm(channels: E, decays: false, affine: a.embeddingAffine ?? true)
        features.gamma.trainable = false
        let dropout = Dropout(probability: a.dropout ?? 0, seed: rng.next())
        return Sequential([BatchNorm(channels: 8 * a.width, decays: false), dropout, Flatten(), fc, features],
                          names: ["bn", "dropout", "flatten", "fc", "features"])
    }

    // MARK: Counting

    /// Exact trainable parameter count (BN γ/β and the held embedding γ included, running
    /// statistics not), the way insightface's IR-18 comes to 24,025,600.
    public static func parameterCount(_ a: Architecture) -> Int {
        IRSummary.rows(a).reduce(0) { $0 + $1.params }
    }

    /// Multiply-accumulates per image: convolutions (depthwise included) and the embedding linear.
    public static func macs(_ a: Architecture) -> Int {
        IRSummary.rows(a).reduce(0) { $0 + $1.macs }
    }
}
