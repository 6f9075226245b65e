import Datasets
import Metrics
import Foundation
import ImageIO
import Reports
import Search
import Testing

/// `facenas report` over a run folder built with the real commands (synth, train, verify with and
/// without --pixels, identify, embed, query --json, a replayed search), then the page rendered by
/// headless Chromium and checked not to be blank.
@Suite(.serialized) struct RunReportCLITests {
    static func run(_ args: [String]) throws -> CLI.Result {
        let r = try CLI.run(args)
        if r.status != 0 { throw CLIError("facenas \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
        return r
    }

    static func json(_ path: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        return try #require(object as? [String: Any], "\(path) is not a JSON object")
    }

    // JSONDecoder reads doubles exactly (JSONSerialization on Linux does not).
    struct VerifyJSON: Decodable {
        struct Set: Decodable { var name: String, pairs: Int, accuracy: Double, accuracy_std: Double, threshold: Double }
        var sets: [Set]
        var embedding: String?, model: String?
    }
    struct IdentifyJSON: Decodable { var rank1: Double, map: Double }
    struct ReportJSON: Decodable {
        struct Row: Decodable {
            var name: String, pairs: Int, model_accuracy: Double, model_accuracy_std: Double
            var pixel_accuracy: Double?, difference_points: Double?
        }
        struct Verification: Decodable { var sets: [Row] }
        struct Identification: Decodable { var ranks: [String: Double], map: Double }
        struct Timings: Decodable { struct Stage: Decodable { var name: String, seconds: Double? }; var stages: [Stage]; var total_seconds: Double }
        struct Search: Decodable { var candidates: Int, final_line: String?, trajectory: [[String: AnyDecodable]] }
        struct Architecture: Decodable { var role: String, params: Int, macs: Int, per_stage: [[String: Int]]? }
        var headline: String, units: String, not_run: [String]
        var verification: Verification?, identification: Identification?, timings: Timings?, search: Search?
        var architectures: [Architecture]
        var query: QueryResult?
    }
    struct AnyDecodable: Decodable { init(from decoder: Decoder) throws {} }

    static func decode<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func reportOfARealRunFolderRendersInChromium() throws {
        let dir = CLI.temporaryDirectory("run-report")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/synth", r = dir + "/run"
        let bin = data + "/verification/synth.bin"
        _ = try Self.run(["synth", "--out", data, "--size", "32", "--identities", "40", "--images-per-identity", "8", "--seed", "5"])
        _ = try Self.run(["train", "--task", "face", "--data", "synth:" + data, "--space", "ir", "--width", "8", "--stages", "1,1,1,1",
                          "--embedding-size", "32", "--epochs", "2", "--batch-size", "32", "--val", data + "/verification/synth_pose.bin",
                          "--out", r + "/train"])
        let model = r + "/train/best.safetensors"
        _ = try Self.run(["verify", "--model", model, "--bin", bin, "--json", r + "/verify.json", "--plot", r + "/roc.svg"])
        _ = try Self.run(["verify", "--pixels", "--bin", bin, "--json", r + "/verify-pixels.json"])
        _ = try Self.run(["identify", "--model", model, "--tinyface", data + "/tinyface", "--json", r + "/identify.json", "--plot", r + "/cmc.svg"])
        let tiny = try TinyFace(root: data + "/tinyface")
        let galleryFolder = (tiny.galleryMatch[0].path as NSString).deletingLastPathComponent
        _ = try Self.run(["embed", "--model", model, "--images", galleryFolder, "--out", r + "/gallery.npy"])
        let names = try String(contentsOfFile: EmbeddingFiles.namesPath(for: r + "/gallery.npy"), encoding: .utf8).split(separator: "\n")
        let queryImage = galleryFolder + "/" + names[3]
        _ = try Self.run(["query", "--gallery", r + "/gallery.npy", "--model", model, "--image", queryImage, "--top", "3", "--json", r + "/query.json"])
        let fixtures = CLI.packageRoot.appendingPathComponent("Tests/SearchTests/Fixtures").path
        _ = try Self.run(["search", "--in-channels", "3", "--classes", "10", "--max-width", "64",
                          "--scores", fixtures + "/cifar10-tiny.jsonl", "--out", r + "/search"])
        let state = """
        {"pipeline": "report-test", "stages": [
          {"name": "synth", "status": "done", "seconds": 3.25}, {"name": "train", "status": "done", "seconds": 41.5},
          {"name": "verify", "status": "done", "seconds": 2.0}, {"name": "report", "status": "started"}]}
        """
        try Data(state.utf8).write(to: URL(fileURLWithPath: r + "/pipeline-state.json"))

        let out = try Self.run(["report", r])
        for f in ["report.md", "report.json", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: r + "/" + f) && out.stdout.contains("wrote \(r)/\(f)"), "\(out.stdout)")
        }

        // report.json repeats the stage outputs' numbers exactly.
        let report = try Self.decode(ReportJSON.self, r + "/report.json")
        let verify = try Self.decode(VerifyJSON.self, r + "/verify.json"), pixels = try Self.decode(VerifyJSON.self, r + "/verify-pixels.json")
        let identify = try Self.decode(IdentifyJSON.self, r + "/identify.json")
        #expect(verify.embedding == "model" && verify.model == model && pixels.embedding == "raw pixels")
        let row = try #require(report.verification?.sets.first)
        let m = verify.sets[0], p = pixels.sets[0]
        #expect(row.name == "synth" && p.name == "synth" && row.pairs == m.pairs && p.pairs == m.pairs)
        #expect(row.model_accuracy == m.accuracy && row.model_accuracy_std == m.accuracy_std)
        #expect(row.pixel_accuracy == p.accuracy)
        #expect(abs((row.difference_points ?? .nan) - 100 * (m.accuracy - p.accuracy)) < 1e-9)
        let expectedHeadline = "held-out verification (synth): " + String(format: "%.1f%% model vs %.1f%% raw pixels (%+.1f points)",
                                                                          100 * m.accuracy, 100 * p.accuracy, 100 * (m.accuracy - p.accuracy))
        #expect(report.headline == expectedHeadline && out.stdout.contains(expectedHeadline), "\(report.headline)")
        print("run report: \(report.headline); identification rank-1 \(identify.rank1)")
        #expect(report.identification?.ranks["rank1"] == identify.rank1 && report.identification?.map == identify.map)
        #expect(report.timings?.stages.map(\.name) == ["synth", "train", "verify", "report"])
        #expect(report.timings?.stages.map(\.seconds) == [3.25, 41.5, 2.0, nil] && report.timings?.total_seconds == 46.75)
        #expect(report.search?.candidates == 86 && report.search?.trajectory.count == 86)
        #expect(report.search?.final_line == "final: depth=26 width=43 macro-width=46 std=0,2 k5=13,17 candidates=86")
        #expect(report.architectures.map(\.role) == ["searched", "macro width", "trained"])
        #expect(report.architectures[1].params == 466_312)
        let trained = report.architectures[2]
        let stages = try #require(trained.per_stage)
        #expect(stages.count == 4 && stages.map { $0["blocks"] } == [1, 1, 1, 1] && stages.map { $0["width"] } == [8, 16, 32, 64])
        #expect(stages.map { $0["output_size"] } == [16, 8, 4, 2])
        // The stages plus the stem and the embedding head are the whole network.
        let trainedArch = try FaceModel(path: model).architecture
        let rows = ArchitectureSummary.rows(trainedArch), total = ArchitectureSummary.parameterCount(trainedArch)
        let stageParams = stages.reduce(0) { $0 + ($1["params"] ?? 0) }, stageMACs = stages.reduce(0) { $0 + ($1["macs"] ?? 0) }
        #expect(stageParams + rows.first!.params + rows.last!.params == trained.params && trained.params == total)
        #expect(stageMACs + rows.first!.macs + rows.last!.macs == trained.macs)
        #expect(report.query?.top.count == 3 && report.query?.top.first?.name == String(names[3]))
        #expect((report.query?.top.first?.score ?? 0) > 0.9999)
        #expect(report.units == "fractions" && report.not_run.isEmpty, "\(report.not_run)")

        // Self-contained: no script, no external reference beyond the SVG namespace; three plots.
        let html = try String(contentsOfFile: r + "/report.html", encoding: .utf8)
        #expect(!html.lowercased().contains("<script"))
        let external = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!external.contains("http://") && !external.contains("https://") && !external.contains("@font-face"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 3)
        #expect(html.contains(SVGPlot.escape(expectedHeadline)) && html.contains("data:image/"))
        let md = try String(contentsOfFile: r + "/report.md", encoding: .utf8)
        #expect(md.contains(expectedHeadline) && md.contains("| synth | \(m.pairs) |") && md.contains("## Timings per stage"))

        try Self.checkScreenshot(of: r + "/report.html", in: dir)
    }

