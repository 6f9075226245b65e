import NN

/// Flags a user may set on top of a recipe; nil keeps the recipe's value.
public struct RecipeOverrides: Sendable {
    public var epochs: Int?, batchSize: Int?, lr: Double?, momentum: Double?, weightDecay: Double?
    /// Gradient-norm clip; 0 turns clipping off.
    public var clip: Double?
    public var seed: UInt64?
    /// Micro-batches per batch (gradient accumulation).
    public var accumulate: Int?
    public init(epochs: Int? = nil, batchSize: Int? = nil, lr: Double? = nil, momentum: Double? = nil,
                weightDecay: Double? = nil, clip: Double? = nil, seed: UInt64? = nil, accumulate: Int? = nil) {
        self.epochs = epochs; self.batchSize = batchSize; self.lr = lr; self.momentum = momentum
        self.weightDecay = weightDecay; self.clip = clip; self.seed = seed; self.accumulate = accumulate
    }

    /// The recipe rebuilt with the overridden epochs, lr, batch and seed (its schedule depends on
    /// them), then the other overrides set.
    func applied(to defaults: TrainingConfig, _ recipe: (Int, Double, Int, UInt64) -> TrainingConfig) -> TrainingConfig {
        var config = recipe(epochs ?? defaults.epochs, lr ?? defaults.schedule.baseLR, batchSize ?? defaults.batchSize, seed ?? defaults.seed)
        if let m = momentum { config.momentum = m }
        if let wd = weightDecay { config.weightDecay = wd }
        if let c = clip { config.clipNorm = c > 0 ? c : nil }
        if let n = accumulate { config.accumulate = n }
        return config
    }
}

/// The training recipes FaceNAS ships, as library presets: the command line only maps its flags
/// onto them.
extension TrainingConfig {
    /// The authors' classification recipe (paper-algorithm §6): SGD lr 0.025, momentum 0.9,
    /// weight decay 3e-4, gradient-norm clip 5, batch 64, 10 epochs, seed 0, cosine over the run's
    /// epochs (PyTorch stepping at epoch end unless `authorsShift`, the authors' own off-by-one).
    public static func classification(epochs: Int = 10, lr: Double = 0.025, batchSize: Int = 64, seed: UInt64 = 0,
                                      authorsShift: Bool = false) -> TrainingConfig {
        TrainingConfig(epochs: epochs, batchSize: batchSize, schedule: .cosine(lr, epochs: epochs, shift: authorsShift ? 1 : 0), seed: seed)
    }

    public static func classification(_ o: RecipeOverrides) -> TrainingConfig {
        o.applied(to: classification()) { classification(epochs: $0, lr: $1, batchSize: $2, seed: $3) }
    }

    /// AdaFace's recipe: SGD momentum 0.9, lr 0.1 dropped ×0.1 at epochs 12, 20 and 24 of 26, weight
    /// decay 5e-4 (not on BN), no clipping, batch 512, seed 42; the drops keep their places
    /// relative to `epochs`.
    public static func face(epochs: Int = 26, lr: Double = 0.1, batchSize: Int = 512, seed: UInt64 = 42) -> TrainingConfig {
        let milestones = [12, 20, 24].map { max(1, Int((Double($0) * Double(epochs) / 26).rounded())) }.filter { $0 < epochs }
        return TrainingConfig(epochs: epochs, batchSize: batchSize, schedule: .step(lr, milestones: milestones),
                              momentum: 0.9, weightDecay: 5e-4, clipNorm: nil, seed: seed)
    }

    public static func face(_ o: RecipeOverrides) -> TrainingConfig {
        o.applied(to: face()) { face(epochs: $0, lr: $1, batchSize: $2, seed: $3) }
    }

    /// The optimiser of shared/bench/torch_reference.py: constant lr 0.01, momentum 0.9, weight
    /// decay 5e-4, no clipping.
    public static func benchmark(batchSize: Int) -> TrainingConfig {
        TrainingConfig(epochs: 1, batchSize: batchSize, schedule: .init(kind: .constant, baseLR: 0.01),
                       momentum: 0.9, weightDecay: 5e-4, clipNorm: nil)
    }
}

extension TrainingConfig {
    /// Why `accumulate` cannot split this batch size into equal micro-batches; nil when it can.
    public var accumulationProblem: String? {
        if accumulate < 1 { return "--accumulate \(accumulate): the micro-batches per batch must be at least 1" }
        if batchSize % accumulate != 0 {
            return "--accumulate \(accumulate) does not divide --batch-size \(batchSize) into equal micro-batches"
        }
        return nil
    }
}

/// Face-recipe defaults that belong to the network rather than the optimiser.
public enum FaceRecipe {
    /// Dropout before the embedding layer (the IR architecture's `dropout`) when the command line
    /// builds the architecture, following the reference each loss comes from: AdaFace's IR always
    /// has Dropout(0.4) in its output layer, while arcface_torch builds insightface's iresnet with
    /// dropout 0 (ArcFace, CosFace and the combined margin).
    public static func dropout(for margin: MarginKind) -> Float {
        if case .adaFace = margin { return 0.4 }
        return 0
    }
}
