import ArgumentParser
import Datasets
import Metrics
import Training
import Foundation
import ImageIO
import NN
import Search
import Tensor

/// The face-only flags of `facenas search --space ir`.
struct FaceSearchOptions: ParsableArguments {
    @Option(name: .customLong("subset-identities"), help: "Train candidates on N identities (seeded) of those not held out.")
    var subsetIdentities: Int?
    @Option(name: .customLong("subset-images"), help: "Train candidates on N images (seeded) of those identities.")
    var subsetImages: Int?
    @Option(name: .customLong("ranking-pairs"), help: "Pairs of held-out identities (or of each --rank-on set) that rank candidates.")
    var rankingPairs: Int = 1000
    @Option(name: .customLong("embedding-size"), help: "Embedding width of every candidate.") var embeddingSize: Int = 512
    @Option(name: .customLong("stage-rule"), help: "How depth is spread over the four stages: proportional or even.")
    var stageRule: StageRule = .proportional
    @Option(help: "Margin loss of candidate training.") var loss: MarginLoss = .adaface
    @Option(help: "The margin m (default adaface 0.4, arcface 0.5, cosface 0.4).") var margin: Float?
    @Option(name: .customLong("arcface-gradient"),
            help: "arcface: the gradient through the margin, straight-through (arcface_torch since Dec 2022) or exact (insightface before, with the fallback past theta+m = pi); see train --help.")
    var arcfaceGradient: ArcFaceGradient = .straightThrough
    @Option(help: "Candidate training augmentation.") var augment: FaceAugmentationPreset = .adaface
}

/// `facenas search --space ir`: the face data, the held-out identities (or `--rank-on` sets),
/// then the same macro–micro search as the classification space, candidates scored by
/// `FaceCandidateTrainer`.
struct FaceSearch {
    let command: FaceNAS.SearchCommand

    func run() throws {
        let c = command, f = c.face
        let (native, description, _) = try FaceTraining.openData(c.data!)
        let nativeSize = FaceModel.firstImageSize(of: native)?.width ?? 112
        let size = c.inputSize ?? nativeSize
        let sets = c.rankOn.filter { $0 != "heldout" }
        // A smaller --input-size is the `size:` proxy a ranking study measures: the same images, resized.
        let source: any FaceImageSource = size == nativeSize ? native : ResizedFaceSource(native, size: size)
        if size > nativeSize { throw ValidationError("--input-size \(size): larger than the data's \(nativeSize)x\(nativeSize) images") }
        if size != nativeSize, !sets.isEmpty { throw ValidationError("--input-size \(size) with --rank-on FILE.bin: the sets' images are \(nativeSize)x\(nativeSize); rank on held-out identities") }
        if sets.contains("test") { throw ValidationError("--rank-on test: a face search ranks on held-out identities (heldout) or on FILE.bin sets") }
        for s in sets where !DataFile.isFile(s) { throw ValidationError("--rank-on \(s): no such file (expected an insightface verification .bin)") }
        let margin = f.loss.kind(margin: f.margin, arcFaceGradient: f.arcfaceGradient)
        let settings = FaceSearchSettings(embeddingSize: f.embeddingSize, stageRule: f.stageRule.rawValue, loss: margin.label,
                                          arcFaceGradient: margin.arcFaceGradient?.rawValue,
                                          subsetIdentities: f.subsetIdentities, subsetImages: f.subsetImages,
                                          rankingPairs: f.rankingPairs, rankingSets: sets, identities: source.classes)
        let preset = SearchPreset.ir
        var config = SearchConfiguration(space: .ir, inChannels: 3, classes: source.classes, inputSize: size, rules: c.rules(preset),
                                         seed: c.seed, rankOn: sets.isEmpty ? .heldout : .sets, heldoutFraction: c.heldoutFraction,
                                         data: description, learningRate: c.lr ?? preset.learningRate, batchSize: c.batchSize ?? preset.batchSize)
        config.face = settings
        if config.rules.minDepth < 4 { throw ValidationError("--min-depth \(config.rules.minDepth): the IR space needs at least 4 blocks (one per stage)") }
        let space = IRSpace(inChannels: 3, inputSize: size, embeddingSize: f.embeddingSize, stageRule: f.stageRule)
        let trainer = try FaceCandidateTrainer(source: source, dataDescription: description, configuration: config, margin: margin,
                                               augmentation: f.augment.config)
        trainer.syncBatchNorm = command.syncBN
        trainer.communicator = Communicator.world
        let t = trainer.split.training
        print("data: \(description)  candidates train on \(t.count) images of \(t.classes) identities  \(size)x\(size)")
        print("ranking: " + trainer.rankingSets.map { "\($0.name) (\($0.isSame.count) pairs)" }.joined(separator: ", ")
              + (sets.isEmpty ? "  from \(trainer.split.heldOutIdentities.count) identities held out of training" : ""))
        print("loss: \(margin.label)\(FaceTraining.gradientNote(margin))  lr \(config.learningRate)  batch \(config.batchSize)")
        try c.execute(config, space: space, trainer: trainer)
    }
}
