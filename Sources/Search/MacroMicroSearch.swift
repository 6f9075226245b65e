/// Where a candidate belongs in the search.
public enum SearchPhase: String, Codable, Sendable, CaseIterable {
    case depth, width
    case microBaseline = "micro-baseline", microOp = "micro-op", microKernel = "micro-kernel"
}

/// What the search made of a candidate's score.
public enum SearchDecision: String, Codable, Sendable {
    /// The first candidate, or the micro baseline: sets the score to beat.
    case start, baseline
    /// Became the best; depth and width reset their failure counters.
    case accept
    /// Depth: within the tolerance band, neither accepted nor counted as a failure.
    case neutral
    /// A failure counted towards the phase's stop.
    case fail
    /// The failure that ended the phase.
    case stop
    /// Micro: not strictly better, the change is undone.
    case reject
}

/// One network to score: its place in the search, its architecture and its epoch budget.
public struct Candidate: Sendable, Equatable {
    public var index: Int
    public var phase: SearchPhase
    public var architecture: Architecture
    public var epochs: Int
    public init(index: Int, phase: SearchPhase, architecture: Architecture, epochs: Int) {
        self.index = index; self.phase = phase; self.architecture = architecture; self.epochs = epochs
    }
}

/// A candidate's score in percent: the best epoch's accuracy on the ranking split, and the best
/// epoch's training accuracy.
public struct CandidateScore: Sendable, Equatable {
    public var trainAccuracy: Float
    public var accuracy: Float
    public init(trainAccuracy: Float, accuracy: Float) { self.trainAccuracy = trainAccuracy; self.accuracy = accuracy }
}

/// Thrown by an oracle to end a search early (time or candidate budget); the search then reports
/// the best architecture found so far.
public struct SearchStopped: Error, Sendable {
    public let reason: String
    public init(reason: String) { self.reason = reason }
}

/// The result of a search, complete or stopped early.
public struct SearchOutcome: Sendable, Equatable {
    /// The searched architecture: micro ops and kernels at the parameter-matched width.
    public var architecture: Architecture
    /// The same ops and kernels at the macro width, which the authors retrained as final models.
    public var macroArchitecture: Architecture
    public var candidates: Int
    public var depthCandidates: Int
    public var widthCandidates: Int
    public var microCandidates: Int
    /// Why the search ended before its natural end, if it did.
    public var stopped: String?

    /// `final: depth=D width=W macro-width=WM std=i,j k5=i,j candidates=N` (empty lists print `-`).
    public var finalLine: String {
        let list = ArchitectureSummary.list
        return "final: depth=\(architecture.depth) width=\(architecture.width) macro-width=\(macroArchitecture.width) "
            + "std=\(list(architecture.standardLayers)) k5=\(list(architecture.k5Layers)) candidates=\(candidates)"
    }

    /// The authors' count 2·D_f + D′ + W′ (+1 for the micro baseline) for a search that ran to its end,
    /// with D_f the searchable convs (one per layer in the plain space, two per block in the IR space).
    public var expectedCandidates: Int { 2 * architecture.ops.count + depthCandidates + widthCandidates + 1 }
}

/// The authors' global search (paper-algorithm §4–5): grow depth at maximum width, prune width at
/// the chosen depth, then two micro passes over the layers (separable→standard, then 3×3→5×5),
/// each micro candidate's width lowered until its parameters match the pass's baseline.
///
/// The search is sequential and greedy, so it is written as straight-line code; `oracle` scores a
/// candidate (by training it, or by looking it up in recorded scores or a journal) and `observer`
/// sees every decision, in order. Both may throw; `SearchStopped` ends the search with the best
/// architecture so far, anything else propagates.
public final class MacroMicroSearch {
    public typealias Oracle = (Candidate) throws -> CandidateScore
    public typealias Observer = (Candidate, CandidateScore, SearchDecision) throws -> Void

    public let space: any SearchSpace
    public let rules: SearchRules

    // Best-so-far state, kept in properties so a stopped search can still report it.
    private var depth = 0, macroWidth = 0, width = 0
    private var ops: [ConvOp] = [], kernels: [Int] = []
    private var count = 0, depthCount = 0, widthCount = 0, microCount = 0
    private var oracle: Oracle = { _ in throw SearchStopped(reason: "no oracle") }
    private var observer: Observer = { _, _, _ in }

    public init(space: any SearchSpace, rules: SearchRules = SearchRules()) {
        self.space = space; self.rules = rules
    }

    public func run(oracle: @escaping Oracle, observer: @escaping Observer = { _, _, _ in }) throws -> SearchOutcome {
        self.oracle = oracle; self.observer = observer
        depth = rules.minDepth; macroWidth = rules.maxWidth; width = rules.maxWidth
        resetMicro()
        count = 0; depthCount = 0; widthCount = 0; microCount = 0
        var stopped: String?
        do {
            var (best, epochs) = try growDepth()
            (best, epochs) = try pruneWidth(best: best, epochs: epochs)
            try micro()
        } catch let s as SearchStopped {
            stopped = s.reason
        }
        return SearchOutcome(architecture: space.architecture(depth: depth, width: width, ops: ops, kernels: kernels),
                             macroArchitecture: space.architecture(depth: depth, width: macroWidth, ops: ops, kernels: kernels),
                             candidates: count, depthCandidates: depthCount, widthCandidates: widthCount,
                             microCandidates: microCount, stopped: stopped)
    }

