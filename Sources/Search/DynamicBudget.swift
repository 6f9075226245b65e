/// The authors' dynamic learning ranking (paper-algorithm §3): a candidate's epoch budget follows
/// from how its size compares with the previous candidate's, so a bigger network is not ranked
/// below a smaller one merely for having had the same, too short, training.
///
/// The budget grows for every candidate tried, accepted or not; micro candidates, whose parameters
/// are matched to their baseline, all get the same fixed budget.
public struct DynamicBudget: Codable, Equatable, Sendable {
    /// Epochs of the first (minimum-depth, maximum-width) candidate.
    public var startEpochs: Int
    /// Added for each candidate one layer deeper (more parameters).
    public var deeperIncrement: Int
    /// Added for each candidate one width step narrower (fewer parameters).
    public var narrowerIncrement: Int
    /// Epochs of every micro candidate and of the micro baseline.
    public var microEpochs: Int

    public init(startEpochs: Int = 10, deeperIncrement: Int = 1, narrowerIncrement: Int = 2, microEpochs: Int = 2) {
        self.startEpochs = startEpochs; self.deeperIncrement = deeperIncrement
        self.narrowerIncrement = narrowerIncrement; self.microEpochs = microEpochs
    }

    public func afterDeeper(_ epochs: Int) -> Int { epochs + deeperIncrement }
    public func afterNarrower(_ epochs: Int) -> Int { epochs + narrowerIncrement }

    enum CodingKeys: String, CodingKey {
        case startEpochs = "start_epochs", deeperIncrement = "deeper_increment"
        case narrowerIncrement = "narrower_increment", microEpochs = "micro_epochs"
    }
}
