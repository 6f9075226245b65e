import Foundation

/// Which data a candidate's score is measured on.
public enum RankingSplit: String, Codable, Sendable {
    /// A seeded, class-balanced part of the training set, held out from training (the default).
    case heldout
    /// The test set, as the authors ranked (paper-algorithm §8).
    case test
    /// Face search: the verification sets named in `FaceSearchSettings.rankingSets`.
    case sets
}

/// Everything that decides a search's candidates and scores. A journal records it on its first
/// line, and resuming with a different one is refused, naming the setting, since the journal's
/// records would not be the candidates this search asks for.
public struct SearchConfiguration: Codable, Equatable, Sendable {
    public var space: SpaceName
    public var inChannels: Int
    public var classes: Int
    public var inputSize: Int
    public var rules: SearchRules
    public var seed: UInt64
    /// Training images per candidate (a seeded, stratified subset), nil for all.
    public var subset: Int?
    public var rankOn: RankingSplit
    public var heldoutFraction: Double
    /// The data set (`KIND:PATH`), nil when scores come from a file.
    public var data: String?
    /// The recorded-scores file, when candidates are looked up instead of trained.
    public var scores: String?
    public var learningRate: Double
    public var batchSize: Int
    public var authorsSchedule: Bool
    /// The face (IR) search's own settings; nil for the classification search.
    public var face: FaceSearchSettings?

    public init(space: SpaceName, inChannels: Int, classes: Int, inputSize: Int, rules: SearchRules, seed: UInt64 = 0,
                subset: Int? = nil, rankOn: RankingSplit = .heldout, heldoutFraction: Double = 0.1, data: String? = nil,
                scores: String? = nil, learningRate: Double = 0.025, batchSize: Int = 64, authorsSchedule: Bool = false) {
        self.space = space; self.inChannels = inChannels; self.classes = classes; self.inputSize = inputSize
        self.rules = rules; self.seed = seed; self.subset = subset; self.rankOn = rankOn; self.heldoutFraction = heldoutFraction
        self.data = data; self.scores = scores; self.learningRate = learningRate; self.batchSize = batchSize
        self.authorsSchedule = authorsSchedule
    }

    enum CodingKeys: String, CodingKey {
        case space, classes, rules, seed, subset, data, scores, face
        case inChannels = "in_channels", inputSize = "input_size", rankOn = "rank_on", heldoutFraction = "heldout_fraction"
        case learningRate = "lr", batchSize = "batch_size", authorsSchedule = "authors_schedule"
    }

    /// The command-line flag behind each recorded setting, for messages.
    static let flags: [String: String] = [
        "space": "--space", "in_channels": "--in-channels", "classes": "--classes", "input_size": "--input-size",
        "seed": "--seed", "subset": "--subset", "rank_on": "--rank-on", "heldout_fraction": "--heldout-fraction",
        "data": "--data", "scores": "--scores", "lr": "--lr", "batch_size": "--batch-size", "authors_schedule": "--authors-schedule",
        "rules.min_depth": "--min-depth", "rules.max_depth": "--max-depth", "rules.max_width": "--max-width",
        "rules.min_width": "--min-width", "rules.width_step": "--width-step", "rules.accept_margin": "--accept-margin",
        "rules.neutral_tolerance": "--neutral-tolerance", "rules.depth_failures": "--depth-failures",
        "rules.width_failures": "--width-failures", "rules.train_accuracy_stop": "--train-accuracy-stop",
        "rules.parameter_slack": "--param-slack", "rules.parameter_slack_fraction": "--param-slack-fraction",
        "face.embedding_size": "--embedding-size", "face.stage_rule": "--stage-rule", "face.loss": "--loss", "face.arcface_gradient": "--arcface-gradient",
        "face.subset_identities": "--subset-identities", "face.subset_images": "--subset-images",
        "face.ranking_pairs": "--ranking-pairs", "face.ranking_sets": "--rank-on", "face.identities": "--data", "rules.budget.start_epochs": "--epochs-start",
        "rules.budget.micro_epochs": "--micro-epochs", "rules.budget.deeper_increment": "--deeper-epochs",
        "rules.budget.narrower_increment": "--narrower-epochs",
    ]

    /// Settings that differ, each as `--flag journal-value (now now-value)`; empty when equal.
    public func differences(from other: SearchConfiguration) -> [String] {
        settingDifferences(now: self, journal: other, flags: Self.flags)
    }
}

extension SearchConfiguration {
    /// What ranks the candidates, in words, for reports.
    public var rankingDescription: String {
        let share = String(format: "%.0f%%", 100 * heldoutFraction)
        switch rankOn {
        case .test:
            return "the test set (as the authors ranked)"
        case .heldout:
            guard let face else { return "\(share) of the training set, held out from training" }
            return "10-fold verification accuracy on \(face.rankingPairs) pairs of the \(share) of training identities held out from training (never seen by a candidate)"
        case .sets:
            let names = (face?.rankingSets ?? []).map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
            return "10-fold verification accuracy on \(names): the benchmark sets themselves, as the article appears to have done, so their scores for the found model are not an unbiased estimate"
        }
    }
}