    private func resetMicro() {
        let n = space.searchableConvCount(depth: depth)
        ops = Array(repeating: .separable, count: n); kernels = Array(repeating: 3, count: n)
    }

    private func score(_ phase: SearchPhase, _ a: Architecture, epochs: Int) throws -> (Candidate, CandidateScore) {
        let c = Candidate(index: count, phase: phase, architecture: a, epochs: epochs)
        let s = try oracle(c)
        count += 1
        switch phase {
        case .depth: depthCount += 1
        case .width: widthCount += 1
        default: microCount += 1
        }
        return (c, s)
    }

    /// Depth growth at maximum width; returns the best score and the epoch counter.
    private func growDepth() throws -> (Float, Int) {
        var d = rules.minDepth, epochs = rules.budget.startEpochs
        let (c0, s0) = try score(.depth, space.macroArchitecture(depth: d, width: rules.maxWidth), epochs: epochs)
        var best = s0.accuracy, bestTrain = s0.trainAccuracy, fails = 0
        depth = d; resetMicro()
        try observer(c0, s0, .start)
        while best < Float(100) - rules.acceptMargin && d != rules.maxDepth {
            if bestTrain > rules.trainAccuracyStop { break }
            epochs = rules.budget.afterDeeper(epochs); d += 1
            let (c, s) = try score(.depth, space.macroArchitecture(depth: d, width: rules.maxWidth), epochs: epochs)
            let decision: SearchDecision
            if s.accuracy >= best + rules.acceptMargin {
                best = s.accuracy; bestTrain = s.trainAccuracy; fails = 0; depth = d; resetMicro()
                decision = .accept
            } else if s.accuracy >= best - rules.neutralTolerance {
                decision = .neutral
            } else {
                decision = Self.failure(&fails, tolerated: rules.depthFailures)
            }
            try observer(c, s, decision)
            if decision == .stop { break }
        }
        return (best, epochs)
    }

    /// Width pruning at the chosen depth; ties are accepted (the narrower network is preferred).
    private func pruneWidth(best: Float, epochs: Int) throws -> (Float, Int) {
        var best = best, epochs = epochs, w = rules.maxWidth, fails = 0
        while w > rules.minWidth {  // the authors' test: the last step may land below minWidth when the step does not divide
            w -= rules.widthStep; epochs = rules.budget.afterNarrower(epochs)
            let (c, s) = try score(.width, space.macroArchitecture(depth: depth, width: w), epochs: epochs)
            let decision: SearchDecision
            if s.accuracy >= best {
                best = s.accuracy; fails = 0; macroWidth = w; width = w; decision = .accept
            } else {
                decision = Self.failure(&fails, tolerated: rules.widthFailures)
            }
            try observer(c, s, decision)
            if decision == .stop { break }
        }
        return (best, epochs)
    }

    /// A counted failure while fewer than `tolerated` have been counted since the last acceptance;
    /// the phase's stop otherwise.
    private static func failure(_ fails: inout Int, tolerated: Int) -> SearchDecision {
        if fails != tolerated { fails += 1; return .fail }
        return .stop
    }

    /// The two micro passes at a fixed epoch budget, strictly-better acceptance.
    private func micro() throws {
        let epochs = rules.budget.microEpochs
        resetMicro()
        let base = space.parameterCount(space.macroArchitecture(depth: depth, width: macroWidth))
        let (c0, s0) = try score(.microBaseline, space.architecture(depth: depth, width: macroWidth, ops: ops, kernels: kernels),
                                 epochs: epochs)
        var best = s0.accuracy
        try observer(c0, s0, .baseline)
        width = macroWidth
        try microPass(.microOp, budget: base, best: &best) { i, on in self.ops[i] = on ? .standard : .separable }
        // The kernel pass's baseline: the op pass's result, still all 3×3.
        let base2 = space.parameterCount(space.architecture(depth: depth, width: width, ops: ops, kernels: kernels))
        try microPass(.microKernel, budget: base2, best: &best) { i, on in self.kernels[i] = on ? 5 : 3 }
    }

    /// One pass over the searchable convs: switch conv i (`change(i, true)`), narrow the network to
    /// the pass's parameter budget from the pass's starting width, keep the change only if strictly
    /// better.
    private func microPass(_ phase: SearchPhase, budget: Int, best: inout Float, change: (Int, Bool) -> Void) throws {
        let start = width
        for i in 0..<space.searchableConvCount(depth: depth) {
            change(i, true)
            let w = try matchedWidth(from: start, budget: budget)
            let (c, s) = try score(phase, space.architecture(depth: depth, width: w, ops: ops, kernels: kernels),
                                   epochs: rules.budget.microEpochs)
            let decision: SearchDecision
            if s.accuracy > best { best = s.accuracy; width = w; decision = .accept } else { change(i, false); decision = .reject }
            try observer(c, s, decision)
        }
    }

    /// The widest width ≤ `start` whose network, with the current ops and kernels, has at most
    /// `budget` + the rules' slack parameters (lowered one channel at a time).
    private func matchedWidth(from start: Int, budget: Int) throws -> Int {
        var w = start
        let slack = rules.slack(baseline: budget)
        while space.parameterCount(space.architecture(depth: depth, width: w, ops: ops, kernels: kernels)) > budget + slack {
            w -= 1
            if w < 1 { throw SearchStopped(reason: "no width keeps the micro candidate within \(slack) parameters of its baseline") }
        }
        return w
    }
}
