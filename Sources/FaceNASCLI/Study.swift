import ArgumentParser
import Datasets
import Foundation
import Reports
import Search
import Tensor
import Training

extension FaceNAS {
    struct Study: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "study",
            abstract: "Ranking study: does a cheap budget rank sampled networks like the reference training (Kendall tau-b, Spearman rho)?",
            discussion: """
            Samples --networks architectures (seeded), trains each for --reference-epochs and under every budget of \
            --budgets: epochs:K, params, dynamic[:BASE:STEP] (the i-th network by parameters trains BASE + i*STEP epochs), \
            and for --space ir the proxies size:S, identities:N, images:N (joined with +, e.g. size:56+epochs:2). \
            Scores are the search's (percent, best epoch). Rerunning the same command with the same --out resumes from \
            study.jsonl. Under mpirun/srun each rank trains its own networks.
            """)

        @Option(help: "Training data as KIND:PATH (ir: synth:DIR, folders:DIR or recordio:DIR).") var data: String
        @Option(help: "Search space: plain (classification) or ir (face backbones).") var space: SpaceName = .plain
        @Option(help: "Networks to sample (at least 3).") var networks: Int = 20
        @Option(name: .customLong("reference-epochs"), help: "Epochs of the reference training every budget is compared with.")
        var referenceEpochs: Int = 10
        @Option(help: "Comma-separated budgets, e.g. epochs:1,params,dynamic.") var budgets: String = "epochs:1,params,dynamic"
        @Option(help: "Output folder: study.jsonl, report.md/json/html, one scatter SVG per budget.") var out: String
        @Option(name: .customLong("min-depth"), help: "Shallowest sampled network (default: plain 4 layers, ir 4 blocks).") var minDepth: Int?
        @Option(name: .customLong("max-depth"), help: "Deepest sampled network (default: plain 10, ir 8).") var maxDepth: Int?
        @Option(name: .customLong("min-width"), help: "Narrowest width (default: plain 8, ir 8).") var minWidth: Int?
        @Option(name: .customLong("max-width"), help: "Widest width (default: plain 32, ir 32).") var maxWidth: Int?
        @Option(name: .customLong("width-step"), help: "Width grid step (default: the search's, plain 2, ir 8).") var widthStep: Int?
        @Option(help: "Train on a seeded, class-balanced subset of N training images (plain).") var subset: Int?
        @Option(name: .customLong("heldout-fraction"), help: "Fraction of the training set (ir: identities) held out to rank on.")
        var heldoutFraction: Double = 0.1
        @Option(help: "Seed of the sampling, the splits and every training.") var seed: UInt64 = 0
        @Option(help: "Initial learning rate (default: plain 0.025, ir 0.1).") var lr: Double?
        @Option(name: .customLong("batch-size"), help: "Batch size (default: plain 64, ir 128).") var batchSize: Int?
        @Option(name: .customLong("bootstrap"), help: "Bootstrap resamples of the 95% intervals.") var bootstrap: Int = 1000
        @OptionGroup(title: "Face study (--space ir)") var face: FaceSearchOptions

        /// Bad settings fail here, before any data is read, as one line (no usage text).
        func validate() throws {
            guard networks >= 3 else { throw StudyError("--networks \(networks): a rank correlation needs at least 3 networks") }
            guard bootstrap >= 1 else { throw StudyError("--bootstrap must be at least 1") }
            for b in budgetList {
                let budget: StudyBudget
                budget = try StudyBudget(parsing: b)
                // The image size is known only once the data is read; `StudyConfiguration.problem` checks sizes then.
                if let p = budget.problem(networks: networks, referenceEpochs: referenceEpochs, space: space, referenceSize: .max) {
                    throw StudyError(p)
                }
            }
        }

        var budgetList: [String] { budgets.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }

        func bounds() -> StudyBounds {
            let ir = space == .ir
            return StudyBounds(minDepth: minDepth ?? 4, maxDepth: maxDepth ?? (ir ? 8 : 10), minWidth: minWidth ?? 8,
                               maxWidth: maxWidth ?? 32, widthStep: widthStep ?? SearchPreset.forSpace(space).widthStep)
        }

        func run() throws {
            let world = Communicator.world
            let preset = SearchPreset.forSpace(space)
            let parsed = try budgetList.map { try StudyBudget(parsing: $0) }
            var setup: (config: StudyConfiguration, space: any SearchSpace, trainer: StudyRun.Trainer)
            if space == .ir {
                setup = try StudyFace(command: self).setup(budgets: parsed, preset: preset)
            } else {
                let spec = try DataSpec(parsing: data)
                // The configuration is checked before the data is read, so bad settings fail at once.
                var config = StudyConfiguration(space: .plain, data: spec.description, inChannels: 1, classes: 1, inputSize: 28,
                                                networks: networks, referenceEpochs: referenceEpochs, budgets: parsed, bounds: bounds(),
                                                seed: seed, subset: subset, heldoutFraction: heldoutFraction,
                                                learningRate: lr ?? preset.learningRate, batchSize: batchSize ?? preset.batchSize)
                if let p = config.problem() { throw StudyError(p) }
                let (train, test) = try loadClassification(spec)
                config.inChannels = train.channels; config.classes = train.classes; config.inputSize = test.height
                let plain = PlainSpace(inChannels: train.channels, classes: train.classes, inputSize: test.height)
                setup = (config, plain, try StudyTraining.classification(data: spec, train: train, test: test, configuration: config))
            }
            let study = try StudyRun(configuration: setup.config, space: setup.space, directory: out, communicator: world,
                                     trainer: setup.trainer)
            let display = StudyProgress(study: study)
            study.onEvent = { display.show($0) }
            try study.run()
            guard world.isRoot else { return }
            let report = StudyReport(configuration: study.configuration, networks: study.networks, space: study.space,
                                     records: study.records, resamples: bootstrap)
            try report.write(to: out)
            print("wrote \(out)/\(StudyRun.journalName), report.md, report.json, report.html and one scatter SVG per budget")
            for line in report.summaryLines { print(line) }
        }
    }
}

/// Prints a running study: a line per training started and finished.
final class StudyProgress {
    private let start = Date()
    private let study: StudyRun
    init(study: StudyRun) { self.study = study }

    func show(_ event: StudyEvent) {
        switch event {
        case let .resumed(n, torn):
            if let t = torn { printError("study.jsonl: line \(t) was torn by an interrupted write; ignored and cut off") }
            print("resuming: \(n) trainings in the journal are read back, not retrained")
        case let .started(job, i, n):
            let a = study.networks[job.network]
            print("training \(i + 1)/\(n): network \(job.network + 1) (depth \(a.depth) width \(a.width) params \(study.space.parameterCount(a)))"
                  + " \(job.budget) \(job.epochs) epochs  study elapsed \(ProgressBar.clock(Date().timeIntervalSince(start)))")
        case let .finished(r, replayed):
            guard !replayed else { return }
            print(String(format: "  network %d %@: score %.2f%%  %.1fs  (rank %d)", r.network + 1, r.budget, r.score, r.seconds, r.rank))
        }
    }
}
