import Foundation
import Search
import Testing

@Suite struct IRArchitectureJSONTests {
    static let sample = Architecture(irStages: [1, 2, 3, 1], width: 16, inputSize: 64, embeddingSize: 128, dropout: 0.4,
                                     ops: (0..<14).map { $0 % 3 == 0 ? .separable : .standard },
                                     kernels: (0..<14).map { $0 % 4 == 1 ? 5 : 3 })

    @Test func roundTripsExactly() throws {
        let data = try Self.sample.jsonData()
        let b = try Architecture.decode(data, source: "mem")
        #expect(b == Self.sample)
        #expect(try b.jsonData() == data)
        let obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(obj["space"] as? String == "ir" && obj["classes"] as? Int == 0 && obj["embedding_size"] as? Int == 128)
        let layers = obj["layers"] as! [[String: Any]]
        #expect(layers.count == 14)
        // Block 1 is stage 1's first block: its second conv (entry 3) carries the stride.
        #expect(layers[3]["block"] as? Int == 1 && layers[3]["stage"] as? Int == 1 && layers[3]["conv"] as? String == "b")
        #expect(layers[3]["stride"] as? Int == 2 && layers[3]["in"] as? Int == 32 && layers[3]["kernel"] as? Int == 3)
        #expect(layers[2]["in"] as? Int == 16 && layers[2]["out"] as? Int == 32 && layers[2]["op"] as? String == "std")
    }

    /// The plain JSON keeps its exact key set (no ir fields appear).
    @Test func plainJSONHasNoIRFields() throws {
        let a = Architecture(inChannels: 1, classes: 10, inputSize: 28, depth: 6, width: 8)
        let obj = try JSONSerialization.jsonObject(with: a.jsonData()) as! [String: Any]
        #expect(Set(obj.keys) == ["space", "in_channels", "classes", "input_size", "depth", "width", "ops", "kernels", "layers"])
    }

    @Test func missingDefaultsAndBadFields() throws {
        var obj = try JSONSerialization.jsonObject(with: Self.sample.jsonData()) as! [String: Any]
        func decode() throws -> Architecture { try Architecture.decode(JSONSerialization.data(withJSONObject: obj), source: "ir.json") }
        func message() -> String { do { _ = try decode(); return "accepted" } catch { return "\(error)" } }
        obj.removeValue(forKey: "embedding_size"); obj.removeValue(forKey: "dropout"); obj.removeValue(forKey: "layers")
        let d = try decode()
        #expect(d.embeddingSize == 512 && d.dropout == 0)
        obj["stages"] = [1, 2, 2, 1]
        #expect(message() == "ir.json: ir stages 1,2,2,1 sum to 6, not depth 7")
        obj["stages"] = [0, 3, 3, 1]
        #expect(message() == "ir.json: ir stages 0,3,3,1: every stage needs at least 1 block")
        obj["stages"] = [1, 2, 3, 1]; obj["input_size"] = 8
        #expect(message() == "ir.json: ir input size 8: must be at least 16 (four stride-2 stages)")
        obj["input_size"] = 64; obj["kernels"] = Array(repeating: 3, count: 13) + [7]
        #expect(message() == "ir.json: conv 13: kernel 7 (expected 3 or 5 in the ir space)")
        obj["kernels"] = Array(repeating: 3, count: 7)
        #expect(message() == "ir.json: 7 kernels for 7 ir blocks (expected 14, 2 per block)")
        obj["kernels"] = Array(repeating: 3, count: 14); obj["classes"] = 10
        #expect(message() == "ir.json: classes is unused in the ir space and must be 0, got 10")
        obj["classes"] = 0; obj.removeValue(forKey: "stages")
        #expect(message() == "ir.json: missing field \"stages\"")
        obj["stages"] = [1, 2, 3, 1]; obj["width"] = 17
        obj["layers"] = try (JSONSerialization.jsonObject(with: Self.sample.jsonData()) as! [String: Any])["layers"]
        #expect(message().contains("per-layer table disagrees with depth/width/stages/ops/kernels"))
    }
}
