import ArgumentParser
import Datasets
import Foundation
import Metrics
import NN
import Search

extension FaceNAS {
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Top-1 accuracy of a classification checkpoint on a data set's test split.")

        @Option(help: "Checkpoint written by `facenas train` (checkpoint.safetensors).") var model: String
        @Option(help: "Data as KIND:PATH; its test split is evaluated.") var data: String

        func run() throws {
            let spec = try DataSpec(parsing: data)
            let (arch, net) = try loadClassifier(model)
            let (_, test) = try loadClassification(spec)
            guard arch.inChannels == test.channels, arch.classes == test.classes else {
                throw ArchitectureError(message: "\(model): model takes \(arch.inChannels) channels and \(arch.classes) classes; \(spec) has \(test.channels) and \(test.classes)")
            }
            let acc = try classificationAccuracy(net, on: test, recipe: DatasetRecipe(kind: spec.kind))
            print(String(format: "accuracy: %.4f", acc))
        }
    }
}
