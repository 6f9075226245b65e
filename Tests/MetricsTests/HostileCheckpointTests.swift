import Foundation
import Metrics
import NN
import Search
import Tensor
import TestSupport
import Testing

/// A checkpoint's architecture is text in its metadata. Before a network is built from it, it
/// must be within the architecture limits and fit in the file, so an edited header cannot make
/// `verify`, `embed` or `export` allocate gigabytes first and fail after (issue #18).
@Suite struct HostileCheckpointTests {
    /// A real width-4 IR checkpoint whose metadata then claims `claimed`.
    func checkpoint(claiming claimed: String, in dir: String) throws -> String {
        let a = Architecture(irStages: [1, 1, 1, 1], width: 4, inputSize: 32, embeddingSize: 16)
        var rng = RNG(seed: 1)
        let net = NetworkBuilder.build(a, rng: &rng)
        let path = dir + "/m.safetensors"
        try Checkpoint.save(CheckpointEntries(net, prefix: FaceModel.backbonePrefix), optimizerState: false,
                            metadata: ["architecture": claimed, "task": "face"], to: path)
        return path
    }

    @Test func architecturesBeyondTheLimitsOrTheFileAreOneLine() throws {
        let dir = temporaryDirectory("hostile-ckpt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let wide = try Architecture(irStages: [1, 1, 1, 1], width: 512, inputSize: 32, embeddingSize: 16).jsonString()
        let cases: [(String, String)] = [
            // Within the limits, consistent, but 10^8 parameters cannot be in a file of a few kB.
            (wide, "parameters, more than the"),
            (wide.replacingOccurrences(of: "\"width\" : 512", with: "\"width\" : 100000"), "width 100000: at most 4096"),
            (wide.replacingOccurrences(of: "\"input_size\" : 32", with: "\"input_size\" : 1000000"), "input size 1000000: at most 1024"),
            (wide.replacingOccurrences(of: "\"stages\" : [\n    1,\n    1,\n    1,\n    1\n  ]", with: "\"stages\" : [1000000, 1, 1, 1]"),
             "ir stages 1000000,1,1,1"),
            ("[[[[[[[[", "not a valid architecture JSON"),
        ]
        for (claimed, phrase) in cases {
            let path = try checkpoint(claiming: claimed, in: dir)
            #expect {
                _ = try FaceModel(path: path)
            } throws: { error in
                let m = "\(error)"
                return m.hasPrefix(path) && m.contains(phrase) && !m.contains("\n")
            }
        }
        // The honest metadata loads.
        let honest = try Architecture(irStages: [1, 1, 1, 1], width: 4, inputSize: 32, embeddingSize: 16).jsonString()
        #expect(try FaceModel(path: checkpoint(claiming: honest, in: dir)).architecture.width == 4)
    }
}
