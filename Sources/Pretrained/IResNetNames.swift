import Search

/// The tensor-name prefixes of each layout against FaceNAS's checkpoint paths, generated from the
/// architecture: (FaceNAS module path, the layout's module path) for every module with tensors.
enum IResNetNames {
    static let branch = ["bn1", "conv_a", "bn2", "prelu", "conv_b", "bn3"]

    static func pairs(_ a: Architecture, layout: IResNetLayout) -> [(path: String, source: String)] {
        let adaface = layout == .adaface
        var out: [(path: String, source: String)] = adaface
            ? [("stem.conv", "input_layer.0"), ("stem.bn", "input_layer.1"), ("stem.prelu", "input_layer.2")]
            : [("stem.conv", "conv1"), ("stem.bn", "bn1"), ("stem.prelu", "prelu")]
        let insightfaceBranch = ["bn1", "conv1", "bn2", "prelu", "conv2", "bn3"]
        for b in IRTemplate.blocks(a) {
            let path = "stages.\(b.stage).\(b.position)"
            let source = adaface ? "body.\(b.index)" : "layer\(b.stage + 1).\(b.position)"
            for (i, name) in branch.enumerated() {
                out.append(("\(path).branch.\(name)", adaface ? "\(source).res_layer.\(i)" : "\(source).\(insightfaceBranch[i])"))
            }
            if b.hasConvShortcut {
                let s = adaface ? "shortcut_layer" : "downsample"
                out += [("\(path).shortcut.conv", "\(source).\(s).0"), ("\(path).shortcut.bn", "\(source).\(s).1")]
            }
        }
        out += adaface
            ? [("head.bn", "output_layer.0"), ("head.fc", "output_layer.3"), ("head.features", "output_layer.4")]
            : [("head.bn", "bn2"), ("head.fc", "fc"), ("head.features", "features")]
        return out
    }

    static func expectation(_ layout: IResNetLayout) -> String {
        layout == .adaface
            ? "input_layer.{0,1,2}, body.N.res_layer.{0..5}, body.N.shortcut_layer.{0,1}, output_layer.{0,3,4}"
            : "conv1, bn1, prelu, layerS.N.{bn1,conv1,bn2,prelu,conv2,bn3,downsample.0,downsample.1}, bn2, fc, features"
    }
}
