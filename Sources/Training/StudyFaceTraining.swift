import Datasets
import Foundation
import ImageIO
import NN
import Search

extension StudyTraining {
    /// The face study's trainer: one `FaceCandidateTrainer` per distinct proxy setting (image side,
    /// identities, images), all holding out the same identities (the split is seeded by the study's
    /// seed and the identity labels alone), so every budget is ranked on the same people.
    public static func face(source: any FaceImageSource, dataDescription: String, configuration c: StudyConfiguration,
                            margin: MarginKind, augmentation: FaceAugmentationConfig?) throws -> StudyRun.Trainer {
        guard let settings = c.face else { throw StudyError("a face study needs its face settings") }
        var proxies: [String: StudyProxy] = [StudyRecord.reference: StudyProxy()]
        for b in try c.parsedBudgets() { if case let .proxy(p) = b { proxies[b.description] = p } }
        struct Setting: Hashable { var size: Int, identities: Int?, images: Int? }
        var trainers: [Setting: FaceCandidateTrainer] = [:]
        var byBudget: [String: (Setting, FaceCandidateTrainer)] = [:]
        for (name, p) in proxies.sorted(by: { $0.key < $1.key }) {
            let s = Setting(size: p.size ?? c.inputSize, identities: p.identities, images: p.images)
            if trainers[s] == nil {
                var face = settings
                face.subsetIdentities = s.identities; face.subsetImages = s.images
                var search = SearchConfiguration(space: .ir, inChannels: 3, classes: settings.identities, inputSize: s.size, rules: SearchRules(),
                                                 seed: c.seed, rankOn: .heldout, heldoutFraction: c.heldoutFraction, data: c.data,
                                                 learningRate: c.learningRate, batchSize: c.batchSize)
                search.face = face
                let src: any FaceImageSource = s.size == c.inputSize ? source : ResizedFaceSource(source, size: s.size)
                trainers[s] = try FaceCandidateTrainer(source: src, dataDescription: dataDescription, configuration: search,
                                                       margin: margin, augmentation: augmentation)
            }
            byBudget[name] = (s, trainers[s]!)
        }
        return { job, architecture, directory in
            // `dynamic` trains at the reference's setting, for fewer epochs.
            guard let (s, trainer) = byBudget[job.budget] ?? byBudget[StudyRecord.reference] else {
                throw StudyError("no trainer for budget \(job.budget)")
            }
            var a = architecture
            a.inputSize = s.size
            return try record(job, trainer.train(candidate(job, a), directory: directory), macs: IRTemplate.macs(a),
                              images: trainer.split.training.count)
        }
    }
}
