import Foundation
import Metrics
import NN
import Testing

/// The face head flags through the CLI: `--arcface-gradient` in `--help`, printed, stored in the
/// checkpoint and enforced on resume; the recipe's dropout follows the loss without `--dropout`.
@Suite(.serialized) struct FaceHeadCLITests {
    @Test func arcFaceGradientAndRecipeDropout() throws {
        let dir = CLI.temporaryDirectory("face-heads")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/synth"
        _ = try CLI.run(["synth", "--out", data, "--size", "32", "--identities", "20", "--images-per-identity", "6", "--seed", "2"])
        func train(_ out: String, _ extra: [String]) throws -> CLI.Result {
            try CLI.run(["train", "--task", "face", "--data", "synth:" + data, "--space", "ir", "--width", "4", "--stages", "1,1,1,1",
                         "--embedding-size", "16", "--epochs", "1", "--batch-size", "16", "--out", dir + "/" + out] + extra)
        }

        // ArgumentParser wraps the help text: compare with the wrapping undone.
        let help = try CLI.run(["train", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("--arcface-gradient") && help.contains("straight-through") && help.contains("0.4 with --loss adaface"), "\(help)")

        let arc = try train("arc", ["--loss", "arcface"])
        #expect(arc.status == 0, "\(arc.stderr)")
        #expect(arc.stdout.contains("loss: arcface m=0.5 s=64 (") && arc.stdout.contains("arcface gradient straight-through"), "\(arc.stdout)")
        #expect(try Checkpoint.metadata(dir + "/arc/checkpoint.safetensors")["arcface_gradient"] == "straight-through")
        #expect(try FaceModel(path: dir + "/arc/best.safetensors").architecture.dropout == 0)
        let other = try train("arc", ["--loss", "arcface", "--arcface-gradient", "exact", "--resume"])
        #expect(other.status != 0 && other.stderr.contains("written by a run with --arcface-gradient straight-through;"), "\(other.stderr)")

        let ada = try train("ada", [])
        #expect(ada.status == 0, "\(ada.stderr)")
        #expect(!ada.stdout.contains("arcface gradient"))
        #expect(try FaceModel(path: dir + "/ada/best.safetensors").architecture.dropout == 0.4)
        let set = try train("set", ["--dropout", "0.1"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(try FaceModel(path: dir + "/set/best.safetensors").architecture.dropout == 0.1)
    }
}
