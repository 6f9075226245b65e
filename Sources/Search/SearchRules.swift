/// The constants of the macro–micro search, with the authors' values as defaults
/// (paper-algorithm §4–5). Accuracies and margins are in percent and are compared as 32-bit floats:
/// `acc >= best + acceptMargin` adds in Float, rounds, then compares, as the authors' float32
/// tensors did; one logged decision (KMNIST, a drop of 0.050003 judged neutral) depends on it.
public struct SearchRules: Codable, Equatable, Sendable {
    public var minDepth: Int
    public var maxDepth: Int
    public var maxWidth: Int
    public var minWidth: Int
    /// Channels removed per width-pruning candidate.
    public var widthStep: Int
    /// Depth growth accepts a candidate at `best + acceptMargin` or better.
    public var acceptMargin: Float
    /// Depth results in `[best − neutralTolerance, best + acceptMargin)` neither accept nor fail.
    public var neutralTolerance: Float
    /// Failures tolerated since the last acceptance; the next one stops the phase (2: stop on the third).
    public var depthFailures: Int
    public var widthFailures: Int
    /// Depth growth stops once the best accuracy reaches `100 − acceptMargin` ...
    /// ... or once the best train accuracy exceeds this (the released code's 99.5).
    public var trainAccuracyStop: Float
    /// A micro candidate's width shrinks one channel at a time until its parameters are within this
    /// many of the pass's baseline.
    public var parameterSlack: Int
    /// When set, the slack is this fraction of the pass's baseline instead of `parameterSlack`: the
    /// IR space's networks have millions of parameters, where 10,000 is below one channel's worth.
    public var parameterSlackFraction: Double?
    public var budget: DynamicBudget

    public init(minDepth: Int = 10, maxDepth: Int = 100, maxWidth: Int = 64, minWidth: Int = 16, widthStep: Int = 2,
                acceptMargin: Float = 0.10, neutralTolerance: Float = 0.05, depthFailures: Int = 2, widthFailures: Int = 2,
                trainAccuracyStop: Float = 99.5, parameterSlack: Int = 10_000, parameterSlackFraction: Double? = nil,
                budget: DynamicBudget = DynamicBudget()) {
        self.minDepth = minDepth; self.maxDepth = maxDepth; self.maxWidth = maxWidth; self.minWidth = minWidth
        self.widthStep = widthStep; self.acceptMargin = acceptMargin; self.neutralTolerance = neutralTolerance
        self.depthFailures = depthFailures; self.widthFailures = widthFailures; self.trainAccuracyStop = trainAccuracyStop
        self.parameterSlack = parameterSlack; self.parameterSlackFraction = parameterSlackFraction; self.budget = budget
    }

    /// Parameters a micro candidate may have over its pass's baseline of `baseline`.
    public func slack(baseline: Int) -> Int {
        parameterSlackFraction.map { Int((Double(baseline) * $0).rounded(.down)) } ?? parameterSlack
    }

    /// A one-line problem, or nil when the rules can drive a search.
    public func problem() -> String? {
        if minDepth < 1 { return "--min-depth must be at least 1" }
        if maxDepth < minDepth { return "--max-depth \(maxDepth) is below --min-depth \(minDepth)" }
        if minWidth < 1 { return "--min-width must be at least 1" }
        if maxWidth < minWidth { return "--max-width \(maxWidth) is below --min-width \(minWidth)" }
        if widthStep < 1 { return "--width-step must be at least 1" }
        if budget.startEpochs < 1 || budget.microEpochs < 1 { return "--epochs-start and --micro-epochs must be at least 1" }
        if parameterSlack < 0 { return "--param-slack must not be negative" }
        if let f = parameterSlackFraction, !(f >= 0 && f < 1) { return "--param-slack-fraction must lie in [0, 1)" }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case minDepth = "min_depth", maxDepth = "max_depth", maxWidth = "max_width", minWidth = "min_width"
        case widthStep = "width_step", acceptMargin = "accept_margin", neutralTolerance = "neutral_tolerance"
        case depthFailures = "depth_failures", widthFailures = "width_failures", trainAccuracyStop = "train_accuracy_stop"
        case parameterSlack = "parameter_slack", parameterSlackFraction = "parameter_slack_fraction", budget
    }
}
