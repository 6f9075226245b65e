import ArgumentParser
import Datasets
import Metrics
import Training
import Foundation
import Reports
import Search
import Tensor

extension FaceNAS {
    struct SearchCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search",
            abstract: "Macro (depth, width) then micro (operation, kernel) search with dynamic epoch budgets.",
            discussion: """
            Accuracies in search.jsonl and --scores files are percent (the authors' convention). Rerunning \
            the same command with the same --out resumes: finished candidates are read back, not retrained. \
            The last line printed is machine-readable: final: depth=D width=W macro-width=WM std=... k5=... candidates=N
            """)

        @Option(help: "Training data as KIND:PATH (not needed with --scores); ir: recordio:DIR, folders:DIR or synth:DIR.") var data: String?
        @Option(help: "Search space: plain (classification) or ir (face backbones).") var space: SpaceName = .plain
        @Option(name: .customLong("in-channels"), help: "Input channels (default: from the data).") var inChannels: Int?
        @Option(help: "Classes (default: from the data).") var classes: Int?
        @Option(name: .customLong("input-size"), help: "Square input side (default: the data's image size, else 28 for 1 channel, 32 otherwise).")
        var inputSize: Int?
        @Option(help: "Output folder: search.jsonl, best-arch.json, macro-arch.json, report.md/json/html, search.svg.") var out: String

        @Option(name: .customLong("max-width"), help: "Width of the depth search, where pruning starts.") var maxWidth: Int = 64
        @Option(name: .customLong("min-width"), help: "Narrowest width tried.") var minWidth: Int = 16
        @Option(name: .customLong("width-step"), help: "Channels removed per width candidate (default: plain 2, ir 8).") var widthStep: Int?
        @Option(name: .customLong("min-depth"), help: "Depth of the first candidate (default: plain 10 layers, ir 4 blocks).") var minDepth: Int?
        @Option(name: .customLong("max-depth"), help: "Deepest candidate.") var maxDepth: Int = 100
        @Option(name: .customLong("epochs-start"), help: "Epochs of the first candidate (default: plain 10, ir 2).") var epochsStart: Int?
        @Option(name: .customLong("deeper-epochs"), help: "Epochs added per deeper candidate.") var deeperEpochs: Int = 1
        @Option(name: .customLong("narrower-epochs"), help: "Epochs added per narrower candidate.") var narrowerEpochs: Int = 2
        @Option(name: .customLong("micro-epochs"), help: "Epochs of every micro candidate (default: plain 2, ir 1).") var microEpochs: Int?
        @Option(name: .customLong("accept-margin"), help: "Depth: percentage points over the best to accept.") var acceptMargin: Float = 0.10
        @Option(name: .customLong("neutral-tolerance"), help: "Depth: percentage points under the best still neutral.") var neutralTolerance: Float = 0.05
        @Option(name: .customLong("depth-failures"), help: "Depth: failures tolerated since the last acceptance (the next stops).")
        var depthFailures: Int = 2
        @Option(name: .customLong("width-failures"), help: "Width: failures tolerated since the last acceptance (the next stops).")
        var widthFailures: Int = 2
        @Option(name: .customLong("param-slack"), help: "Micro: parameters allowed over the pass's baseline (plain).") var paramSlack: Int = 10_000
        @Option(name: .customLong("param-slack-fraction"), help: "Micro: parameters allowed over the pass's baseline as a fraction of it (default: ir 0.01).")
        var paramSlackFraction: Double?
        @Option(name: .customLong("train-accuracy-stop"), help: "Depth growth stops once best train accuracy (percent) exceeds this.")
        var trainAccuracyStop: Float = 99.5

        @Option(help: "Train each candidate on a seeded, class-balanced subset of N training images (plain).") var subset: Int?
        @Option(name: .customLong("rank-on"),
                help: "Ranking: heldout (part of the training set; ir: identities held out of training), test (plain, as the authors) or, ir, a verification FILE.bin (repeatable).")
        var rankOn: [String] = []
        @Option(name: .customLong("heldout-fraction"), help: "Fraction of the training set (ir: of its identities) held out for ranking.")
        var heldoutFraction: Double = 0.1
        @Option(help: "Seed for splits, initialisation, shuffling and augmentation.") var seed: UInt64 = 0
        @Option(help: "Initial learning rate of every candidate (default: plain 0.025, ir 0.1).") var lr: Double?
        @Option(name: .customLong("batch-size"), help: "Batch size (default: plain 64, ir 128).") var batchSize: Int?
        @Flag(name: .customLong("authors-schedule"), help: "Step the cosine schedule at epoch start as the authors' code did (last epoch at lr 0).")
        var authorsSchedule = false
        @Option(name: .customLong("max-hours"), help: "Stop cleanly after this many hours (best-so-far written; rerun to continue).")
        var maxHours: Double?
        @Option(name: .customLong("max-candidates"), help: "Stop cleanly after this many candidates (journal included).") var maxCandidates: Int?
        @Option(help: "Take each candidate's score from this recorded-scores JSONL (or an earlier journal) instead of training.")
        var scores: String?
        @Flag(name: .customLong("sync-bn"), help: "Under mpirun/srun: batch-norm statistics over each candidate's global batch.")
        var syncBN = false

        @OptionGroup(title: "Face search (--space ir)") var face: FaceSearchOptions

        var isFace: Bool { space == .ir }

        func validate() throws {
            if isFace {
                guard data != nil else { throw ValidationError("--space ir needs --data recordio:DIR, folders:DIR or synth:DIR") }
                guard scores == nil else { throw ValidationError("--scores replays classification searches; a face search trains its candidates") }
            } else {
                guard rankOn.count <= 1, RankingSplit(rawValue: rankOn.first ?? "heldout").map({ $0 != .sets }) ?? false else {
                    throw ValidationError("--rank-on must be heldout or test for --space plain, got \(rankOn.joined(separator: " "))")
                }
                guard data != nil || scores != nil else { throw ValidationError("give --data KIND:PATH to train candidates, or --scores FILE") }
                if data == nil { guard inChannels != nil, classes != nil else { throw ValidationError("without --data, give --in-channels and --classes") } }
            }
        }

        func run() throws {
            if isFace { try FaceSearch(command: self).run(); return }
            var spec: DataSpec?, sets: (ClassificationDataset, ClassificationDataset)?
            if let data, scores == nil {
                spec = try DataSpec(parsing: data)
                sets = try loadClassification(spec!)
            }
            let channels = inChannels ?? sets!.0.channels, nClasses = classes ?? sets!.0.classes
            if let (train, _) = sets, train.channels != channels || train.classes != nClasses {
                throw ValidationError("--in-channels \(channels) --classes \(nClasses) do not match \(data!) (\(train.channels) channels, \(train.classes) classes)")
            }
            let size = inputSize ?? sets?.1.height ?? (channels == 1 ? 28 : 32)
            let rank = RankingSplit(rawValue: rankOn.first ?? "heldout")!
            let preset = SearchPreset.plain
            let config = SearchConfiguration(space: .plain, inChannels: channels, classes: nClasses, inputSize: size,
                                             rules: rules(preset), seed: seed, subset: subset, rankOn: rank, heldoutFraction: heldoutFraction,
                                             data: spec?.description ?? data, scores: scores, learningRate: lr ?? preset.learningRate,
                                             batchSize: batchSize ?? preset.batchSize, authorsSchedule: authorsSchedule)
            let space = PlainSpace(inChannels: channels, classes: nClasses, inputSize: size)
            var trainer: CandidateTrainer?
            if let spec, let (train, test) = sets {
                trainer = try CandidateTrainer(data: spec, train: train, test: test, configuration: config)
                trainer!.syncBatchNorm = syncBN
                trainer!.communicator = Communicator.world
                print("data: \(spec)  train \(subset.map { min($0, trainer!.pool.count) } ?? trainer!.pool.count) of \(trainer!.pool.count)"
                      + "  ranking: \(rank.rawValue) \(trainer!.ranking.count) images")
            }
            try execute(config, space: space, trainer: trainer)
        }

        /// The rules from the flags, with the space's preset where a flag is not given.
        func rules(_ p: SearchPreset) -> SearchRules {
            SearchRules(minDepth: minDepth ?? p.minDepth, maxDepth: maxDepth, maxWidth: maxWidth, minWidth: minWidth,
                        widthStep: widthStep ?? p.widthStep, acceptMargin: acceptMargin, neutralTolerance: neutralTolerance,
                        depthFailures: depthFailures, widthFailures: widthFailures, trainAccuracyStop: trainAccuracyStop,
                        parameterSlack: paramSlack, parameterSlackFraction: paramSlackFraction ?? p.parameterSlackFraction,
                        budget: DynamicBudget(startEpochs: epochsStart ?? p.startEpochs, deeperIncrement: deeperEpochs,
                                              narrowerIncrement: narrowerEpochs, microEpochs: microEpochs ?? p.microEpochs))
        }

        /// Runs the search with progress, writes the report and prints the final line.
        func execute(_ config: SearchConfiguration, space: any SearchSpace, trainer: (any CandidateScorer)?) throws {
            let search = try SearchRun(configuration: config, space: space, directory: out, trainer: trainer, communicator: Communicator.world)
            search.maxSeconds = maxHours.map { $0 * 3600 }
            search.maxCandidates = maxCandidates
            let display = SearchProgress()
            search.onEvent = { display.show($0) }
            let outcome = try search.run()
            let report = SearchReport(outcome: outcome, records: search.records, configuration: config, space: space)
            if Communicator.world.isRoot { try report.write(to: out) }
            if let s = outcome.stopped { print("stopped: \(s); best so far written, rerun the same command to continue") }
            print("wrote \(out)/\(SearchRun.journalName), \(SearchRun.bestArchName), \(SearchRun.macroArchName), report.md, report.json, report.html, search.svg")
            print(outcome.finalLine)
        }
    }
}

