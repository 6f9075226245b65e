import NN

/// The training state stored in a checkpoint's metadata (`training_state`). The random state
/// needs no entry: initialisation draws from the seed, and epoch e's order and augmentation
/// from (seed, e).
public struct RunState: Codable, Sendable {
    public var epochsCompleted: Int
    public var globalStep: Int
    public var config: TrainingConfig
    public var data: String
    /// The task's own settings a resume must match (`--limit-train`, the loss).
    public var settings: [RunSetting]
    /// Face runs: the best mean validation accuracy so far and its epoch (1-based).
    public var bestValidation: Double?
    public var bestEpoch: Int?
    public var history: [EpochRecord]

    public init(config: TrainingConfig, data: String, settings: [RunSetting]) {
        epochsCompleted = 0; globalStep = 0; self.config = config; self.data = data; self.settings = settings
        history = []
    }

    enum CodingKeys: String, CodingKey {
        case config, data, settings, history
        case epochsCompleted = "epochs_completed", globalStep = "global_step"
        case bestValidation = "best_validation", bestEpoch = "best_epoch"
        // Written by facenas before the one training engine (0.1.0 up to ed3b59f).
        case legacyLimitTrain = "limit_train", legacyMargin = "margin"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochsCompleted = try c.decode(Int.self, forKey: .epochsCompleted)
        globalStep = try c.decode(Int.self, forKey: .globalStep)
        config = try c.decode(TrainingConfig.self, forKey: .config)
        data = try c.decode(String.self, forKey: .data)
        bestValidation = try c.decodeIfPresent(Double.self, forKey: .bestValidation)
        bestEpoch = try c.decodeIfPresent(Int.self, forKey: .bestEpoch)
        history = try c.decode([EpochRecord].self, forKey: .history)
        if let s = try c.decodeIfPresent([RunSetting].self, forKey: .settings) {
            settings = s
        } else if let margin = try c.decodeIfPresent(String.self, forKey: .legacyMargin) {
            // A face run of the earlier engine: its loss was the one setting beyond the optimiser's.
            settings = [RunSetting("loss", margin)]
        } else {
            // A classification run of the earlier engine: `limit_train` absent means none.
            settings = [RunSetting("--limit-train", try c.decodeIfPresent(Int.self, forKey: .legacyLimitTrain).map(String.init) ?? "none")]
        }
        settings = Self.withArcFaceGradient(settings)
    }

    /// An ArcFace run written before `--arcface-gradient` existed trained with the exact gradient
    /// (the only one there was): its settings gain that value right after the loss, where a face
    /// run records it, so resuming it asks for `--arcface-gradient exact` by name rather than
    /// going on with the straight-through default.
    static func withArcFaceGradient(_ settings: [RunSetting]) -> [RunSetting] {
        guard !settings.contains(where: { $0.flag == RunSetting.arcFaceGradientFlag }),
              let i = settings.firstIndex(where: { $0.flag == "loss" && $0.value.hasPrefix("arcface") }) else { return settings }
        var out = settings
        out.insert(RunSetting(RunSetting.arcFaceGradientFlag, ArcFaceGradient.exact.rawValue), at: i + 1)
        return out
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epochsCompleted, forKey: .epochsCompleted)
        try c.encode(globalStep, forKey: .globalStep)
        try c.encode(config, forKey: .config)
        try c.encode(data, forKey: .data)
        try c.encode(settings, forKey: .settings)
        try c.encodeIfPresent(bestValidation, forKey: .bestValidation)
        try c.encodeIfPresent(bestEpoch, forKey: .bestEpoch)
        try c.encode(history, forKey: .history)
    }

    /// Everything a resumed run must share with the run that wrote the state, named as flags, in
    /// the order a refusal names the first difference.
    public var resumeSettings: [RunSetting] {
        [RunSetting("--epochs", "\(config.epochs)"), RunSetting("--seed", "\(config.seed)"), RunSetting("--data", data),
         RunSetting("--accumulate", "\(config.accumulate)")] + settings
    }

    /// Why a state read back from a file cannot be this run's: counters out of range or a
    /// history that does not match them. Nil when it is consistent.
    public func problem() -> String? {
        guard config.epochs >= 1 else { return "epochs \(config.epochs) in its settings (expected at least 1)" }
        guard (0...config.epochs).contains(epochsCompleted) else {
            return "epochs_completed \(epochsCompleted) outside 0...\(config.epochs)"
        }
        guard globalStep >= 0 else { return "global_step \(globalStep) is negative" }
        guard history.count == epochsCompleted else {
            return "\(history.count) epochs of history for epochs_completed \(epochsCompleted)"
        }
        if let b = bestEpoch, !(1...max(epochsCompleted, 1)).contains(b) { return "best_epoch \(b) outside 1...\(epochsCompleted)" }
        for r in history {
            var values = [("train_accuracy", r.trainAccuracy)]
            if let t = r.testAccuracy { values.append(("test_accuracy", t)) }
            if let m = r.validationMean { values.append(("validation_mean", m)) }
            for (k, v) in (r.validation ?? [:]).sorted(by: { $0.key < $1.key }) { values.append((k, v)) }
            if let (k, v) = values.first(where: { !(0...1).contains($0.1) }) { return "epoch \(r.epoch + 1): \(k) \(v) outside 0...1" }
        }
        return nil
    }
}
