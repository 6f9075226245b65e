import NN
import Tensor

/// The authors' plain classification template (paper-algorithm §1): stem 3×3 conv to 2C + BN
/// (no activation), D pre-activation ReLU–Conv–BN layers with channels doubling and stride 2 at
/// layers D/3 and 2D/3, global average pooling, linear classifier. No skips, no dropout.
public enum PlainTemplate {
    public struct BodyLayer: Equatable, Sendable {
        public var index: Int, op: ConvOp, kernel: Int, stride: Int, inChannels: Int, outChannels: Int
    }

    public static func bodyLayers(_ a: Architecture) -> [BodyLayer] {
        var cPrev = 2 * a.width, c = a.width
        var out: [BodyLayer] = []
        for i in 0..<a.depth {
            var s = 1
            if i == a.depth / 3 || i == 2 * a.depth / 3 { c *= 2; s = 2 }
            out.append(BodyLayer(index: i, op: a.ops[i], kernel: a.kernels[i], stride: s, inChannels: cPrev, outChannels: c))
            cPrev = c
        }
        return out
    }

    /// Exact parameter count: weights plus BN γ/β, no running statistics (the authors' counter).
    public static func parameterCount(_ a: Architecture) -> Int {
        let C = a.width
        var p = 9 * a.inChannels * 2 * C + 4 * C
        for l in bodyLayers(a) {
            let k2 = l.kernel * l.kernel
            p += l.op == .separable ? k2 * l.inChannels + l.inChannels * l.outChannels + 2 * l.outChannels
                                    : k2 * l.inChannels * l.outChannels + 2 * l.outChannels
        }
        let last = bodyLayers(a).last?.outChannels ?? 2 * C
        return p + last * a.classes + a.classes
    }

    /// Builds the network with PyTorch-default initialisation drawn from `rng` in layer order.
    /// Checkpoint names: stem.{0,1}, layers.<i>.{0,1,2[,3]}, classifier.
    /// One workspace serves all the convolutions of the network (they run one at a time).
    public static func build(_ a: Architecture, rng: inout RNG, workspace: Workspace = Workspace()) -> Sequential {
        let C = a.width
        let stemConv = Conv2D(a.inChannels, 2 * C, kernel: 3, stride: 1, padding: 1, workspace: workspace)
        stemConv.initialize(.pytorchDefault, rng: &rng)
        let net = Sequential([Sequential([stemConv, BatchNorm(channels: 2 * C)])], names: ["stem"])
        var body: [Layer] = []
        for l in bodyLayers(a) {
            var seq: [Layer] = [ReLU()]
            switch l.op {
            case .separable:
                let dw = DepthwiseConv2D(channels: l.inChannels, kernel: l.kernel, stride: l.stride)
                dw.initialize(.pytorchDefault, rng: &rng)
                let pw = Conv2D(l.inChannels, l.outChannels, kernel: 1, stride: 1, padding: 0, workspace: workspace)
                pw.initialize(.pytorchDefault, rng: &rng)
                seq += [dw, pw]
            case .standard:
                let conv = Conv2D(l.inChannels, l.outChannels, kernel: l.kernel, stride: l.stride, workspace: workspace)
                conv.initialize(.pytorchDefault, rng: &rng)
                seq.append(conv)
            }
            seq.append(BatchNorm(channels: l.outChannels))
            body.append(Sequential(seq))
        }
        net.append(Sequential(body), name: "layers")
        net.append(GlobalAvgPool(), name: "pool")
        let last = bodyLayers(a).last?.outChannels ?? 2 * C
        let fc = Linear(last, a.classes)
        fc.initialize(.pytorchDefault, rng: &rng)
        net.append(fc, name: "classifier")
        return net
    }
}
