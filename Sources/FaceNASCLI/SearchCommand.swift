import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Search

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

        @Option(help: "Training data as KIND:PATH (not needed with --scores).") var data: String?
        @Option(help: "Search space: plain.") var space: String = "plain"
        @Option(name: .customLong("in-channels"), help: "Input channels (default: from the data).") var inChannels: Int?
        @Option(help: "Classes (default: from the data).") var classes: Int?
        @Option(name: .customLong("input-size"), help: "Square input side for MACs (default: the data's test size, else 28 for 1 channel, 32 otherwise).")
        var inputSize: Int?
        @Option(help: "Output folder: search.jsonl, best-arch.json, macro-arch.json, report.md/json/html, search.svg.") var out: String

        @Option(name: .customLong("max-width"), help: "Width of the depth search, where pruning starts.") var maxWidth: Int = 64
        @Option(name: .customLong("min-width"), help: "Narrowest width tried.") var minWidth: Int = 16
        @Option(name: .customLong("width-step"), help: "Channels removed per width candidate.") var widthStep: Int = 2
        @Option(name: .customLong("min-depth"), help: "Depth of the first candidate.") var minDepth: Int = 10
        @Option(name: .customLong("max-depth"), help: "Deepest candidate.") var maxDepth: Int = 100
        @Option(name: .customLong("epochs-start"), help: "Epochs of the first candidate.") var epochsStart: Int = 10
        @Option(name: .customLong("deeper-epochs"), help: "Epochs added per deeper candidate.") var deeperEpochs: Int = 1
        @Option(name: .customLong("narrower-epochs"), help: "Epochs added per narrower candidate.") var narrowerEpochs: Int = 2
        @Option(name: .customLong("micro-epochs"), help: "Epochs of every micro candidate.") var microEpochs: Int = 2
        @Option(name: .customLong("accept-margin"), help: "Depth: percentage points over the best to accept.") var acceptMargin: Float = 0.10
        @Option(name: .customLong("neutral-tolerance"), help: "Depth: percentage points under the best still neutral.") var neutralTolerance: Float = 0.05
        @Option(name: .customLong("depth-failures"), help: "Depth: failures tolerated since the last acceptance (the next stops).")
        var depthFailures: Int = 2
        @Option(name: .customLong("width-failures"), help: "Width: failures tolerated since the last acceptance (the next stops).")
        var widthFailures: Int = 2
        @Option(name: .customLong("param-slack"), help: "Micro: parameters allowed over the pass's baseline.") var paramSlack: Int = 10_000
        @Option(name: .customLong("train-accuracy-stop"), help: "Depth growth stops once best train accuracy (percent) exceeds this.")
        var trainAccuracyStop: Float = 99.5

        @Option(help: "Train each candidate on a seeded, class-balanced subset of N training images.") var subset: Int?
        @Option(name: .customLong("rank-on"), help: "Ranking split: heldout (part of the training set) or test (the authors).")
        var rankOn: String = "heldout"
        @Option(name: .customLong("heldout-fraction"), help: "Fraction of the training set held out for ranking.") var heldoutFraction: Double = 0.1
        @Option(help: "Seed for splits, initialisation, shuffling and augmentation.") var seed: UInt64 = 0
        @Option(help: "Initial learning rate of every candidate.") var lr: Double = 0.025
        @Option(name: .customLong("batch-size"), help: "Batch size.") var batchSize: Int = 64
        @Flag(name: .customLong("authors-schedule"), help: "Step the cosine schedule at epoch start as the authors' code did (last epoch at lr 0).")
        var authorsSchedule = false
        @Option(name: .customLong("max-hours"), help: "Stop cleanly after this many hours (best-so-far written; rerun to continue).")
        var maxHours: Double?
        @Option(name: .customLong("max-candidates"), help: "Stop cleanly after this many candidates (journal included).") var maxCandidates: Int?
        @Option(help: "Take each candidate's score from this recorded-scores JSONL (or an earlier journal) instead of training.")
        var scores: String?

        func validate() throws {
            guard space == "plain" else { throw ValidationError("--space \(space): only 'plain' is available in this version") }
            guard RankingSplit(rawValue: rankOn) != nil else { throw ValidationError("--rank-on must be heldout or test, got \(rankOn)") }
            guard data != nil || scores != nil else { throw ValidationError("give --data KIND:PATH to train candidates, or --scores FILE") }
            if data == nil { guard inChannels != nil, classes != nil else { throw ValidationError("without --data, give --in-channels and --classes") } }
        }

        func run() throws {
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
            let rules = SearchRules(minDepth: minDepth, maxDepth: maxDepth, maxWidth: maxWidth, minWidth: minWidth, widthStep: widthStep,
                                    acceptMargin: acceptMargin, neutralTolerance: neutralTolerance, depthFailures: depthFailures,
                                    widthFailures: widthFailures, trainAccuracyStop: trainAccuracyStop,
                                    parameterSlack: paramSlack,
                                    budget: DynamicBudget(startEpochs: epochsStart, deeperIncrement: deeperEpochs,
                                                          narrowerIncrement: narrowerEpochs, microEpochs: microEpochs))
            let config = SearchConfiguration(space: space, inChannels: channels, classes: nClasses, inputSize: size, rules: rules,
                                             seed: seed, subset: subset, rankOn: RankingSplit(rawValue: rankOn)!,
                                             heldoutFraction: heldoutFraction, data: spec?.description ?? data, scores: scores,
                                             learningRate: lr, batchSize: batchSize, authorsSchedule: authorsSchedule)
            let space = PlainSpace(inChannels: channels, classes: nClasses, inputSize: size)
            var trainer: CandidateTrainer?
            if let spec, let (train, test) = sets {
                trainer = try CandidateTrainer(data: spec, train: train, test: test, configuration: config)
                print("data: \(spec)  train \(subset.map { min($0, trainer!.pool.count) } ?? trainer!.pool.count) of \(trainer!.pool.count)"
                      + "  ranking: \(rankOn) \(trainer!.ranking.count) images")
            }
            let search = try SearchRun(configuration: config, space: space, directory: out, trainer: trainer)
            search.maxSeconds = maxHours.map { $0 * 3600 }
            search.maxCandidates = maxCandidates
            let display = SearchProgress()
            search.onEvent = { display.show($0) }
            let outcome = try search.run()
            let report = SearchReport(outcome: outcome, records: search.records, configuration: config, space: space)
            try report.write(to: out)
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
                         100 * (e.testAccuracy ?? .nan), e.seconds))
        case let .decided(r, replayed):
            let how = replayed ? "(journal)" : r.source == "scores" ? "(scores)" : String(format: "%.1fs", r.seconds ?? 0)
            print(String(format: "[%3d] %-14@ D=%d W=%d std=%@ k5=%@ epochs=%d  acc %.3f  %-8@ %@", (r.index ?? 0) + 1,
                         r.phase?.rawValue ?? "", r.depth, r.width, ArchitectureSummary.list(r.standardLayers), ArchitectureSummary.list(r.k5Layers),
                         r.epochs, r.accuracy, r.decision?.rawValue ?? "", how))
        }
    }
}
