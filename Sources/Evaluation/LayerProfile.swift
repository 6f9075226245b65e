import Foundation
import NN
import Tensor

/// Per-layer forward and backward time of one training step, for `bench --verbose`.
/// Sequentials are expanded into their layers (running those in turn is the same computation);
/// other containers, such as residual blocks, are timed as one unit.
public enum LayerProfile {
    public struct Row: Codable, Sendable {
        public var name: String, summary: String
        public var forwardSeconds: Double, backwardSeconds: Double
        enum CodingKeys: String, CodingKey {
            case name, summary
            case forwardSeconds = "forward_s", backwardSeconds = "backward_s"
        }
    }

    public static func units(_ layer: Layer, prefix: String = "") -> [(String, Layer)] {
        if let s = layer as? Sequential {
            return s.children.flatMap { units($0.layer, prefix: prefix.isEmpty ? $0.name : prefix + "." + $0.name) }
        }
        return [(prefix, layer)]
    }

    /// Median over `iterations` of each unit's forward and backward time in a training step.
    public static func run(_ network: Layer, input: Tensor, labels: [Int32], iterations: Int) -> [Row] {
        let us = units(network)
        let loss = SoftmaxCrossEntropy()
        var fwd = Array(repeating: [Double](), count: us.count), bwd = fwd
        for it in 0..<(iterations + 1) {
            var h = input
            for (i, u) in us.enumerated() {
                let t = DispatchTime.now().uptimeNanoseconds
                h = u.1.forward(h, training: true)
                if it > 0 { fwd[i].append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9) }
            }
            _ = loss.forward(h, labels: labels)
            var g = loss.backward()
            for (i, u) in us.enumerated().reversed() {
                let t = DispatchTime.now().uptimeNanoseconds
                g = u.1.backward(g)
                if it > 0 { bwd[i].append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9) }
            }
            network.zeroGradients()
        }
        return us.indices.map { Row(name: us[$0].0, summary: us[$0].1.summary, forwardSeconds: Benchmark.median(fwd[$0]),
                                    backwardSeconds: Benchmark.median(bwd[$0])) }
    }

    public static func table(_ rows: [Row]) -> String {
        let total = rows.reduce(0) { $0 + $1.forwardSeconds + $1.backwardSeconds }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var lines = ["  " + pad("layer", 16) + " " + pad("op", 26) + "    fwd ms    bwd ms  share"]
        for r in rows {
            lines.append("  " + pad(r.name, 16) + " " + pad(r.summary, 26) + String(format: " %9.3f %9.3f %5.1f%%",
                         1e3 * r.forwardSeconds, 1e3 * r.backwardSeconds, 100 * (r.forwardSeconds + r.backwardSeconds) / max(total, 1e-12)))
        }
        lines.append(String(format: "  total %.3f ms per step (layers only; optimiser step excluded)", 1e3 * total))
        return lines.joined(separator: "\n")
    }
}