    @Test func missingPiecesReadNotRunAndMalformedJSONIsOneLine() throws {
        let dir = CLI.temporaryDirectory("run-report-partial")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pixels = """
        {"embedding": "raw pixels", "sets": [{"name": "synth", "pairs": 600, "accuracy": 0.705, "accuracy_std": 0.02, "threshold": 1.2}]}
        """
        try Data(pixels.utf8).write(to: URL(fileURLWithPath: dir + "/verify-pixels.json"))
        let out = try Self.run(["report", dir])
        #expect(out.stdout.contains("verification not run"), "\(out.stdout)")
        let report = try Self.decode(ReportJSON.self, dir + "/report.json")
        #expect(report.verification == nil && report.timings == nil && report.search == nil && report.architectures.isEmpty)
        #expect(report.not_run.count == 7 && report.not_run.contains("verification (verify.json)")
                && !report.not_run.contains { $0.hasPrefix("raw-pixel") }, "\(report.not_run)")
        let md = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(md.components(separatedBy: "not run\n").count - 1 == 7, "\(md)")
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.components(separatedBy: "<p class=\"notrun\">not run</p>").count - 1 == 7)

        try Data("{\"sets\": [{\"name\": \"synth\"".utf8).write(to: URL(fileURLWithPath: dir + "/verify.json"))
        let broken = try CLI.run(["report", dir])
        #expect(broken.status != 0 && broken.stderr.contains("\(dir)/verify.json: not valid JSON"), "\(broken.stderr)")
        try Data("{\"sets\": [{\"name\": \"synth\", \"pairs\": 600}]}".utf8).write(to: URL(fileURLWithPath: dir + "/verify.json"))
        let missing = try CLI.run(["report", dir])
        #expect(missing.stderr.contains("\(dir)/verify.json: missing key \"accuracy\" at sets[0]"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1)
    }

    /// Renders the page at 1200×1600 in headless Chromium and checks the PNG is not blank: at least
    /// 2% of its pixels differ from the background (the top-left pixel) and it has ≥ 20 colours;
    /// and that it is this page, not an error page: the headline box (#eef5fb) and the plots'
    /// first series colour (#1f77b4) are painted.
    static func checkScreenshot(of page: String, in dir: String) throws {
        let candidates = [ProcessInfo.processInfo.environment["FACENAS_CHROMIUM"]].compactMap { $0 }
            + ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/local/bin/chromium"]
        guard let chromium = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Issue.record("chromium not found (looked for \(candidates.joined(separator: ", "))): `make test-deps` installs it")
            return
        }
        let shot = dir + "/report.png"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["60", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(dir)/chromium-profile",
                       "--window-size=1200,1600", "--screenshot=\(shot)", "file://" + page]
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "chromium exited \(p.terminationStatus) (124: timed out after 60 s)")
        let image = try decodePNG([UInt8](Data(contentsOf: URL(fileURLWithPath: shot))))
        #expect(image.width == 1200 && image.height == 1600)
        let background = image[0, 0]
        var differing = 0
        var colours = Set<UInt32>()
        var headlineBox = 0, plotBlue = 0
        for y in 0..<image.height {
            for x in 0..<image.width {
                let c = image[x, y]
                if c != background { differing += 1 }
                let packed = UInt32(c.0) << 16 | UInt32(c.1) << 8 | UInt32(c.2)
                colours.insert(packed)
                if packed == 0xEEF5FB { headlineBox += 1 }
                if packed == 0x1F77B4 { plotBlue += 1 }
            }
        }
        let fraction = Double(differing) / Double(image.width * image.height)
        print("run report screenshot: \(String(format: "%.1f", 100 * fraction))% of pixels off the background, \(colours.count) colours, "
              + "\(headlineBox) headline-box and \(plotBlue) plot-blue pixels")
        #expect(fraction >= 0.02 && colours.count >= 20)
        #expect(headlineBox >= 10_000 && plotBlue >= 100)
    }
}
