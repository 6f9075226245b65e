import Datasets
import Foundation
import NN
import Search
import Tensor

/// Loads a classification checkpoint written by a classification run: its architecture and network.
public func loadClassifier(_ path: String) throws -> (Architecture, Sequential) {
    let meta = try Checkpoint.metadata(path)
    guard let archJSON = meta["architecture"] else {
        throw CheckpointError(path: path, message: "no architecture in the checkpoint metadata; not a facenas checkpoint")
    }
    let a = try Architecture.decode(Data(archJSON.utf8), source: path)
    guard case .plain = a.kind else { throw CheckpointError(path: path, message: "a \(a.kind.name) backbone, not a classifier") }
    try ArchitectureFit.check(a, file: path)
    var rng = RNG(seed: 0)
    let net = PlainTemplate.build(a, rng: &rng)
    try Checkpoint.load(path, into: net, optimizerState: false)
    return (a, net)
}

/// Top-1 accuracy (a fraction) of a classifier on a data set, test transform, native size.
public func classificationAccuracy(_ network: Layer, on data: ClassificationDataset, recipe: DatasetRecipe, batchSize: Int = 256) -> Double {
    let loader = BatchLoader(dataset: data, batchSize: batchSize, shuffle: false, augment: false, recipe: recipe, seed: 0, epoch: 0)
    var correct = 0, seen = 0
    while let b = loader.next() {
        correct += countCorrect(network.forward(b.x, training: false), labels: b.labels)
        seen += b.count
    }
    return Double(correct) / Double(max(seen, 1))
}
