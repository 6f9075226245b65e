import Search

/// An IResNet recognised in a state dict: its architecture, its layout, and for every FaceNAS
/// checkpoint path (relative to the backbone) the source key holding its values.
public struct RecognisedIResNet: Sendable {
    public var architecture: Architecture
    public var layout: IResNetLayout
    /// FaceNAS tensor path ("stages.0.1.branch.conv_a.weight") → the file's own key.
    public var sources: [String: String]
    /// Keys left out on purpose, with the reason (a training head is not part of a backbone).
    public var skipped: [(key: String, reason: String)]
}

/// Reads the architecture of an insightface or AdaFace IResNet from its tensor names and shapes,
/// then pairs every FaceNAS tensor with a key of the file. Nothing is guessed: a key that no
/// FaceNAS tensor takes, or a FaceNAS tensor no key fills, is an error naming it.
public enum IResNetRecognition {
    /// `shortcut` overrides the layout's shortcut kind (an ONNX graph says which it uses).
    public static func recognise(_ dict: SourceStateDict, file: String, layout requested: IResNetLayout?,
                                 shortcut: IRShortcut? = nil) throws -> RecognisedIResNet {
        var (ordered, skipped) = strip(dict.keys)
        let keys = Dictionary(ordered.map { ($0.stripped, $0.original) }, uniquingKeysWith: { a, _ in a })
        guard let found = detectLayout(Set(keys.keys)) else {
            let first = dict.keys.first.map { "; its first key is \($0)" } ?? "; it holds no tensors"
            throw PretrainedError(file: file, "no IResNet stem: expected the key conv1.weight (insightface) or input_layer.0.weight (AdaFace, also under model.)\(first)")
        }
        if let requested, requested != found {
            throw PretrainedError(file: file, "--layout \(requested.rawValue), but the keys are \(found.rawValue)'s (\(found == .adaface ? "input_layer.0.weight" : "conv1.weight"))")
        }
        if found == .insightface {
            // insightface checkpoints carry no training head; an AdaFace `head.` entry there is foreign.
            skipped = skipped.filter { !$0.reason.contains("AdaFace") }
            if let k = dict.keys.first(where: { $0.hasPrefix("head.") }) {
                throw PretrainedError(file: file, "key \(k): not part of an insightface IResNet")
            }
        }
        let architecture = try inferArchitecture(layout: found, has: { keys[$0] != nil }, shape: { k in keys[k].flatMap { dict[$0]?.shape } },
                                                 file: file, original: { keys[$0] ?? $0 }, shortcut: shortcut)
        let pairs = IResNetNames.pairs(architecture, layout: found)
        var prefixToPath: [String: String] = [:]
        for (path, source) in pairs { prefixToPath[source] = path }
        var sources: [String: String] = [:]
        var seen: [String: String] = [:]
        for (stripped, original) in ordered {
            if let other = seen.updateValue(original, forKey: stripped) {
                throw PretrainedError(file: file, "keys \(other) and \(original) name the same tensor \(stripped)")
            }
            guard let dot = stripped.lastIndex(of: "."), let path = prefixToPath[String(stripped[..<dot])] else {
                throw PretrainedError(file: file, "key \(original): not part of \(found == .adaface ? "an AdaFace" : "an insightface") IResNet with stages \(architecture.stages!.map(String.init).joined(separator: ",")) (expected \(IResNetNames.expectation(found)))")
            }
            sources[path + stripped[dot...]] = original
        }
        return RecognisedIResNet(architecture: architecture, layout: found, sources: sources, skipped: skipped)
    }

    /// Keys without their wrapper prefixes (`module.` of DataParallel, AdaFace's `model.`), mapped to
    /// the original; AdaFace's `head.` (the margin head's class centres) is set aside.
    static func strip(_ keys: [String]) -> (keys: [(stripped: String, original: String)], skipped: [(key: String, reason: String)]) {
        var out: [(stripped: String, original: String)] = [], skipped: [(key: String, reason: String)] = []
        for k in keys {
            var s = Substring(k)
            while s.hasPrefix("module.") { s = s.dropFirst(7) }
            if s.hasPrefix("head.") {
                skipped.append((k, "the AdaFace training head (class centres), not part of the backbone"))
                continue
            }
            if s.hasPrefix("model.") { s = s.dropFirst(6) }
            out.append((String(s), k))
        }
        return (out, skipped)
    }

