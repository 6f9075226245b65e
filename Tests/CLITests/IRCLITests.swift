import Foundation
import Testing

/// `facenas inspect --space ir`: insightface's parameter counts, the stage rule, JSON round trip;
/// `facenas bench --case ir18-embed` runs the reference IR-18.
@Suite(.serialized) struct IRCLITests {
    func lines(_ args: [String]) throws -> [Substring] {
        let r = try CLI.run(["inspect", "--space", "ir"] + args)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return r.stdout.split(separator: "\n")
    }

    @Test(arguments: [("2,2,2,2", "params: 24025600"), ("3,4,6,3", "params: 34139328"), ("3,4,14,3", "params: 43590848")])
    func insightfaceParameterCounts(stages: String, expected: String) throws {
        let out = try lines(["--width", "64", "--stages", stages])
        #expect(out.last.map(String.init) == expected)
        #expect(out.contains { $0.hasPrefix("MACs: ") })
    }

    @Test func ir18TableAndDefaults() throws {
        let out = try lines([])   // defaults: stages 2,2,2,2, width 64, 112x112, all standard 3x3
        #expect(out.last == "params: 24025600")
        #expect(out.contains("MACs: 2609954816 (2609.95M per 112x112 image)"))
        // 16 searchable convs + stem + 4 shortcuts + embedding rows, header, rule and 3 footer lines.
        #expect(out.count == 16 + 6 + 2 + 3)
        let conv1 = out.first { $0.hasPrefix("conv 1 ") }.map(String.init) ?? ""
        #expect(conv1.contains("std") && conv1.contains("3x3") && conv1.contains("56x56"), "\(conv1)")
    }

    @Test func depthUsesTheStageRule() throws {
        #expect(try lines(["--depth", "24"]).last == "params: 43590848")
        let even = try lines(["--depth", "8", "--stage-rule", "even"])
        #expect(even.last == "params: 24025600")
        #expect(even.contains { $0.contains("stages: 2,2,2,2") })
    }

    @Test func savedArchitectureReadsBack() throws {
        let path = CLI.temporaryDirectory("irarch") + "/ir.json"
        let a = try lines(["--stages", "1,2,3,1", "--width", "16", "--std-layers", "0,5", "--k5-layers", "3,13",
                           "--embedding-size", "128", "--dropout", "0.4", "--save-arch", path])
        let b = try CLI.run(["inspect", "--arch", path])
        #expect(b.status == 0)
        #expect(b.stdout.split(separator: "\n").last == a.dropLast().last)   // params line (a ends with "saved:")
        let json = try String(contentsOfFile: path, encoding: .utf8)
        #expect(json.contains("\"embedding_size\" : 128") && json.contains("\"dropout\" : 0.4") && json.contains("\"stages\""))
    }

    @Test func badFlagsAreOneLineErrors() throws {
        let cases: [([String], String)] = [
            (["--stages", "2,2,2"], "--stages 2,2,2: expected 4 block counts a,b,c,d"),
            (["--stages", "2,2,2,2", "--depth", "9"], "--stages 2,2,2,2 sums to 8 but --depth is 9"),
            (["--input-size", "8"], "ir input size 8: must be at least 16"),
            (["--std-layers", "16"], "--std-layers: \"16\" is not a layer index in 0..<16"),
            (["--classes", "10"], "--classes does not apply to --space ir"),
            (["--depth", "3"], "at least 4 blocks"),
        ]
        for (args, message) in cases {
            let r = try CLI.run(["inspect", "--space", "ir"] + args)
            #expect(r.status != 0)
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }

    /// About 10 s: 2 warm-ups and 2 timed batches of 64 at 112x112.
    @Test func benchIR18Embed() throws {
        let r = try CLI.run(["bench", "--case", "ir18-embed", "--iterations", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let arr = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Any]]
        #expect(arr.first?["case"] as? String == "ir18-embed")
        #expect(arr.first?["params"] as? Int == 24_025_600)
        #expect(arr.first?["batch"] as? Int == 64 && arr.first?["iterations"] as? Int == 2)
        #expect((arr.first?["images_per_s"] as? Double ?? 0) > 0)
    }
}
