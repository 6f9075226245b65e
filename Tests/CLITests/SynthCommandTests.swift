import Foundation
import ImageIO
import Testing

/// `facenas synth` end to end: identical bytes whatever the thread count, output the other
/// commands recognise (`dataset info`, `align`), refusals with a reason.
@Suite(.serialized) struct SynthCommandTests {
    static let args = ["--identities", "20", "--images-per-identity", "4", "--size", "32", "--seed", "3"]

    @Test func synthIsDeterministicAcrossThreadCountsAndReadableByTheOtherCommands() throws {
        let dir = CLI.temporaryDirectory("synth")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = try CLI.run(["synth", "--out", dir + "/one"] + Self.args, environment: ["FACENAS_THREADS": "1"])
        #expect(one.status == 0, "stderr: \(one.stderr)")
        #expect(one.stdout.contains("verification/synth.bin: 100 pairs, raw-pixel accuracy"), "stdout: \(one.stdout)")
        #expect(one.stdout.contains("56 training images of 14 identities"), "stdout: \(one.stdout)")
        let two = try CLI.run(["synth", "--out", dir + "/two"] + Self.args, environment: ["FACENAS_THREADS": "2"])
        #expect(two.status == 0, "stderr: \(two.stderr)")

        let files = FileManager.default.subpaths(atPath: dir + "/one")!.filter { !$0.hasSuffix("/") }.sorted()
        var compared = 0
        for f in files {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir + "/one/" + f, isDirectory: &isDir), !isDir.boolValue else { continue }
            let a = FileManager.default.contents(atPath: dir + "/one/" + f)
            #expect(a != nil && a == FileManager.default.contents(atPath: dir + "/two/" + f), "\(f) differs between 1 and 2 threads")
            compared += 1
        }
        #expect(compared > 40)

        let info = try CLI.run(["dataset", "info", dir + "/one/train"])
        #expect(info.status == 0 && info.stdout.contains("identities: 14 (header record)")
                && info.stdout.contains("property: 14,32,32") && info.stdout.contains("problems: none"), "stdout: \(info.stdout)")
        // The set's root: manifest, then every part.
        let root = try CLI.run(["dataset", "info", "synth:" + dir + "/one"])
        #expect(root.status == 0 && root.stdout.contains("kind: synthetic faces") && root.stdout.contains("identities: 14 (header record)")
                && root.stdout.contains("kind: tinyface") && !root.stdout.contains("kind: folders"), "stdout: \(root.stdout)")
        let tiny = try CLI.run(["dataset", "info", dir + "/one/tinyface"])
        #expect(tiny.status == 0 && tiny.stdout.contains("kind: tinyface (aligned layout)") && tiny.stdout.contains("problems: none"),
                "stdout: \(tiny.stdout)")
        let bin = try CLI.run(["dataset", "info", dir + "/one/verification/synth_pose.bin"])
        #expect(bin.status == 0 && bin.stdout.contains("pairs: 100 (50 same, 50 different)") && bin.stdout.contains("folds: 10 × 10 pairs"),
                "stdout: \(bin.stdout)")

        let aligned = try CLI.run(["align", "--images", dir + "/one/unaligned", "--landmarks", dir + "/one/unaligned/landmarks.txt",
                                   "--out", dir + "/aligned"])
        #expect(aligned.status == 0 && aligned.stdout.contains("aligned: 42 of 42 images, skipped: 0"), "stdout: \(aligned.stdout) stderr: \(aligned.stderr)")
        let face = try readImageFile(dir + "/aligned/00000/000.jpg")
        #expect(face.width == 112 && face.height == 112)
    }

    @Test func previewWritesAContactSheetWithoutADataSet() throws {
        let dir = CLI.temporaryDirectory("synth-preview")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["synth", "--preview", dir + "/sheet.png", "--size", "32"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let sheet = try readImageFile(dir + "/sheet.png")
        #expect(sheet.width == 8 * 32 && sheet.height == 8 * 32)
    }

    @Test func badArgumentsAndExistingOutputAreRefused() throws {
        let dir = CLI.temporaryDirectory("synth-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let size = try CLI.run(["synth", "--out", dir + "/x", "--size", "44"])
        #expect(size.status != 0 && size.stderr.contains("multiple of 8"), "stderr: \(size.stderr)")
        let missing = try CLI.run(["synth", "--identities", "20"])
        #expect(missing.status != 0 && missing.stderr.contains("--out"), "stderr: \(missing.stderr)")
        let first = try CLI.run(["synth", "--out", dir + "/y"] + Self.args)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let again = try CLI.run(["synth", "--out", dir + "/y"] + Self.args)
        #expect(again.status != 0 && again.stderr.contains("already exists"), "stderr: \(again.stderr)")
        #expect(!again.stderr.contains("Fatal error"))
    }
}
