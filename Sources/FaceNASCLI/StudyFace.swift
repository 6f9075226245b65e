import ArgumentParser
import Datasets
import Foundation
import Metrics
import Search
import Training

/// `facenas study --space ir`: the face data, the search's face settings, the face trainers.
struct StudyFace {
    let command: FaceNAS.Study

    func setup(budgets: [StudyBudget], preset: SearchPreset) throws -> (StudyConfiguration, any SearchSpace, StudyRun.Trainer) {
        let c = command, f = c.face
        let (source, description, _) = try FaceTraining.openData(c.data)
        let size = FaceModel.firstImageSize(of: source)?.width ?? 112
        let margin = f.loss.kind(margin: f.margin, arcFaceGradient: f.arcfaceGradient)
        let settings = FaceSearchSettings(embeddingSize: f.embeddingSize, stageRule: f.stageRule.rawValue, loss: margin.label,
                                          arcFaceGradient: margin.arcFaceGradient?.rawValue, rankingPairs: f.rankingPairs,
                                          identities: source.classes)
        let config = StudyConfiguration(space: .ir, data: description, inChannels: 3, classes: source.classes, inputSize: size,
                                        networks: c.networks, referenceEpochs: c.referenceEpochs, budgets: budgets, bounds: c.bounds(),
                                        seed: c.seed, subset: nil, heldoutFraction: c.heldoutFraction,
                                        learningRate: c.lr ?? preset.learningRate, batchSize: c.batchSize ?? preset.batchSize, face: settings)
        if let p = config.problem() { throw StudyError(p) }
        if f.subsetIdentities != nil || f.subsetImages != nil {
            throw StudyError("--subset-identities/--subset-images: give proxies as budgets (identities:N, images:N) in a study")
        }
        let space = IRSpace(inChannels: 3, inputSize: size, embeddingSize: f.embeddingSize, stageRule: f.stageRule)
        let trainer = try StudyTraining.face(source: source, dataDescription: description, configuration: config, margin: margin,
                                             augmentation: f.augment.config)
        print("data: \(description)  \(source.count) images of \(source.classes) identities  \(size)x\(size)  loss \(margin.label)")
        return (config, space, trainer)
    }
}
