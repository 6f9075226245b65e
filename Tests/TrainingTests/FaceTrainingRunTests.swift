import Training
import Datasets
import Metrics
import Foundation
import NN
import Search
import Tensor
import TestSupport
import Testing

/// `FaceTrainingRun` on a small synthetic set: an interrupted run resumes to the same weights, a
/// non-finite loss stops the run and leaves the last good checkpoint, and mismatched inputs fail
/// with one line.
@Suite(.serialized) struct FaceTrainingRunTests {
    /// 20 people × 6 photos at 32×32 (14 training identities) and its verification `.bin`.
    static let data: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("facenas-facerun-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        _ = try! writeSyntheticDataset(SyntheticDatasetOptions(identities: 20, imagesPerIdentity: 6, size: 32, seed: 5,
                                                               unalignedPerIdentity: 0, poseShotsPerIdentity: 2), to: dir)
        return dir
    }()

    static func options(out: String?, epochs: Int = 2, validation: Bool = true, dropout: Float = 0) -> FaceTrainingTask.Options {
        let arch = Architecture(irStages: [1, 1, 1, 1], width: 4, inputSize: 32, embeddingSize: 16, dropout: dropout)
        var o = FaceTrainingTask.Options(dataDescription: "synth:test", architecture: arch, margin: .adaFace(),
                                        config: .face(epochs: epochs, lr: 0.05, batchSize: 16, seed: 7))
        o.control = RunControl(outputDirectory: out)
        o.control.resume = true
        if validation { o.validation = [DataFile.join(data, "verification/synth.bin")] }
        return o
    }

    static func source() throws -> RecordIOReader { try RecordIOReader(directory: DataFile.join(data, "train")) }

    static func weights(_ run: FaceTrainingRun) -> [Float] {
        (run.backbone.allParameters + run.head.parameters).flatMap(\.value.array)
    }

    /// With dropout too (AdaFace's 0.4): its masks restart from (seed, epoch), not from the file.
    @Test(arguments: [Float(0), 0.4])
    func interruptedRunResumesToTheSameWeights(dropout: Float) throws {
        let a = temporaryDirectory("facerun-a"), b = temporaryDirectory("facerun-b")
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let straight = try FaceTrainingRun(Self.options(out: a, dropout: dropout), source: Self.source())
        try straight.run()

        var first = Self.options(out: b, dropout: dropout)
        first.control.stopAfterEpochs = 1
        try FaceTrainingRun(first, source: Self.source()).run()
        let resumed = try FaceTrainingRun(Self.options(out: b, dropout: dropout), source: Self.source())
        #expect(resumed.state.epochsCompleted == 1)
        try resumed.run()

        #expect(Self.weights(resumed) == Self.weights(straight))
        #expect(resumed.head.state.map(\.value.array) == straight.head.state.map(\.value.array))
        func timeless(_ h: [EpochRecord]) -> [EpochRecord] { h.map { var r = $0; r.seconds = 0; return r } }
        #expect(timeless(resumed.state.history) == timeless(straight.state.history))
        #expect(resumed.state.bestEpoch == straight.state.bestEpoch)
        // best.safetensors holds the backbone alone and loads as a model.
        let model = try FaceModel(path: DataFile.join(b, FaceTrainingRun.bestName))
        #expect(model.architecture == Self.options(out: nil, dropout: dropout).architecture)
    }

    @Test func nonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        let dir = temporaryDirectory("facerun-nan")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var o = Self.options(out: dir, validation: false)
        o.control.stopAfterEpochs = 1
        try FaceTrainingRun(o, source: Self.source()).run()
        let path = DataFile.join(dir, FaceTrainingRun.checkpointName)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let run = try FaceTrainingRun(Self.options(out: dir, validation: false), source: Self.source())
        run.backbone.allParameters[0].value.fill(.nan)
        #expect {
            try run.run()
        } throws: { error in
            guard case TrainingError.nonFiniteLoss(let epoch, let step, _) = error else { return false }
            return epoch == 1 && step == 0 && "\(error)".contains("the last good checkpoint is kept")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let resumed = try FaceTrainingRun(Self.options(out: dir, validation: false), source: Self.source())
        #expect(resumed.state.epochsCompleted == 1)
        #expect(resumed.backbone.allParameters.allSatisfy { p in p.value.array.allSatisfy(\.isFinite) })
    }

    @Test func inputSizeMismatchIsOneLine() throws {
        var o = Self.options(out: nil)
        o.architecture.inputSize = 64
        #expect {
            try FaceTrainingRun(o, source: Self.source())
        } throws: { error in
            let m = "\(error)"
            return m.contains("train.rec") && m.contains("32×32") && m.contains("64×64") && !m.contains("\n")
        }
    }

    @Test func validationPairsAreSpreadOverTheFile() throws {
        let path = DataFile.join(Self.data, "verification/synth.bin")
        let bin = try VerificationBin(path: path)
        let cut = try FaceValidationSet(path: path, pairs: 20)
        let picked = (0..<20).map { $0 * bin.pairCount / 20 }
        #expect(cut.pairsInFile == bin.pairCount && cut.isSame == picked.map { bin.isSame[$0] })
        #expect(cut.isSame.contains(true) && cut.isSame.contains(false))
        #expect(cut.images.images == picked.flatMap { [bin.images[2 * $0], bin.images[2 * $0 + 1]] })
        #expect(try FaceValidationSet(path: path).isSame == bin.isSame)
    }

    /// A checkpoint of an ArcFace run written before `--arcface-gradient` (no such setting, no
    /// metadata key) trained with the exact gradient: resuming it with the straight-through
    /// default is refused naming the flag and its value, and it resumes with exact.
    @Test func arcFaceRunFromBeforeTheGradientChoiceResumesOnlyAsExact() throws {
        let dir = temporaryDirectory("facerun-legacy-arcface")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func options(_ gradient: ArcFaceGradient) -> FaceTrainingTask.Options {
            var o = Self.options(out: dir, validation: false)
            o.margin = .arcFace(gradient: gradient)
            return o
        }
        var first = options(.exact)
        first.control.stopAfterEpochs = 1
        let run = try FaceTrainingRun(first, source: Self.source())
        try run.run()

        let path = DataFile.join(dir, FaceTrainingRun.checkpointName)
        var meta = try Checkpoint.metadata(path)
        #expect(meta["arcface_gradient"] == "exact")
        let stateJSON = try #require(meta["training_state"])
        var state = try #require(try JSONSerialization.jsonObject(with: Data(stateJSON.utf8)) as? [String: Any])
        let settings = try #require(state["settings"] as? [[String: String]])
        #expect(settings.map { $0["flag"] ?? "" } == ["loss", "--arcface-gradient"] && settings.last?["value"] == "exact")
        state["settings"] = settings.filter { $0["flag"] != "--arcface-gradient" }
        meta["training_state"] = String(decoding: try JSONSerialization.data(withJSONObject: state), as: UTF8.self)
        meta["arcface_gradient"] = nil
        try Checkpoint.save(run.task.checkpointEntries(), metadata: meta, to: path)

        #expect { _ = try FaceTrainingRun(options(.straightThrough), source: Self.source()) } throws: { error in
            "\(error)".contains("written by a run with --arcface-gradient exact;")
        }
        let resumed = try FaceTrainingRun(options(.exact), source: Self.source())
        #expect(resumed.state.epochsCompleted == 1)
        #expect(resumed.state.settings.last == RunSetting("--arcface-gradient", "exact"))
        #expect(resumed.head.summary == "arcface m=0.5 s=64 (14 classes)")
    }

    /// AdaFace's IR has Dropout(0.4) before the embedding layer; arcface_torch's iresnet has none.
    @Test func recipeDropoutFollowsTheLossReference() {
        #expect(FaceRecipe.dropout(for: .adaFace()) == 0.4)
        for kind in [MarginKind.arcFace(), .arcFace(gradient: .exact), .cosFace(), .combined(m1: 1, m2: 0.3, m3: 0.2)] {
            #expect(FaceRecipe.dropout(for: kind) == 0)
        }
    }

    @Test func stepDropsKeepTheirPlacesWhenEpochsChange() {
        #expect(TrainingConfig.face().schedule.milestones == [12, 20, 24])
        #expect(TrainingConfig.face(epochs: 13).schedule.milestones == [6, 10, 12])
        #expect(TrainingConfig.face(epochs: 8).schedule.milestones == [4, 6, 7])
        let c = TrainingConfig.face()
        #expect(c.momentum == 0.9 && c.weightDecay == 5e-4 && c.clipNorm == nil && c.batchSize == 512 && c.schedule.baseLR == 0.1)
    }
}
