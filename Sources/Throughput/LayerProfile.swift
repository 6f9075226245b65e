import Foundation
import Kernels
import NN
import Tensor

/// Per-layer forward and backward time of one training step, for `bench --verbose`.
/// Sequentials and residual blocks are opened down to their leaf layers (running those in turn,
/// and adding a residual's two paths, is the same computation as the container's own pass); the
/// residual sum gets a row of its own, named `<block>.add`.
public enum LayerProfile {
    public struct Row: Codable, Sendable {
        public var name: String, summary: String
        public var forwardSeconds: Double, backwardSeconds: Double
        enum CodingKeys: String, CodingKey {
            case name, summary
            case forwardSeconds = "forward_s", backwardSeconds = "backward_s"
        }
    }

    /// Median over `iterations` of each unit's forward and backward time in a training step; the
    /// loss head (softmax cross-entropy unless given) gets a row of its own, `head`.
    public static func run(_ network: Layer, input: Tensor, labels: [Int32], head: LossHead = SoftmaxCrossEntropy(),
                           iterations: Int) -> [Row] {
        let clock = Clock()
        for it in 0..<(iterations + 1) {
            clock.recording = it > 0
            let h = clock.forward(network, input, name: "")
            let dh = clock.head(head, h, labels: labels)
            _ = clock.backward(network, dh, name: "")
            network.zeroGradients()
            for p in head.parameters { p.grad.zero() }
        }
        return clock.order.map { n in
            Row(name: n, summary: clock.summaries[n] ?? "", forwardSeconds: Throughput.median(clock.forwardTimes[n] ?? [0]),
                backwardSeconds: Throughput.median(clock.backwardTimes[n] ?? [0]))
        }
    }

    /// Walks a network as its containers would, timing each leaf and each residual sum.
    private final class Clock {
        var recording = false
        var order: [String] = [], summaries: [String: String] = [:]
        var forwardTimes: [String: [Double]] = [:], backwardTimes: [String: [Double]] = [:]
        private var sums: [String: Buffer] = [:]

        private func timed(_ name: String, summary: String, backward: Bool, _ body: () -> Tensor) -> Tensor {
            if summaries[name] == nil { summaries[name] = summary; order.append(name) }
            let t = DispatchTime.now().uptimeNanoseconds
            let y = body()
            if recording {
                let s = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
                if backward { backwardTimes[name, default: []].append(s) } else { forwardTimes[name, default: []].append(s) }
            }
            return y
        }

        private func child(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }

        private func sum(_ a: Tensor, _ b: Tensor, name: String, backward: Bool) -> Tensor {
            timed(name + ".add", summary: "residual add", backward: backward) {
                var buffer = sums[name + (backward ? "/b" : "/f")] ?? Buffer()
                let y = buffer.tensor(a.shape)
                sums[name + (backward ? "/b" : "/f")] = buffer
                Kernels.add(a.data, b.data, count: y.count, y: y.data)
                return y
            }
        }

        /// The loss head's forward and backward, timed as one row.
        func head(_ head: LossHead, _ h: Tensor, labels: [Int32]) -> Tensor {
            _ = timed("head", summary: head.summary, backward: false) {
                _ = head.forward(h, labels: labels, training: true)
                return h
            }
            return timed("head", summary: head.summary, backward: true) { head.backward(scale: 1) }
        }

        func forward(_ layer: Layer, _ x: Tensor, name: String) -> Tensor {
            if let s = layer as? Sequential {
                return s.children.reduce(x) { forward($1.layer, $0, name: child(name, $1.name)) }
            }
            if let r = layer as? Residual {
                let b = forward(r.branch, x, name: child(name, "branch"))
                let s = r.shortcut.map { forward($0, x, name: child(name, "shortcut")) } ?? x
                return sum(b, s, name: name, backward: false)
            }
            return timed(name, summary: layer.summary, backward: false) { layer.forward(x, training: true) }
        }

        func backward(_ layer: Layer, _ dy: Tensor, name: String) -> Tensor {
            if let s = layer as? Sequential {
                return s.children.reversed().reduce(dy) { backward($1.layer, $0, name: child(name, $1.name)) }
            }
            if let r = layer as? Residual {
                let db = backward(r.branch, dy, name: child(name, "branch"))
                let ds = r.shortcut.map { backward($0, dy, name: child(name, "shortcut")) } ?? dy
                return sum(db, ds, name: name, backward: true)
            }
            return timed(name, summary: layer.summary, backward: true) { layer.backward(dy) }
        }
    }

    public static func table(_ rows: [Row]) -> String {
        let total = rows.reduce(0) { $0 + $1.forwardSeconds + $1.backwardSeconds }
        let width = max(16, rows.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var lines = ["  " + pad("layer", width) + " " + pad("op", 26) + "    fwd ms    bwd ms  share"]
        for r in rows {
            lines.append("  " + pad(r.name, width) + " " + pad(r.summary, 26) + String(format: " %9.3f %9.3f %5.1f%%",
                         1e3 * r.forwardSeconds, 1e3 * r.backwardSeconds, 100 * (r.forwardSeconds + r.backwardSeconds) / max(total, 1e-12)))
        }
        lines.append(String(format: "  total %.3f ms per step (layers only; optimiser step excluded)", 1e3 * total))
        return lines.joined(separator: "\n")
    }
}
