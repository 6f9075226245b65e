import Datasets
import Foundation
import NN
import Search
import Tensor
import TestSupport
import Testing
import Training

/// The lifecycle `TrainingRun` gives every task, on the cheapest one (classification of 80 tiny
/// in-memory images): which resumes are refused and how, damaged training states, an epoch that
/// trains on nothing, an unusable output folder, and a requested stop.
@Suite(.serialized) struct TrainingRunLifecycleTests {
    static let train = InProcessDataParallelTests.grey(80, seed: 11)
    static let test = InProcessDataParallelTests.grey(20, seed: 12)

    static func options(out: String?, epochs: Int = 2, seed: UInt64 = 4, limitTrain: Int? = nil) -> ClassificationTask.Options {
        let a = Architecture(inChannels: 1, classes: 4, inputSize: 28, depth: 2, width: 4)
        var o = ClassificationTask.Options(data: DataSpec(kind: .fashionMNIST, path: "/in-memory/grey"), architecture: a,
                                           config: .classification(epochs: epochs, lr: 0.01, batchSize: 32, seed: seed), outputDirectory: out)
        o.limitTrain = limitTrain
        o.control.resume = true
        return o
    }

    static func run(_ o: ClassificationTask.Options) throws -> ClassificationRun { try ClassificationRun(o, train: train, test: test) }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// A folder holding the files of one finished epoch of `options(…)` with `limitTrain` 60.
    static func oneEpoch(_ name: String) throws -> String {
        let dir = temporaryDirectory(name)
        var o = options(out: dir, limitTrain: 60)
        o.control.stopAfterEpochs = 1
        try run(o).run()
        return dir
    }

    // MARK: Resume

