import Foundation
@testable import Pretrained
import Search
import Testing

/// Recognition from names and shapes alone, on state dicts made here (no PyTorch needed): the
/// architecture read back, and one line naming the first key that cannot be placed.
@Suite struct IResNetRecognitionTests {
    /// A full state dict of `a` in `layout`'s names, every tensor of the right shape.
    static func stateDict(_ a: Architecture, layout: IResNetLayout, prefix: String = "") -> SourceStateDict {
        var d = SourceStateDict()
        let W = a.width
        func conv(_ k: String, _ o: Int, _ i: Int, _ s: Int) { d.set(prefix + k + ".weight", SourceTensor(shape: [o, i, s, s], values: .init(repeating: 0.01, count: o * i * s * s))) }
        func bn(_ k: String, _ c: Int, affine: Bool = true) {
            if affine { for p in ["weight", "bias"] { d.set(prefix + k + "." + p, SourceTensor(shape: [c], values: .init(repeating: 1, count: c))) } }
            for p in ["running_mean", "running_var"] { d.set(prefix + k + "." + p, SourceTensor(shape: [c], values: .init(repeating: 1, count: c))) }
            d.set(prefix + k + ".num_batches_tracked", SourceTensor(shape: [], values: [7]))
        }
        func prelu(_ k: String, _ c: Int) { d.set(prefix + k + ".weight", SourceTensor(shape: [c], values: .init(repeating: 0.25, count: c))) }
        for (path, source) in IResNetNames.pairs(a, layout: layout) {
            let block = IRTemplate.blocks(a).first { path.hasPrefix("stages.\($0.stage).\($0.position).") }
            switch path {
            case "stem.conv": conv(source, W, 3, 3)
            case "stem.bn": bn(source, W)
            case "stem.prelu": prelu(source, W)
            case "head.bn": bn(source, 8 * W)
            case "head.fc":
                let f = IRTemplate.flattenedFeatures(a), e = a.embeddingSize!
                d.set(prefix + source + ".weight", SourceTensor(shape: [e, f], values: .init(repeating: 0.01, count: e * f)))
                d.set(prefix + source + ".bias", SourceTensor(shape: [e], values: .init(repeating: 0, count: e)))
            case "head.features": bn(source, a.embeddingSize!, affine: a.embeddingAffine!)
            default:
                let b = block!
                if path.hasSuffix("branch.bn1") { bn(source, b.inChannels) }
                else if path.hasSuffix("conv_a") { conv(source, b.outChannels, b.inChannels, a.kernels[2 * b.index]) }
                else if path.hasSuffix("conv_b") { conv(source, b.outChannels, b.outChannels, a.kernels[2 * b.index + 1]) }
                else if path.hasSuffix("prelu") { prelu(source, b.outChannels) }
                else if path.hasSuffix("shortcut.conv") { conv(source, b.outChannels, b.inChannels, 1) }
                else { bn(source, b.outChannels) }
            }
        }
        return d
    }

    static let small = Architecture(irStages: [1, 2, 1, 1], width: 4, inputSize: 32, embeddingSize: 8,
                                    kernels: [3, 5, 3, 3, 5, 5, 3, 3, 3, 5])

    @Test func insightfaceArchitectureIsReadBack() throws {
        let r = try IResNetRecognition.recognise(Self.stateDict(Self.small, layout: .insightface), file: "m.pth", layout: nil)
        #expect(r.layout == .insightface && r.architecture == Self.small)
        #expect(r.sources["stages.1.1.branch.conv_b.weight"] == "layer2.1.conv2.weight")
        #expect(r.sources["head.features.weight"] == "features.weight")
    }

