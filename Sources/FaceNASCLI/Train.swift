import ArgumentParser
import Datasets
import Foundation
import NN
import Search

extension FaceNAS {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a classifier (the authors' recipe: SGD, cosine LR, crop/flip/Cutout) and write a checkpoint and metrics.json.")

        @Option(help: "Task: classify (face training arrives with the face issues).")
        var task: String = "classify"
        @Option(help: "Training data as KIND:PATH, e.g. fashion-mnist:/usr/share/datasets/fashion-mnist.")
        var data: String
        @OptionGroup var architecture: ArchitectureOptions
        @Option(help: "Epochs to train.") var epochs: Int = 10
        @Option(name: .customLong("batch-size"), help: "Batch size.") var batchSize: Int = 64
        @Option(help: "Initial learning rate (cosine-annealed to 0 over the run).") var lr: Double = 0.025
        @Option(help: "SGD momentum.") var momentum: Double = 0.9
        @Option(name: .customLong("weight-decay"), help: "Weight decay.") var weightDecay: Double = 3e-4
        @Option(help: "Global gradient-norm clip (0 disables).") var clip: Double = 5
        @Option(help: "Seed for initialisation, shuffling and augmentation.") var seed: UInt64 = 0
        @Flag(help: "Continue from OUT/checkpoint.safetensors if it exists.") var resume = false
        @Option(name: .customLong("limit-train"), help: "Train on a seeded, class-balanced subset of N images.")
        var limitTrain: Int?
        @Option(help: "Output folder for checkpoint.safetensors and metrics.json.") var out: String

        func validate() throws {
            guard task == "classify" else { throw ValidationError("--task \(task): only 'classify' is available in this version") }
            guard epochs >= 1, batchSize >= 1, lr > 0 else { throw ValidationError("--epochs, --batch-size and --lr must be positive") }
        }

        func run() throws {
            let spec = try DataSpec(parsing: data)
            let (train, test) = try loadClassification(spec)
            let arch = try architecture.architecture(defaultInChannels: train.channels, defaultClasses: train.classes,
                                                     defaultInputSize: test.height)
            var config = TrainingConfig.classification(epochs: epochs, lr: lr, batchSize: batchSize, seed: seed)
            config.momentum = momentum; config.weightDecay = weightDecay; config.clipNorm = clip > 0 ? clip : nil
            var options = ClassificationRun.Options(data: spec, architecture: arch, config: config, outputDirectory: out)
            options.resume = resume
            options.limitTrain = limitTrain
            let run = try ClassificationRun(options, train: train, test: test)
            print("data: \(spec)  train \(run.trainIndices.count)  test \(test.count)  \(train.channels)x\(train.height)x\(train.width)  classes \(train.classes)")
            print("model: depth \(arch.depth) width \(arch.width)  params \(run.network.parameterCount)  MACs \(ArchitectureSummary.macs(run.options.architecture))")
            if run.state.epochsCompleted > 0 { print("resuming after epoch \(run.state.epochsCompleted) from \(out)/\(ClassificationRun.checkpointName)") }
            var bar: ProgressBar?
            run.onStep = { r in
                if r.step == 1 { bar = ProgressBar(label: "epoch \(r.epoch + 1)/\(config.epochs)", total: r.stepsInEpoch) }
                bar?.update(r.step, elapsed: r.elapsed, info: String(format: "loss %.4f acc %.2f%% lr %.5f %.0f img/s",
                                                                       r.runningLoss, 100 * r.runningAccuracy, r.lr, r.imagesPerSecond))
            }
            run.onEpoch = { e in
                print(String(format: "epoch %d/%d  lr %.5f  train loss %.4f  train acc %.2f%%  test acc %.2f%%  %.1fs",
                             e.epoch + 1, config.epochs, e.lr, e.trainLoss, 100 * e.trainAccuracy, 100 * (e.testAccuracy ?? .nan), e.seconds))
            }
            let m = try run.run()
            print(String(format: "test_accuracy: %.4f  (best %.4f at epoch %d)", m.testAccuracy ?? .nan, m.bestTestAccuracy ?? .nan, m.bestEpoch ?? 0))
            print("wrote \(out)/\(ClassificationRun.checkpointName) and \(out)/\(ClassificationRun.metricsName)")
        }
    }
}