/// Prints a running search: a bar per training epoch (with the candidate's ETA), a line per
/// decided candidate.
final class SearchProgress {
    private var bar: ProgressBar?
    private let searchStart = Date()
    private var candidateStart = Date()
    private var resumedEpochs = 0

    func show(_ event: SearchEvent) {
        switch event {
        case let .resumed(n, torn):
            if let t = torn { printError("search.jsonl: line \(t) was torn by an interrupted write; ignored and cut off") }
            print("resuming: \(n) candidates in the journal are read back, not retrained")
        case let .started(c, params, resumed):
            candidateStart = Date(); resumedEpochs = resumed
            print("candidate \(c.index + 1) (\(c.phase.rawValue)): depth \(c.architecture.depth) width \(c.architecture.width)"
                  + " params \(params) epochs \(c.epochs)" + (resumed > 0 ? " (continuing after epoch \(resumed))" : "")
                  + "  search elapsed \(ProgressBar.clock(Date().timeIntervalSince(searchStart)))")
        case let .step(c, r):
            if r.step == 1 { bar = ProgressBar(label: "  cand \(c.index + 1) epoch \(r.epoch + 1)/\(c.epochs)", total: r.stepsInEpoch) }
            // The candidate's ETA: steps still to go in this and later epochs at this run's pace.
            let done = Double((r.epoch - resumedEpochs) * r.stepsInEpoch + r.step)
            let left = Double((c.epochs - r.epoch) * r.stepsInEpoch - r.step)
            let spent = Date().timeIntervalSince(candidateStart)
            let eta = done > 0 ? spent * left / done : 0
            bar?.update(r.step, elapsed: r.elapsed, info: String(format: "loss %.4f acc %.2f%%  candidate ETA %@", r.runningLoss,
                                                                   100 * r.runningAccuracy, ProgressBar.clock(eta)))
        case let .epoch(_, e):
            print(String(format: "  epoch %d: train acc %.2f%%  ranking acc %.2f%%  %.1fs", e.epoch + 1, 100 * e.trainAccuracy,
                         100 * (e.rankingAccuracy ?? .nan), e.seconds))
        case let .decided(r, replayed):
            let how = replayed ? "(journal)" : r.source == "scores" ? "(scores)" : String(format: "%.1fs", r.seconds ?? 0)
            print(String(format: "[%3d] %-14@ D=%d W=%d std=%@ k5=%@ epochs=%d  acc %.3f  %-8@ %@", (r.index ?? 0) + 1,
                         r.phase?.rawValue ?? "", r.depth, r.width, ArchitectureSummary.list(r.standardLayers), ArchitectureSummary.list(r.k5Layers),
                         r.epochs, r.accuracy, r.decision?.rawValue ?? "", how))
        }
    }
}