    @Test func adafaceUnderLightningPrefixesIsReadBack() throws {
        let a = Architecture(irStages: [2, 1, 1, 1], width: 4, inputSize: 32, embeddingSize: 8, dropout: 0.4, shortcut: .pool, embeddingAffine: false)
        var d = Self.stateDict(a, layout: .adaface, prefix: "model.")
        d.set("head.kernel", SourceTensor(shape: [8, 5], values: .init(repeating: 0, count: 40)))
        let r = try IResNetRecognition.recognise(d, file: "m.ckpt", layout: .adaface)
        #expect(r.architecture == a && r.layout == .adaface)
        #expect(r.skipped.map(\.key) == ["head.kernel"])
        #expect(r.sources["stages.0.1.branch.bn1.weight"] == "model.body.1.res_layer.0.weight")
        #expect(r.sources["stages.0.0.shortcut.conv.weight"] == nil)
    }

    @Test func errorsNameTheKey() throws {
        var extra = Self.stateDict(Self.small, layout: .insightface)
        extra.set("layer3.0.se.fc.weight", SourceTensor(shape: [2], values: [0, 0]))
        #expect(message { try IResNetRecognition.recognise(extra, file: "m.pth", layout: nil) }
                .hasPrefix("m.pth: key layer3.0.se.fc.weight: not part of an insightface IResNet with stages 1,2,1,1"))

        var seven = Self.stateDict(Self.small, layout: .insightface)
        seven.set("layer1.0.conv2.weight", SourceTensor(shape: [4, 4, 7, 7], values: .init(repeating: 0, count: 784)))
        #expect(message { try IResNetRecognition.recognise(seven, file: "m.pth", layout: nil) }
                == "m.pth: key layer1.0.conv2.weight: a 7×7 kernel; the ir space holds 3×3 and 5×5")

        #expect(message { try IResNetRecognition.recognise(Self.stateDict(Self.small, layout: .insightface), file: "m.pth", layout: .adaface) }
                == "m.pth: --layout adaface, but the keys are insightface's (conv1.weight)")

        var none = SourceStateDict()
        none.set("encoder.weight", SourceTensor(shape: [1], values: [0]))
        #expect(message { try IResNetRecognition.recognise(none, file: "x.pth", layout: nil) }
                == "x.pth: no IResNet stem: expected the key conv1.weight (insightface) or input_layer.0.weight (AdaFace, also under model.); its first key is encoder.weight")

        var gap = Self.stateDict(Self.small, layout: .insightface)
        let keys = gap.keys.filter { !$0.hasPrefix("layer4.") }
        var cut = SourceStateDict()
        for k in keys { cut.set(k, gap[k]!) }
        gap = cut
        #expect(message { try IResNetRecognition.recognise(gap, file: "m.pth", layout: nil) } == "m.pth: stage 4 has no block: expected layer4.0.conv1.weight")
    }

    /// A key missing for a recognised network: the import names the key it needed.
    @Test func aMissingTensorIsNamed() throws {
        let full = Self.stateDict(Self.small, layout: .insightface)
        var d = SourceStateDict()
        for k in full.keys where k != "layer2.1.bn3.running_var" { d.set(k, full[k]!) }
        let r = try IResNetRecognition.recognise(d, file: "m.pth", layout: nil)
        let origin = ImportOrigin(file: "m.pth", sha256: "", format: "pytorch-zip", layout: "insightface", channelOrder: "RGB",
                                  normalization: "", producer: nil, skippedKeys: [])
        #expect(message { try ImportedModel(recognised: r, dict: d, file: "m.pth", bgr: false, origin: origin) }
                == "m.pth: no key layer2.1.bn3.running_var: the insightface IResNet with stages 1,2,1,1 needs it for stages.1.1.branch.bn3.running_var")
        let whole = try IResNetRecognition.recognise(full, file: "m.pth", layout: nil)
        let ok = try ImportedModel(recognised: whole, dict: full, file: "m.pth", bgr: false, origin: origin)
        #expect(ok.parameterCount == IRTemplate.parameterCount(Self.small))
    }

    /// FIPS 180-4's test vectors, including one that spans two blocks and one of 1,000,000 bytes.
    @Test func sha256KnownAnswers() {
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(of: [UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }
}
