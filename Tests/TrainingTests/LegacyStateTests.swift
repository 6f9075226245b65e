import Foundation
import NN
import Testing
import Training

/// Checkpoints written before the one training engine resume: their `training_state` named the
/// run's own settings `limit_train` (classification) and `margin` (face) instead of `settings`.
/// ArcFace runs from before `--arcface-gradient` read as exact, the gradient they trained with.
@Suite struct LegacyStateTests {
    static let config = #"{"epochs":2,"batchSize":64,"schedule":{"kind":"cosine","baseLR":0.025,"epochs":2,"cosineShift":0,"milestones":[],"gamma":0.1,"warmupEpochs":0},"momentum":0.9,"weightDecay":0.0003,"nesterov":false,"clipNorm":5,"seed":5}"#
    static let record = #"{"epoch":0,"lr":0.025,"train_loss":1.5,"train_accuracy":0.5,"seconds":1,"images":128}"#

    @Test func classificationStateOfTheEarlierEngine() throws {
        for (limit, expected) in [(#","limit_train":128"#, "128"), ("", "none")] {
            let json = #"{"epochs_completed":1,"global_step":2,"config":"# + Self.config + #","data":"fashion-mnist:/x","history":["# + Self.record + "]" + limit + "}"
            let s = try JSONDecoder().decode(RunState.self, from: Data(json.utf8))
            #expect(s.settings == [RunSetting("--limit-train", expected)])
            #expect(s.epochsCompleted == 1 && s.globalStep == 2 && s.config.seed == 5 && s.history.count == 1 && s.problem() == nil)
        }
    }

    @Test func faceStateOfTheEarlierEngine() throws {
        let face = Self.record.replacingOccurrences(of: "}", with: #","validation":{"synth":0.9},"validation_mean":0.9,"skipped":0}"#)
        let json = #"{"epochs_completed":1,"global_step":2,"config":"# + Self.config + #","data":"synth:/x","margin":"adaface m=0.4 h=0.333 t=0.01 s=64 (14 classes)","best_validation":0.9,"best_epoch":1,"history":["# + face + "]}"
        let s = try JSONDecoder().decode(RunState.self, from: Data(json.utf8))
        #expect(s.settings == [RunSetting("loss", "adaface m=0.4 h=0.333 t=0.01 s=64 (14 classes)")])
        #expect(s.bestEpoch == 1 && s.history.first?.skipped == 0 && s.history.first?.validationMean == 0.9 && s.problem() == nil)
        // Written back, it is the new form, which reads back the same.
        let again = try JSONDecoder().decode(RunState.self, from: JSONEncoder().encode(s))
        #expect(again.settings == s.settings && again.history == s.history && again.bestValidation == 0.9)
    }

    @Test func arcFaceStateFromBeforeTheGradientChoiceReadsAsExact() throws {
        let loss = "arcface m=0.5 s=64 (14 classes)"
        func state(_ settings: String) throws -> RunState {
            let json = #"{"epochs_completed":0,"global_step":0,"config":"# + Self.config + #","data":"synth:/x","# + settings + #","history":[]}"#
            return try JSONDecoder().decode(RunState.self, from: Data(json.utf8))
        }
        let exact = [RunSetting("loss", loss), RunSetting("--arcface-gradient", "exact")]
        #expect(try state(#""margin":""# + loss + #"""#).settings == exact)
        #expect(try state(#""settings":[{"flag":"loss","value":""# + loss + #""}]"#).settings == exact)
        let easy = "arcface-easy m=0.5 s=64 (14 classes)"
        #expect(try state(#""settings":[{"flag":"loss","value":""# + easy + #""}]"#).settings
                == [RunSetting("loss", easy), RunSetting("--arcface-gradient", "exact")])
        // A state that records the gradient, or another loss, is read as written.
        let straight = #""settings":[{"flag":"loss","value":""# + loss + #""},{"flag":"--arcface-gradient","value":"straight-through"}]"#
        #expect(try state(straight).settings == [RunSetting("loss", loss), RunSetting("--arcface-gradient", "straight-through")])
        let cosface = #""settings":[{"flag":"loss","value":"cosface m=0.4 s=64 (14 classes)"}]"#
        #expect(try state(cosface).settings == [RunSetting("loss", "cosface m=0.4 s=64 (14 classes)")])
    }
}
