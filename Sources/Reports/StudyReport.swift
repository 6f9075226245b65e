import Foundation
import Metrics
import Search

/// The result of a ranking study: for every budget, how its ranking of the networks agrees with
/// the reference training's (Kendall τ-b, Spearman ρ with paired-bootstrap 95% intervals, top-k
/// overlap) and what it cost. Scores are fractions here (`report.json`), percent in the journal.
/// Only networks with every training finished take part, so a study stopped early reports on
/// its finished networks and says how many those are.
public struct StudyReport: Encodable {
    public struct Network: Encodable {
        public var index: Int, depth: Int, width: Int, ops: [Int], kernels: [Int], params: Int, macs: Int
        public var referenceScore: Double
        enum CodingKeys: String, CodingKey {
            case index, depth, width, ops, kernels, params, macs
            case referenceScore = "reference_score"
        }
    }

    public struct Cost: Encodable {
        /// Network-epochs of training, wall seconds summed over trainings, training FLOPs.
        public var candidateEpochs: Int, seconds: Double, flops: Double
        enum CodingKeys: String, CodingKey { case candidateEpochs = "candidate_epochs", seconds, flops }
    }

    public struct Agreement: Encodable {
        public var budget: String
        /// Per network (in `networks` order): the budget's score (a fraction), or the parameter count for `params`.
        public var scores: [Double]
        public var epochs: [Int]
        public var kendallTauB: Double, spearmanRho: Double
        public var kendallInterval: [Double]?, spearmanInterval: [Double]?
        public var top5: Double?, top10: Double?
        public var cost: Cost
        enum CodingKeys: String, CodingKey {
            case budget, scores, epochs, cost, top5 = "top5_overlap", top10 = "top10_overlap"
            case kendallTauB = "kendall_tau_b", spearmanRho = "spearman_rho"
            case kendallInterval = "kendall_tau_b_95", spearmanInterval = "spearman_rho_95"
        }

        /// An undefined correlation (a constant scoring) is written as null, as JSON has no NaN.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(budget, forKey: .budget); try c.encode(scores, forKey: .scores); try c.encode(epochs, forKey: .epochs)
            try c.encode(cost, forKey: .cost)
            try c.encode(kendallTauB.isNaN ? nil : kendallTauB, forKey: .kendallTauB)
            try c.encode(spearmanRho.isNaN ? nil : spearmanRho, forKey: .spearmanRho)
            try c.encode(kendallInterval, forKey: .kendallInterval); try c.encode(spearmanInterval, forKey: .spearmanInterval)
            try c.encode(top5, forKey: .top5); try c.encode(top10, forKey: .top10)
        }
    }

    public struct Bootstrap: Encodable {
        public var seed: UInt64, level: Double
        /// The item (row of `networks`) indices of each resample.
        public var resamples: [[Int]]
    }

    public var configuration: StudyConfiguration
    public var networksPlanned: Int
    public var networks: [Network]
    public var reference: Cost
    public var budgets: [Agreement]
    public var bootstrap: Bootstrap

    enum CodingKeys: String, CodingKey {
        case configuration, networks, reference, budgets, bootstrap
        case networksPlanned = "networks_planned"
    }

    public init(configuration: StudyConfiguration, networks archs: [Architecture], space: any SearchSpace, records: [StudyRecord],
                resamples: Int = 1000) {
        self.configuration = configuration
        networksPlanned = archs.count
        let budgetNames = configuration.budgets
        var byKey: [String: StudyRecord] = [:]
        for r in records { byKey["\(r.network) \(r.budget)"] = r }
        let trained = budgetNames.filter { (try? StudyBudget(parsing: $0))?.trains ?? false }
        let complete = archs.indices.filter { n in
            ([StudyRecord.reference] + trained).allSatisfy { byKey["\(n) \($0)"] != nil }
        }
        networks = complete.map { n in
            let a = archs[n]
            return Network(index: n, depth: a.depth, width: a.width, ops: a.ops.map(\.rawValue), kernels: a.kernels,
                           params: space.parameterCount(a), macs: space.macs(a), referenceScore: byKey["\(n) reference"]!.score / 100)
        }
        func cost(_ budget: String) -> Cost {
            let rs = complete.compactMap { byKey["\($0) \(budget)"] }
            return Cost(candidateEpochs: rs.reduce(0) { $0 + $1.epochs }, seconds: rs.reduce(0) { $0 + $1.seconds },
                        flops: rs.reduce(0) { $0 + $1.trainingFLOPs })
        }
        reference = cost(StudyRecord.reference)
        let boot = RankBootstrap(items: complete.count, resamples: resamples, seed: configuration.seed)
        bootstrap = Bootstrap(seed: configuration.seed, level: 0.95, resamples: boot.resamples)
        let ref = networks.map(\.referenceScore), rows = networks
        budgets = budgetNames.map { name in
            let isParams = name == StudyBudget.params.description
            let scores = isParams ? rows.map { Double($0.params) } : complete.map { byKey["\($0) \(name)"]!.score / 100 }
            let epochs = isParams ? complete.map { _ in 0 } : complete.map { byKey["\($0) \(name)"]!.epochs }
            let tau = boot.values(ref, scores, RankCorrelation.kendallTauB)
            let rho = boot.values(ref, scores, RankCorrelation.spearmanRho)
            return Agreement(budget: name, scores: scores, epochs: epochs,
                             kendallTauB: RankCorrelation.kendallTauB(ref, scores), spearmanRho: RankCorrelation.spearmanRho(ref, scores),
                             kendallInterval: RankBootstrap.interval(tau).map { [$0.low, $0.high] },
                             spearmanInterval: RankBootstrap.interval(rho).map { [$0.low, $0.high] },
                             top5: RankCorrelation.topOverlap(5, reference: ref, other: scores),
                             top10: RankCorrelation.topOverlap(10, reference: ref, other: scores),
                             cost: isParams ? Cost(candidateEpochs: 0, seconds: 0, flops: 0) : cost(name))
        }
    }

    /// One line per budget, for the terminal.
    public var summaryLines: [String] {
        ["networks: \(networks.count) of \(networksPlanned); reference \(configuration.referenceEpochs) epochs, "
            + String(format: "%d network-epochs, %.0f s", reference.candidateEpochs, reference.seconds)]
            + budgets.map { b in
                String(format: "%@: tau-b %@ %@  rho %@ %@  top5 %@ top10 %@  %d network-epochs %.0f s", b.budget,
                       Self.fixed(b.kendallTauB), Self.range(b.kendallInterval), Self.fixed(b.spearmanRho), Self.range(b.spearmanInterval),
                       b.top5.map { Self.fixed($0) } ?? "-", b.top10.map { Self.fixed($0) } ?? "-", b.cost.candidateEpochs, b.cost.seconds)
            }
    }

    static func fixed(_ x: Double) -> String { x.isNaN ? "nan" : String(format: "%.3f", x) }
    static func range(_ r: [Double]?) -> String { r.map { "[\(fixed($0[0])), \(fixed($0[1]))]" } ?? "[-]" }
}
