import Foundation

/// One row of `facenas inspect`'s per-layer table.
public struct LayerRow: Equatable, Sendable {
    public var name: String, op: String, kernel: Int, stride: Int
    public var inChannels: Int, outChannels: Int, outputSize: Int
    public var params: Int, macs: Int
}

/// Analytic per-layer parameters and multiply-accumulates (per image) of an architecture of
/// either space. MACs count convolutions and the classifier (ir: the embedding linear); BN,
/// activations and pooling are not counted.
public enum ArchitectureSummary {
    public static func rows(_ a: Architecture) -> [LayerRow] {
        a.ir != nil ? IRSummary.rows(a) : plainRows(a)
    }

    static func plainRows(_ a: Architecture) -> [LayerRow] {
        var rows: [LayerRow] = []
        let C = a.width
        var s = a.inputSize
        rows.append(LayerRow(name: "stem", op: "conv+bn", kernel: 3, stride: 1, inChannels: a.inChannels, outChannels: 2 * C,
                             outputSize: s, params: 9 * a.inChannels * 2 * C + 4 * C, macs: s * s * 9 * a.inChannels * 2 * C))
        for l in PlainTemplate.bodyLayers(a) {
            let k2 = l.kernel * l.kernel
            s = (s + 2 * (l.kernel / 2) - l.kernel) / l.stride + 1
            let (p, m): (Int, Int) = l.op == .separable
                ? (k2 * l.inChannels + l.inChannels * l.outChannels + 2 * l.outChannels, s * s * (k2 * l.inChannels + l.inChannels * l.outChannels))
                : (k2 * l.inChannels * l.outChannels + 2 * l.outChannels, s * s * k2 * l.inChannels * l.outChannels)
            rows.append(LayerRow(name: "layer \(l.index)", op: l.op.name, kernel: l.kernel, stride: l.stride,
                                 inChannels: l.inChannels, outChannels: l.outChannels, outputSize: s, params: p, macs: m))
        }
        let last = rows.last!.outChannels
        rows.append(LayerRow(name: "classifier", op: "pool+linear", kernel: 1, stride: 1, inChannels: last, outChannels: a.classes,
                             outputSize: 1, params: last * a.classes + a.classes, macs: last * a.classes))
        return rows
    }

    public static func parameterCount(_ a: Architecture) -> Int { rows(a).reduce(0) { $0 + $1.params } }
    public static func macs(_ a: Architecture) -> Int { rows(a).reduce(0) { $0 + $1.macs } }

    /// The table `facenas inspect` prints, ending with `params: N` and `MACs: N`.
    public static func table(_ a: Architecture) -> String {
        let header = ["layer", "op", "kernel", "stride", "in", "out", "size", "params", "MACs"]
        var lines = [header]
        for r in rows(a) {
            lines.append([r.name, r.op, "\(r.kernel)x\(r.kernel)", "\(r.stride)", "\(r.inChannels)", "\(r.outChannels)",
                          "\(r.outputSize)x\(r.outputSize)", grouped(r.params), grouped(r.macs)])
        }
        let widths = header.indices.map { i in lines.map { $0[i].count }.max()! }
        var out = lines.map { row in
            row.enumerated().map { i, v in i <= 1 ? v.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                                               : String(repeating: " ", count: widths[i] - v.count) + v }
                .joined(separator: "  ")
        }
        out.insert(String(repeating: "-", count: out[0].count), at: 1)
        if a.ir != nil {
            out.append("space: ir  depth: \(a.depth)  stages: \(list(a.stages ?? []))  width: \(a.width)  embedding: \(a.embeddingSize ?? 512)"
                       + "  dropout: \(a.dropout ?? 0)  std: \(list(a.standardLayers))  k5: \(list(a.k5Layers))")
            if a.shortcut == .pool || a.embeddingAffine == false {
                out.append("shortcut: \(a.shortcut == .pool ? "1x1 max-pool where channels agree (AdaFace)" : "conv")"
                           + "  embedding BN: \(a.embeddingAffine == false ? "no affine parameters (AdaFace)" : "gamma held at 1, beta trained")")
            }
        } else {
            out.append("space: \(a.space.rawValue)  depth: \(a.depth)  width: \(a.width)  std: \(list(a.standardLayers))  k5: \(list(a.k5Layers))")
        }
        out.append("MACs: \(macs(a)) (\(String(format: "%.2f", Double(macs(a)) / 1e6))M per \(a.inputSize)x\(a.inputSize) image)")
        out.append("params: \(parameterCount(a))")
        return out.joined(separator: "\n")
    }

    /// Layer indices as the CLI spells them: `0,2,13`, or `-` for none.
    public static func list(_ v: [Int]) -> String { v.isEmpty ? "-" : v.map(String.init).joined(separator: ",") }

    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }
}
