import ArgumentParser
import Datasets
import Foundation
import ImageIO
import NN
import Search
import Training
import Tensor

extension FaceNAS {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a classifier (the authors' recipe: SGD, cosine LR, crop/flip/Cutout) or, with --task face, a face backbone with a margin loss (AdaFace's recipe).")

        @Option(help: "What to train.")
        var task: TaskName = .classify
        @Option(help: "Training data as KIND:PATH, e.g. fashion-mnist:/usr/share/datasets/fashion-mnist; face: recordio:DIR, folders:DIR or synth:DIR.")
        var data: String
        @OptionGroup var architecture: ArchitectureOptions
        @Option(help: "Epochs to train (default 10; face 26).") var epochs: Int?
        @Option(name: .customLong("batch-size"), help: "Batch size (default 64; face 512).") var batchSize: Int?
        @Option(help: "Initial learning rate (default 0.025, cosine-annealed; face 0.1, dropped x0.1 at 12/26, 20/26 and 24/26 of the epochs).") var lr: Double?
        @Option(help: "SGD momentum (default 0.9).") var momentum: Double?
        @Option(name: .customLong("weight-decay"), help: "Weight decay (default 3e-4; face 5e-4, never on BN).") var weightDecay: Double?
        @Option(help: "Global gradient-norm clip, 0 disables (default 5; face off).") var clip: Double?
        @Option(help: "Seed for initialisation, shuffling and augmentation (default 0; face 42).") var seed: UInt64?
        @Option(help: "Gradient accumulation: run each batch as N micro-batches (N divides --batch-size) and take one SGD step on their summed gradient; memory scales with the micro-batch (default 1).")
        var accumulate: Int?
        @Flag(help: "Continue from OUT/checkpoint.safetensors if it exists.") var resume = false
        @Option(name: .customLong("limit-train"), help: "Train on a subset of N images (classify: seeded, class-balanced; face: spread evenly).")
        var limitTrain: Int?
        @Option(help: "Output folder for the checkpoints and metrics.json.") var out: String

        @Option(help: "Face: the margin loss.") var loss: MarginLoss = .adaface
        @Option(help: "Face: the margin m (default adaface 0.4, arcface 0.5, cosface 0.4).") var margin: Float?
        @Option(help: "Face, adaface: h.") var h: Float = 0.333
        @Option(name: .customLong("t-alpha"), help: "Face, adaface: EMA rate of the feature-norm statistics.") var tAlpha: Float = 0.01
        @Flag(name: .customLong("easy-margin"), help: "Face, arcface: apply the margin only where cos > 0.") var easyMargin = false
        @Option(name: .customLong("arcface-gradient"),
                help: ArgumentHelp("Face, arcface: the gradient through the margin: straight-through (arcface_torch since Dec 2022: cos(theta+m) "
                    + "written over the target cosine without gradient, so d logit/d cos = s; no fallback past theta+m = pi) or exact "
                    + "(insightface before: d cos(theta+m)/d cos, fallback cos(theta) - m*sin(m) past theta+m = pi). A resumed run must "
                    + "use the value it started with (runs from before this flag: exact)."))
        var arcfaceGradient: ArcFaceGradient = .straightThrough
        @Option(help: "Face, combined: m1 in cos(m1*theta + m2) - m3.") var m1: Float = 1
        @Option(help: "Face, combined: m2.") var m2: Float = 0.3
        @Option(help: "Face, combined: m3.") var m3: Float = 0.2
        @Option(help: "Face: a verification .bin to validate on (repeatable; synth: data brings its own).") var val: [String] = []
        @Option(name: .customLong("val-every"), help: "Face: validate every N epochs (and after the last).") var valEvery: Int = 1
        @Option(name: .customLong("val-pairs"), help: "Face: validate on N pairs of each set, spread over the file.") var valPairs: Int?
        @Option(help: "Face: training augmentation.") var augment: FaceAugmentationPreset = .adaface
        @Flag(help: "Face: feed BGR images (AdaFace's order; default RGB as insightface).") var bgr = false
        @Flag(name: .customLong("sync-bn"), help: "Under mpirun/srun: batch-norm statistics over the global batch (default: each rank's own shard).")
        var syncBN = false
        @Flag(name: .customLong("verify-replicas"), help: "Under mpirun/srun: check after every step that all ranks hold identical weights.")
        var verifyReplicas = false