    @Test func resumeWithOtherSettingsIsRefusedNamingTheFlagAndItsOldValue() throws {
        let dir = try Self.oneEpoch("life-settings")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ckpt = try Self.bytes(dir + "/checkpoint.safetensors")
        let cases: [(ClassificationTask.Options, String)] = [
            (Self.options(out: dir, seed: 5, limitTrain: 60), "--seed 4"),
            (Self.options(out: dir, epochs: 3, limitTrain: 60), "--epochs 2"),
            (Self.options(out: dir, limitTrain: 50), "--limit-train 60"),
            (Self.options(out: dir, limitTrain: nil), "--limit-train 60"),
        ]
        for (o, expected) in cases {
            #expect {
                _ = try Self.run(o)
            } throws: { error in
                let m = "\(error)"
                return error is CheckpointError && m.contains("written by a run with \(expected);") && !m.contains("\n")
            }
        }
        // The optimiser's settings have no flag of their own in the check; they are still compared.
        var lr = Self.options(out: dir, limitTrain: 60)
        lr.config.schedule.baseLR = 0.02
        #expect { _ = try Self.run(lr) } throws: { "\($0)".contains("other optimiser settings") }
        #expect(try Self.bytes(dir + "/checkpoint.safetensors") == ckpt)
        // The same settings continue after epoch 1.
        #expect(try Self.run(Self.options(out: dir, limitTrain: 60)).state.epochsCompleted == 1)
    }

    /// Rewrites the checkpoint's `training_state` through `edit` (tensors kept as they are).
    static func editState(_ path: String, _ edit: (inout [String: Any]) -> Void) throws {
        let f = try Safetensors.read(path)
        var meta = f.metadata
        var state = try #require(try JSONSerialization.jsonObject(with: Data(meta["training_state"]!.utf8)) as? [String: Any])
        edit(&state)
        meta["training_state"] = String(decoding: try JSONSerialization.data(withJSONObject: state), as: UTF8.self)
        try Safetensors.write(f.order.map { (name: $0, tensor: f.tensors[$0]!) }, metadata: meta, to: path)
    }

    @Test(arguments: [(5, "epochs_completed 5 outside 0...2"), (-1, "epochs_completed -1 outside 0...2")])
    func epochsCompletedOutOfRangeIsOneLine(completed: Int, expected: String) throws {
        let dir = try Self.oneEpoch("life-count\(completed)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.editState(dir + "/checkpoint.safetensors") { $0["epochs_completed"] = completed }
        #expect {
            _ = try Self.run(Self.options(out: dir, limitTrain: 60))
        } throws: { error in
            let m = "\(error)"
            return error is CheckpointError && m.contains("training_state has \(expected)") && !m.contains("\n")
        }
    }

    @Test func damagedHistoryIsRefused() throws {
        let dir = try Self.oneEpoch("life-history")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/checkpoint.safetensors"
        try Self.editState(path) { s in
            var h = s["history"] as! [[String: Any]]
            h[0]["train_accuracy"] = -5
            s["history"] = h
        }
        #expect { _ = try Self.run(Self.options(out: dir, limitTrain: 60)) } throws: {
            "\($0)".contains("training_state has epoch 1: train_accuracy -5.0 outside 0...1") && !"\($0)".contains("\n")
        }
        try Self.editState(path) { s in s["history"] = [] as [Any] }
        #expect { _ = try Self.run(Self.options(out: dir, limitTrain: 60)) } throws: {
            "\($0)".contains("training_state has 0 epochs of history for epochs_completed 1")
        }
    }

    @Test func runStateProblemFindsEachKindOfDamage() {
        let config = TrainingConfig.classification(epochs: 3)
        func record(_ e: Int, train: Double = 0.5, test: Double? = 0.5, validation: [String: Double]? = nil) -> EpochRecord {
            EpochRecord(epoch: e, lr: 0.01, trainLoss: 1, trainAccuracy: train, testAccuracy: test, validation: validation,
                        validationMean: validation == nil ? nil : 0.9, seconds: 1, images: 10)
        }
        func state(_ completed: Int, _ history: [EpochRecord], step: Int = 4, best: Int? = nil) -> RunState {
            var s = RunState(config: config, data: "x", settings: [])
            s.epochsCompleted = completed; s.globalStep = step; s.history = history; s.bestEpoch = best
            return s
        }
        #expect(state(2, [record(0), record(1)]).problem() == nil)
        #expect(state(0, []).problem() == nil)
        #expect(state(2, [record(0), record(1, test: -5)]).problem() == "epoch 2: test_accuracy -5.0 outside 0...1")
        #expect(state(1, [record(0, train: -5)]).problem() == "epoch 1: train_accuracy -5.0 outside 0...1")
        #expect(state(1, [record(0, test: nil, validation: ["lfw": 0.9, "cfp": 1.5])]).problem()
                == "epoch 1: cfp 1.5 outside 0...1")
        #expect(state(2, [record(0)]).problem() == "1 epochs of history for epochs_completed 2")
        #expect(state(1, [record(0), record(1)]).problem() == "2 epochs of history for epochs_completed 1")
        #expect(state(4, []).problem() == "epochs_completed 4 outside 0...3")
        #expect(state(1, [record(0)], step: -1).problem() == "global_step -1 is negative")
        #expect(state(1, [record(0)], best: 2).problem() == "best_epoch 2 outside 1...1")
        var noEpochs = state(0, [])
        noEpochs.config.epochs = 0
        #expect(noEpochs.problem() == "epochs 0 in its settings (expected at least 1)")
    }

    // MARK: Output folder

    @Test func outputThatIsAFileFailsAtConstruction() throws {
        let dir = temporaryDirectory("life-file")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/not-a-folder"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        #expect { _ = try Self.run(Self.options(out: file)) } throws: { error in
            let m = "\(error)"
            return m.hasPrefix("--out \(file): ") && m.contains("not a folder") && !m.contains("\n")
        }
        #expect(try Self.bytes(file) == Data("x".utf8))
    }

    @Test func outputThatIsNotWritableFailsAtConstruction() throws {
        let dir = temporaryDirectory("life-readonly")
        defer {
            chmod(dir + "/ro", 0o755)
            try? FileManager.default.removeItem(atPath: dir)
        }
        // Root writes through permission bits; /proc refuses new files to everyone.
        let readOnly: String
        if geteuid() == 0 {
            readOnly = "/proc"
        } else {
            readOnly = dir + "/ro"
            try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: true)
            chmod(readOnly, 0o555)
        }
        #expect { _ = try Self.run(Self.options(out: readOnly)) } throws: { error in
            let m = "\(error)"
            return m == "--out \(readOnly): the folder is not writable"
        }
        // A folder that cannot be created: below the read-only one.
        #expect { _ = try Self.run(Self.options(out: readOnly + "/sub/run")) } throws: { error in
            let m = "\(error)"
            return m.hasPrefix("--out \(readOnly)/sub/run: cannot create the folder (") && !m.contains("\n")
        }
    }

    // MARK: Stopping

    @Test func shouldStopEndsAfterThatEpochWithACheckpoint() throws {
        let dir = temporaryDirectory("life-stop")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.run(Self.options(out: dir, epochs: 3))
        var asked = 0
        run.shouldStop = {
            asked += 1
            return asked == 2 ? "--max-hours 0.1 reached" : nil
        }
        let state = try run.run()
        #expect(run.stopReason == "--max-hours 0.1 reached")
        #expect(state.epochsCompleted == 2 && asked == 2)
        let saved = try JSONDecoder().decode(RunState.self, from: Data(try Checkpoint.metadata(dir + "/checkpoint.safetensors")["training_state"]!.utf8))
        #expect(saved.epochsCompleted == 2 && saved.history.count == 2)

        // The resumed run trains the last epoch; the question is not asked after the last epoch.
        let rest = try Self.run(Self.options(out: dir, epochs: 3))
        var askedAgain = 0
        rest.shouldStop = { askedAgain += 1; return "stop" }
        try rest.run()
        #expect(rest.stopReason == nil && askedAgain == 0 && rest.state.epochsCompleted == 3)
    }

    // MARK: An epoch on no image

    /// One epoch on the synthetic RecordIO set, then a resume whose every image is unreadable:
    /// the run throws `RunError` and the first epoch's files stay byte for byte.
    @Test func anEpochOnNoImageThrowsAndKeepsTheFiles() throws {
        let dir = temporaryDirectory("life-empty")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var o = InProcessDataParallelTests.faceOptions(out: dir)
        o.control.resume = true
        o.control.stopAfterEpochs = 1
        let good = try InProcessDataParallelTests.faceSource()
        try FaceTrainingRun(o, source: good).run()
        let names = ["best.safetensors", "checkpoint.safetensors", "metrics.json"]
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == names)
        let before = try names.map { try Self.bytes(dir + "/" + $0) }

        // The same identities and count, every image's bytes corrupt (a JPEG start marker, then junk).
        let labels = try good.identityLabels()
        let junk = Data([0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 0x5A, count: 60))
        let corrupt = InMemoryFaceImages(name: "corrupt.rec", images: Array(repeating: junk, count: labels.count), labels: labels,
                                         classes: good.classes)
        let run = try FaceTrainingRun(o, source: corrupt)
        #expect(run.state.epochsCompleted == 1)
        #expect {
            try run.run()
        } throws: { error in
            // One line that names the first skipped image's source, so a user knows which file to look at.
            let m = "\(error)"
            return error is RunError && m.hasPrefix("epoch 2 trained on no image (\(run.trainIndices.count) unreadable images skipped; the first: ")
                && m.contains("corrupt.rec") && m.hasSuffix("); nothing was written") && !m.contains("\n")
        }
        #expect(try names.map { try Self.bytes(dir + "/" + $0) } == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == names)
    }
}
