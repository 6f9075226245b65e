import Foundation
import NN
import Search
import Testing

/// The face search's recorded settings: ArcFace's gradient is one of them, and a journal written
/// before the choice existed reads as exact, so resuming it with straight-through names the flag.
@Suite struct FaceSearchSettingsTests {
    static func configuration(_ face: FaceSearchSettings) -> SearchConfiguration {
        var c = SearchConfiguration(space: .ir, inChannels: 3, classes: 20, inputSize: 32, rules: SearchRules(minDepth: 4, maxWidth: 16, minWidth: 8, widthStep: 8))
        c.face = face
        return c
    }

    @Test func arcFaceJournalFromBeforeTheGradientChoiceReadsAsExact() throws {
        let legacy = #"{"embedding_size":128,"stage_rule":"proportional","loss":"arcface m=0.5","ranking_pairs":1000,"ranking_sets":[],"identities":20}"#
        let read = try JSONDecoder().decode(FaceSearchSettings.self, from: Data(legacy.utf8))
        #expect(read.arcFaceGradient == "exact")
        let adaface = legacy.replacingOccurrences(of: "arcface m=0.5", with: "adaface m=0.4 h=0.333 t=0.01")
        #expect(try JSONDecoder().decode(FaceSearchSettings.self, from: Data(adaface.utf8)).arcFaceGradient == nil)

        var now = read
        now.arcFaceGradient = ArcFaceGradient.straightThrough.rawValue
        let differences = Self.configuration(now).differences(from: Self.configuration(read))
        #expect(differences == ["--arcface-gradient exact in the journal, straight-through now"])
        let again = try JSONDecoder().decode(FaceSearchSettings.self, from: JSONEncoder().encode(now))
        #expect(again == now)
    }
}