        func validate() throws {
            guard (epochs ?? 1) >= 1, (batchSize ?? 1) >= 1, (lr ?? 1) > 0 else { throw ValidationError("--epochs, --batch-size and --lr must be positive") }
            guard (accumulate ?? 1) >= 1 else { throw ValidationError("--accumulate must be at least 1 (got \(accumulate ?? 1))") }
            guard valEvery >= 1, (valPairs ?? 10) >= 10 else { throw ValidationError("--val-every must be at least 1 and --val-pairs at least 10") }
        }

        func run() throws {
            if task == .face { return try FaceTraining(command: self).run() }
            let spec = try DataSpec(parsing: data)
            let (train, test) = try loadClassification(spec)
            let arch = try architecture.architecture(defaultInChannels: train.channels, defaultClasses: train.classes,
                                                     defaultInputSize: test.height)
            let config = TrainingConfig.classification(recipeOverrides)
            var options = ClassificationTask.Options(data: spec, architecture: arch, config: config, outputDirectory: out)
            options.control = runControl
            options.limitTrain = limitTrain
            let run = try ClassificationRun(options, train: train, test: test)
            printDataParallel(batchSize: config.batchSize)
            print("data: \(spec)  train \(run.trainIndices.count)  test \(test.count)  \(train.channels)x\(train.height)x\(train.width)  classes \(train.classes)")
            print("model: depth \(arch.depth) width \(arch.width)  params \(run.network.parameterCount)  MACs \(ArchitectureSummary.macs(run.task.architecture))")
            if run.state.epochsCompleted > 0 { print("resuming after epoch \(run.state.epochsCompleted) from \(out)/\(ClassificationRun.checkpointName)") }
            run.onStep = ProgressBar.trainingSteps(epochs: config.epochs)
            run.onEpoch = { (e: EpochRecord) in
                print(String(format: "epoch %d/%d  lr %.5f  train loss %.4f  train acc %.2f%%  test acc %.2f%%  %.1fs",
                             e.epoch + 1, config.epochs, e.lr, e.trainLoss, 100 * e.trainAccuracy, 100 * (e.testAccuracy ?? .nan), e.seconds))
            }
            try run.run()
            let m = run.metrics
            if let dp = run.dataParallel, dp.verifyReplicas {
                print("replicas: weights identical on all \(dp.size) ranks after each of \(dp.replicaChecks) steps")
            }
            print(String(format: "test_accuracy: %.4f  (best %.4f at epoch %d)", m.testAccuracy ?? .nan, m.bestTestAccuracy ?? .nan, m.bestEpoch ?? 0))
            print("wrote \(out)/\(ClassificationRun.checkpointName) and \(out)/\(ClassificationRun.metricsName)")
        }

        /// The recipe flags the user gave (the others keep the recipe's values).
        var recipeOverrides: RecipeOverrides {
            RecipeOverrides(epochs: epochs, batchSize: batchSize, lr: lr, momentum: momentum, weightDecay: weightDecay, clip: clip, seed: seed,
                            accumulate: accumulate)
        }

        /// Output folder, resume and the job this process belongs to.
        var runControl: RunControl {
            var c = RunControl(outputDirectory: out)
            c.resume = resume
            c.communicator = Communicator.world
            c.syncBatchNorm = syncBN
            c.verifyReplicas = verifyReplicas
            return c
        }

        /// One line on how the global batch is split, when this is one rank of an MPI job.
        func printDataParallel(batchSize: Int) {
            let w = Communicator.world
            guard w.isDistributed else { return }
            print("data-parallel: \(w.size) ranks (MPI), global batch \(batchSize) = \(batchSize / w.size)\(batchSize % w.size == 0 ? "" : "-\(batchSize / w.size + 1)") per rank, batch norm \(syncBN ? "synchronised" : "per rank"), \(Parallel.workers) thread\(Parallel.workers == 1 ? "" : "s") per rank")
        }
    }
}
