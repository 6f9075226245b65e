/// The per-layer rows of an ir architecture for `facenas inspect`: the stem, every searchable
/// conv with the BN/PReLU that follow it (conv_a also carries the block's leading BN), every
/// conv shortcut, and the embedding head. Their sums are the exact parameter count and MACs.
enum IRSummary {
    static func rows(_ a: Architecture) -> [LayerRow] {
        let W = a.width, S = a.inputSize
        var rows = [LayerRow(name: "stem", op: "conv+bn+prelu", kernel: 3, stride: 1, inChannels: a.inChannels, outChannels: W,
                             outputSize: S, params: 9 * a.inChannels * W + 3 * W, macs: S * S * 9 * a.inChannels * W)]
        let blocks = IRTemplate.blocks(a)
        for c in IRTemplate.convs(a) {
            let b = blocks[c.block]
            let p = c.outChannels
            // conv_a: BN(in) before it, BN(p) and PReLU(p) after; conv_b: BN(p) after.
            let extra = c.slot == .first ? 2 * c.inChannels + 3 * p : 2 * p
            rows.append(LayerRow(name: "conv \(c.index) s\(c.stage).\(b.position).\(c.slot.rawValue)", op: c.op.name,
                                 kernel: c.kernel, stride: c.stride, inChannels: c.inChannels, outChannels: p,
                                 outputSize: c.outputSize, params: c.parameterCount + extra, macs: c.macs))
            if c.slot == .second && b.hasConvShortcut {
                let o = b.outputSize
                rows.append(LayerRow(name: "shortcut s\(b.stage).\(b.position)", op: "conv+bn", kernel: 1, stride: b.stride,
                                     inChannels: b.inChannels, outChannels: p, outputSize: o,
                                     params: b.inChannels * p + 2 * p, macs: o * o * b.inChannels * p))
            } else if c.slot == .second && b.hasPoolShortcut {
                rows.append(LayerRow(name: "shortcut s\(b.stage).\(b.position)", op: "maxpool", kernel: 1, stride: b.stride,
                                     inChannels: b.inChannels, outChannels: p, outputSize: b.outputSize, params: 0, macs: 0))
            }
        }
        let F = IRTemplate.flattenedFeatures(a), E = a.embeddingSize ?? 512
        let featuresBN = a.embeddingAffine == false ? 0 : 2 * E
        rows.append(LayerRow(name: "embedding", op: "bn+fc+bn", kernel: 1, stride: 1, inChannels: F, outChannels: E,
                             outputSize: 1, params: 2 * 8 * W + F * E + E + featuresBN, macs: F * E))
        return rows
    }
}
