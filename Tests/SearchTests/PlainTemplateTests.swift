import Foundation
import NN
import Search
import Tensor
import Testing

@Suite struct PlainTemplateTests {
    static func arch(_ inC: Int, _ classes: Int, depth: Int, width: Int, std: [Int], k5: [Int], size: Int = 32) -> Architecture {
        var ops = Array(repeating: ConvOp.separable, count: depth), ks = Array(repeating: 3, count: depth)
        for i in std { ops[i] = .standard }
        for i in k5 { ks[i] = 5 }
        return Architecture(inChannels: inC, classes: classes, inputSize: size, depth: depth, width: width, ops: ops, kernels: ks)
    }

    /// The four final models of paper-algorithm §9a, recomputed from the authors' logs.
    @Test func authorsParameterCounts() {
        let cases: [(Architecture, Int)] = [
            (Self.arch(3, 10, depth: 26, width: 46, std: [0, 2], k5: [13, 17]), 466_312),          // CIFAR-10 tiny
            (Self.arch(3, 10, depth: 21, width: 102, std: [0, 1, 5, 8, 13], k5: []), 2_490_340),  // CIFAR-10 mobile
            (Self.arch(1, 10, depth: 18, width: 54, std: [1, 5, 9], k5: [8]), 508_258),           // Fashion-MNIST tiny
            (Self.arch(1, 10, depth: 18, width: 50, std: [2, 10], k5: [17]), 419_660),            // KMNIST tiny
        ]
        for (a, expected) in cases {
            #expect(PlainTemplate.parameterCount(a) == expected)
            #expect(ArchitectureSummary.parameterCount(a) == expected)
        }
    }

    /// The built network holds exactly the counted parameters and does the counted MACs, for odd
    /// widths, 5×5 and standard layers, and depths whose stride layers fall differently.
    @Test(arguments: [(10, 17, [0], [3]), (11, 9, [2, 5], [0, 10]), (13, 21, [], [12]), (12, 32, [4], [])])
    func builtNetworkMatchesCounters(depth: Int, width: Int, std: [Int], k5: [Int]) {
        let a = Self.arch(3, 7, depth: depth, width: width, std: std, k5: k5, size: 28)
        var rng = RNG(seed: 1)
        let net = PlainTemplate.build(a, rng: &rng)
        #expect(net.parameterCount == PlainTemplate.parameterCount(a))
        #expect(net.macs([3, 28, 28]) == ArchitectureSummary.macs(a))
        #expect(net.outputShape([2, 3, 28, 28]) == [2, 7])
        // Stride-2 layers are exactly D/3 and 2D/3.
        let strided = PlainTemplate.bodyLayers(a).filter { $0.stride == 2 }.map(\.index)
        #expect(strided == [depth / 3, 2 * depth / 3])
        // Running statistics are state, not parameters: 3 BN tensors per BN layer.
        #expect(net.namedState().count == 3 * (depth + 1))
    }

    @Test func architectureJSONRoundTripsExactly() throws {
        let a = Self.arch(1, 10, depth: 18, width: 54, std: [1, 5, 9], k5: [8], size: 28)
        let data = try a.jsonData()
        let b = try Architecture.decode(data, source: "mem")
        #expect(a == b)
        #expect(try b.jsonData() == data)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"space\" : \"plain\""))
        #expect(text.contains("\"layers\""))
    }

    @Test func badArchitectureJSONIsAClearError() throws {
        let a = Self.arch(1, 10, depth: 4, width: 8, std: [], k5: [])
        var obj = try JSONSerialization.jsonObject(with: a.jsonData()) as! [String: Any]
        obj["kernels"] = [3, 3, 4, 3]
        var d = try JSONSerialization.data(withJSONObject: obj)
        #expect(throws: ArchitectureError.self) { try Architecture.decode(d, source: "a.json") }
        do { _ = try Architecture.decode(d, source: "a.json") } catch { #expect("\(error)" == "a.json: layer 2: kernel 4 (expected 3, 5 or 7)") }
        obj["kernels"] = [3, 3, 3, 3]; obj["width"] = 9
        d = try JSONSerialization.data(withJSONObject: obj)
        do { _ = try Architecture.decode(d, source: "a.json"); Issue.record("accepted a stale layer table") } catch {
            #expect("\(error)".contains("per-layer table disagrees"))
        }
        obj.removeValue(forKey: "depth")
        d = try JSONSerialization.data(withJSONObject: obj)
        do { _ = try Architecture.decode(d, source: "a.json"); Issue.record("accepted a missing field") } catch {
            #expect("\(error)" == "a.json: missing field \"depth\"")
        }
    }

    @Test func inspectTableEndsWithParameterLine() {
        let a = Self.arch(3, 10, depth: 26, width: 46, std: [0, 2], k5: [13, 17])
        let t = ArchitectureSummary.table(a)
        #expect(t.hasSuffix("params: 466312"))
        #expect(t.split(separator: "\n").count == 26 + 2 + 2 + 3)
    }
}
