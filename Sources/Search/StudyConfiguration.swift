import Foundation

/// Everything that decides a study's networks, budgets and scores. The journal records it on its
/// first line; resuming with another is refused, naming the setting.
public struct StudyConfiguration: Codable, Equatable, Sendable {
    public var space: SpaceName
    public var data: String
    public var inChannels: Int
    public var classes: Int
    public var inputSize: Int
    public var networks: Int
    public var referenceEpochs: Int
    /// Canonical budget spellings (`StudyBudget.description`), in the order given.
    public var budgets: [String]
    public var bounds: StudyBounds
    public var seed: UInt64
    /// Classification: training images per network (seeded, class-balanced), nil for all.
    public var subset: Int?
    public var heldoutFraction: Double
    public var learningRate: Double
    public var batchSize: Int
    /// Face studies: the search's face settings (loss, embedding, ranking pairs).
    public var face: FaceSearchSettings?

    public init(space: SpaceName, data: String, inChannels: Int, classes: Int, inputSize: Int, networks: Int, referenceEpochs: Int,
                budgets: [StudyBudget], bounds: StudyBounds, seed: UInt64, subset: Int?, heldoutFraction: Double,
                learningRate: Double, batchSize: Int, face: FaceSearchSettings? = nil) {
        self.space = space; self.data = data; self.inChannels = inChannels; self.classes = classes; self.inputSize = inputSize
        self.networks = networks; self.referenceEpochs = referenceEpochs; self.budgets = budgets.map(\.description)
        self.bounds = bounds; self.seed = seed; self.subset = subset; self.heldoutFraction = heldoutFraction
        self.learningRate = learningRate; self.batchSize = batchSize; self.face = face
    }

    enum CodingKeys: String, CodingKey {
        case space, data, classes, networks, budgets, bounds, seed, subset, face
        case inChannels = "in_channels", inputSize = "input_size", referenceEpochs = "reference_epochs"
        case heldoutFraction = "heldout_fraction", learningRate = "lr", batchSize = "batch_size"
    }

    public func parsedBudgets() throws -> [StudyBudget] { try budgets.map { try StudyBudget(parsing: $0) } }

    /// The first problem that stops this study before anything trains, as one line.
    public func problem() -> String? {
        if networks < 3 { return "--networks \(networks): a rank correlation needs at least 3 networks" }
        if referenceEpochs < 1 { return "--reference-epochs must be at least 1" }
        if budgets.isEmpty { return "--budgets: give at least one budget" }
        if let p = bounds.problem(space: space) { return p }
        if batchSize < 1 { return "--batch-size must be at least 1" }
        if !(learningRate > 0) { return "--lr must be positive" }
        if !(heldoutFraction > 0 && heldoutFraction < 1) { return "--heldout-fraction \(heldoutFraction) must lie strictly between 0 and 1" }
        if let s = subset, s < 1 { return "--subset must be at least 1" }
        var seen = Set<String>()
        for b in budgets {
            let budget: StudyBudget
            do { budget = try StudyBudget(parsing: b) } catch { return "\(error)" }
            if !seen.insert(budget.description).inserted { return "--budgets: \(budget) is listed twice" }
            if let p = budget.problem(networks: networks, referenceEpochs: referenceEpochs, space: space, referenceSize: inputSize) { return p }
        }
        return nil
    }

    /// Settings that differ from `other` (the journal's), as `name journal-value, now now-value`.
    public func differences(from other: StudyConfiguration) -> [String] {
        settingDifferences(now: self, journal: other)
    }
}