    static func detectLayout(_ keys: Set<String>) -> IResNetLayout? {
        if keys.contains("input_layer.0.weight") { return .adaface }
        if keys.contains("conv1.weight") { return .insightface }
        return nil
    }

    static func inferArchitecture(layout: IResNetLayout, has: (String) -> Bool, shape: (String) -> [Int]?, file: String,
                                  original: (String) -> String, shortcut: IRShortcut?) throws -> Architecture {
        func need(_ key: String, rank: Int) throws -> [Int] {
            guard let s = shape(key) else { throw PretrainedError(file: file, "no key \(key): every \(layout.rawValue) IResNet has it") }
            guard s.count == rank, s.allSatisfy({ $0 > 0 }) else {
                throw PretrainedError(file: file, "key \(original(key)): shape \(s), expected a rank-\(rank) tensor")
            }
            return s
        }
        let adaface = layout == .adaface
        let stem = try need(adaface ? "input_layer.0.weight" : "conv1.weight", rank: 4)
        let width = stem[0]
        guard stem[2] == 3, stem[3] == 3 else {
            throw PretrainedError(file: file, "key \(original(adaface ? "input_layer.0.weight" : "conv1.weight")): a \(stem[2])×\(stem[3]) stem, expected 3×3")
        }
        // (conv_a key, conv_b key) of every block, stage by stage.
        var blocks: [[(a: String, b: String)]] = [[], [], [], []]
        if adaface {
            var g = 0
            while has("body.\(g).res_layer.1.weight") {
                let a = "body.\(g).res_layer.1.weight", out = try need(a, rank: 4)[0]
                guard let stage = [1, 2, 4, 8].firstIndex(where: { $0 * width == out }), blocks[(stage + 1)...].allSatisfy(\.isEmpty) else {
                    throw PretrainedError(file: file, "key \(original(a)): \(out) output channels; stages of width \(width) have \(width), \(2 * width), \(4 * width), \(8 * width), in that order")
                }
                blocks[stage].append((a, "body.\(g).res_layer.4.weight"))
                g += 1
            }
        } else {
            for s in 0..<4 {
                var b = 0
                while has("layer\(s + 1).\(b).conv1.weight") {
                    blocks[s].append(("layer\(s + 1).\(b).conv1.weight", "layer\(s + 1).\(b).conv2.weight")); b += 1
                }
            }
        }
        if let empty = blocks.firstIndex(where: \.isEmpty) {
            let key = adaface ? "a body.N.res_layer.1.weight with \([1, 2, 4, 8][empty] * width) outputs" : "layer\(empty + 1).0.conv1.weight"
            throw PretrainedError(file: file, "stage \(empty + 1) has no block: expected \(key)")
        }
        var kernels: [Int] = []
        for (a, b) in blocks.joined() {
            for key in [a, b] {
                let s = try need(key, rank: 4)
                guard s[2] == s[3], [3, 5].contains(s[2]) else {
                    throw PretrainedError(file: file, "key \(original(key)): a \(s[2])×\(s[3]) kernel; the ir space holds 3×3 and 5×5")
                }
                kernels.append(s[2])
            }
        }
        let fcKey = adaface ? "output_layer.3.weight" : "fc.weight"
        let fc = try need(fcKey, rank: 2)
        let side = Int(Double(fc[1] / (8 * width)).squareRoot().rounded())
        guard side >= 1, 8 * width * side * side == fc[1] else {
            throw PretrainedError(file: file, "key \(original(fcKey)): \(fc[1]) input features, expected 8·\(width)·s² for a final s×s map")
        }
        let affine = has(adaface ? "output_layer.4.weight" : "features.weight")
        let architecture = Architecture(irStages: blocks.map(\.count), width: width, inChannels: stem[1], inputSize: 16 * side,
                                        embeddingSize: fc[0], dropout: layout.dropout, ops: nil, kernels: kernels,
                                        shortcut: shortcut ?? layout.shortcut, embeddingAffine: affine)
        do { try architecture.validate() } catch { throw PretrainedError(file: file, "the network found is outside the ir space: \(error)") }
        return architecture
    }
}
