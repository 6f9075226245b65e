import ArgumentParser
import Datasets
import Metrics
import Training
import Foundation
import ImageIO
import NN
import Search

/// `facenas train --task face`: the face data, the margin head and the recipe from the flags, then
/// a `FaceTrainingRun` with progress.
struct FaceTraining {
    let command: FaceNAS.Train

    func run() throws {
        let c = command
        let (source, description, defaultValidation) = try Self.openData(c.data)
        let margin = margin()
        // Without --dropout the loss's reference decides (AdaFace 0.4, insightface 0).
        let arch = try c.architecture.architecture(defaultInChannels: 3, defaultClasses: 512,
                                                   defaultInputSize: FaceModel.firstImageSize(of: source)?.width ?? 112,
                                                   defaultDropout: FaceRecipe.dropout(for: margin))
        guard arch.ir != nil else {
            throw ValidationError("--task face trains the IR face space; add --space ir (or --arch with an ir architecture)")
        }
        let config = TrainingConfig.face(c.recipeOverrides)
        var options = FaceTrainingTask.Options(dataDescription: description, architecture: arch, margin: margin, config: config)
        options.control = c.runControl
        options.validation = c.val.isEmpty ? defaultValidation : c.val
        options.validateEvery = c.valEvery
        options.validationPairs = c.valPairs
        options.bgr = c.bgr
        options.augmentation = c.augment.config
        if let n = c.limitTrain, n < source.count {
            options.trainIndices = Self.spread(count: n, of: source.count)
        }
        let run = try FaceTrainingRun(options, source: source)
        print("data: \(description)  train \(run.trainIndices.count) images  \(source.classes) identities  \(arch.inputSize)x\(arch.inputSize)")
        print("model: \(arch.space.rawValue) depth \(arch.depth) width \(arch.width) stages \(arch.stages.map { "\($0)" } ?? "-")  params \(run.backbone.parameterCount)  MACs \(ArchitectureSummary.macs(arch))")
        print("loss: \(run.head.summary)\(Self.gradientNote(margin))  lr \(config.schedule.baseLR) drops at \(config.schedule.milestones)  batch \(config.batchSize)\(Self.microBatchNote(config))  epochs \(config.epochs)")
        if !run.validationSets.isEmpty {
            print("validation: " + run.validationSets.map { "\($0.name) (\($0.isSame.count) of \($0.pairsInFile) pairs)" }.joined(separator: ", "))
        }
        c.printDataParallel(batchSize: config.batchSize)
        if run.state.epochsCompleted > 0 { print("resuming after epoch \(run.state.epochsCompleted) from \(c.out)/\(FaceTrainingRun.checkpointName)") }
        run.onStep = ProgressBar.trainingSteps(epochs: config.epochs)
        run.onEpoch = { (e: EpochRecord) in
            var line = String(format: "epoch %d/%d  lr %.5f  loss %.4f  train acc %.2f%%", e.epoch + 1, config.epochs, e.lr,
                              e.trainLoss, 100 * e.trainAccuracy)
            if let v = e.validation {
                line += "  " + v.keys.sorted().map { String(format: "%@ %.2f%%", $0, 100 * v[$0]!) }.joined(separator: "  ")
                line += String(format: "  mean %.2f%%", 100 * (e.validationMean ?? .nan))
            }
            if let n = e.skipped, n > 0 { line += "  (\(n) unreadable images skipped)" }
            print(line + String(format: "  %.1fs", e.seconds))
        }
        let state = try run.run()
        if let best = state.bestValidation, let epoch = state.bestEpoch {
            print(String(format: "best validation mean: %.4f at epoch %d", best, epoch))
        }
        if let dp = run.dataParallel, dp.verifyReplicas {
            print("replicas: weights identical on all \(dp.size) ranks after each of \(dp.replicaChecks) steps")
        }
        print("wrote \(c.out)/\(FaceTrainingRun.bestName), \(c.out)/\(FaceTrainingRun.checkpointName) and \(c.out)/\(FaceTrainingRun.metricsName)")
    }

    func margin() -> MarginKind {
        let c = command
        return c.loss.kind(margin: c.margin, h: c.h, tAlpha: c.tAlpha, easyMargin: c.easyMargin, arcFaceGradient: c.arcfaceGradient,
                           m1: c.m1, m2: c.m2, m3: c.m3)
    }

    /// "  arcface gradient straight-through" for ArcFace, whose summary leaves the gradient out.
    static func gradientNote(_ margin: MarginKind) -> String {
        margin.arcFaceGradient.map { "  arcface gradient \($0.rawValue)" } ?? ""
    }

    /// " (8 micro-batches of 64)" under gradient accumulation.
    static func microBatchNote(_ config: TrainingConfig) -> String {
        config.accumulate > 1 ? " (\(config.accumulate) micro-batches of \(config.batchSize / config.accumulate))" : ""
    }

    /// The training images and a default validation set: a `synth:` folder brings its own `.bin`.
    static func openData(_ argument: String) throws -> (any FaceImageSource, String, [String]) {
        switch try DetectedData(argument: argument) {
        case .recordio(let dir): return (try RecordIOReader(directory: dir), "recordio:\(dir)", [])
        case .folders(let dir): return (try IdentityFolders(root: dir), "folders:\(dir)", [])
        case .synth(let dir):
            let bin = DataFile.join(DataFile.join(dir, "verification"), "synth.bin")
            return (try RecordIOReader(directory: DataFile.join(dir, "train")), "synth:\(dir)",
                    DataFile.isFile(bin) ? [bin] : [])
        default:
            throw ValidationError("--data \(argument): face training reads recordio:DIR, folders:DIR or synth:DIR")
        }
    }

    /// `count` indices spread evenly over `n` images (keeps every identity of a sorted RecordIO).
    static func spread(count: Int, of n: Int) -> [Int] { (0..<count).map { $0 * n / count } }
}
