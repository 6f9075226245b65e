import Foundation
import ImageIO
import Testing

/// `facenas detect`, `embed --detect` and `query --detect` on the real photos (issue 20), with
/// bad inputs among them. Needs the converted MTCNN weights and the photos that `make test`
/// fetches (FACENAS_MTCNN_WEIGHTS, FACENAS_DETECT_PHOTOS); skips with a note without them.
@Suite(.serialized) struct DetectCommandTests {
    static let weights = ProcessInfo.processInfo.environment["FACENAS_MTCNN_WEIGHTS"] ?? CLI.packageRoot.path + "/models/mtcnn"
    static let photos = ProcessInfo.processInfo.environment["FACENAS_DETECT_PHOTOS"] ?? CLI.packageRoot.path + "/.cache/mtcnn/photos"
    static let names = ["t1.jpg", "astronaut.png", "messi5.jpg"]

    static var available: Bool {
        let ok = FileManager.default.fileExists(atPath: weights + "/onet.safetensors")
            && names.allSatisfy { FileManager.default.fileExists(atPath: photos + "/" + $0) }
        if !ok { print("note: skipping detect CLI tests: run `make mtcnn-weights test-photos`") }
        return ok
    }

    /// A one-epoch model at the 112×112 alignment size (its accuracy does not matter: the query is
    /// the same face's pixels, so any embedding ranks it first).
    static let model112: String = {
        let dir = CLI.temporaryDirectory("detect-model")
        _ = try! CLI.run(["synth", "--out", dir + "/synth", "--size", "112", "--identities", "8", "--images-per-identity", "4", "--seed", "3"])
        let r = try! CLI.run(["train", "--task", "face", "--data", "synth:" + dir + "/synth", "--space", "ir", "--width", "4",
                              "--stages", "1,1,1,1", "--embedding-size", "16", "--epochs", "1", "--batch-size", "16", "--out", dir + "/run"])
        precondition(r.status == 0, "training the fixture model failed: \(r.stderr)")
        return dir + "/run/best.safetensors"
    }()

    /// The three photos plus a blank image, a 1×1 image, a JPEG whose header claims 20000×20000
    /// and a truncated JPEG.
    static func photoFolder(_ name: String) throws -> String {
        let dir = CLI.temporaryDirectory(name) + "/photos"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for n in names { try FileManager.default.copyItem(atPath: photos + "/" + n, toPath: dir + "/" + n) }
        var gray = RGBImage(width: 64, height: 48)
        for i in gray.pixels.indices { gray.pixels[i] = 128 }
        try writeImageFile(gray, to: dir + "/blank.png")
        try writeImageFile(RGBImage(width: 1, height: 1), to: dir + "/tiny.png")
        var jpeg = Array(try Data(contentsOf: URL(fileURLWithPath: photos + "/messi5.jpg")))
        try Data(jpeg.prefix(jpeg.count / 3)).write(to: URL(fileURLWithPath: dir + "/truncated.jpg"))
        if let sof = (0..<(jpeg.count - 9)).first(where: { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) }) {
            for (k, b) in [UInt8(0x4E), 0x20, 0x4E, 0x20].enumerated() { jpeg[sof + 5 + k] = b }  // 20000 × 20000
        }
        try Data(jpeg).write(to: URL(fileURLWithPath: dir + "/huge.jpg"))
        return dir
    }

    @Test func detectListsFacesAndCountsSkips() throws {
        guard Self.available else { return }
        let dir = try Self.photoFolder("detect-cli")
        let out = (dir as NSString).deletingLastPathComponent
        let r = try CLI.run(["detect", "--weights", Self.weights, "--images", dir, "--all-faces", "--out", out + "/lm.txt",
                             "--json", out + "/boxes.json", "--preview", out + "/preview.png"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("huge.jpg") && r.stderr.contains("20000"), "\(r.stderr)")
        #expect(r.stderr.contains("no face: blank.png") && r.stderr.contains("no face: tiny.png"), "\(r.stderr)")
        let entries = try readLandmarkFile(out + "/lm.txt")
        #expect(entries.filter { $0.path == "t1.jpg" }.count == 8)
        #expect(entries.filter { $0.path == "astronaut.png" }.count == 1 && entries.filter { $0.path == "messi5.jpg" }.count == 1)
        #expect(entries.first { $0.path == "t1.jpg" }?.face == 0)
        #expect(FileManager.default.fileExists(atPath: out + "/preview.png"))
        // The file is what `facenas align` reads: one 112×112 crop per face, named photo#k.
        let a = try CLI.run(["align", "--images", dir, "--landmarks", out + "/lm.txt", "--out", out + "/aligned"])
        #expect(a.status == 0 && a.stdout.contains("aligned: \(entries.count) of \(entries.count)"), "\(a.stdout) \(a.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/aligned/t1#3.jpg"))
    }

    @Test func missingWeightsIsOneLine() throws {
        guard Self.available else { return }
        let r = try CLI.run(["detect", "--weights", "/nonexistent/mtcnn", "--images", Self.photos, "--out", "/tmp/never.txt"])
        #expect(r.status != 0)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("make mtcnn-weights"), "\(r.stderr)")
    }

    /// Acceptance 3: one embedding per face named photo.jpg#k; a crop of one face, queried with
    /// --detect, finds that face first.
    @Test func embedAndQueryFromRawPhotos() throws {
        guard Self.available else { return }
        let model = Self.model112
        let dir = try Self.photoFolder("detect-embed")
        let out = (dir as NSString).deletingLastPathComponent
        let e = try CLI.run(["embed", "--detect", "--detector-weights", Self.weights, "--model", model, "--images", dir,
                             "--out", out + "/G.npy", "--save-aligned", out + "/aligned"])
        #expect(e.status == 0, "\(e.stderr)")
        let names = try String(contentsOfFile: out + "/G.names.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(names.count == 10 && names.contains("t1.jpg#7") && names.contains("messi5.jpg#0"), "\(names)")
        #expect(FileManager.default.fileExists(atPath: out + "/aligned/t1#0.png"))
        // A crop around t1.jpg's face #2 (box about 908,62 – 1014,202), with margin.
        let photo = try readImageFile(dir + "/t1.jpg")
        let (x0, y0, cw, ch) = (860, 20, 200, 230)
        var crop = RGBImage(width: cw, height: ch)
        for y in 0..<ch { for x in 0..<cw { for c in 0..<3 { crop.pixels[3 * (y * cw + x) + c] = photo.pixels[3 * ((y0 + y) * photo.width + x0 + x) + c] } } }
        try writeImageFile(crop, to: out + "/crop.png")
        let q = try CLI.run(["query", "--detect", "--detector-weights", Self.weights, "--model", model, "--gallery", out + "/G.npy",
                             "--image", out + "/crop.png", "--top", "3"])
        #expect(q.status == 0, "\(q.stderr)")
        let first = q.stdout.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
        #expect(first.hasSuffix("t1.jpg#2"), "\(q.stdout)")
    }
}
