import Foundation
import ModelFormats
import Search

/// `facenas import`: recognises the IResNet in a PyTorch or ONNX file and makes it a FaceNAS model.
public enum PretrainedImport {
    public enum FileKind: String, Sendable {
        case pytorchZip = "pytorch-zip", pytorchLegacy = "pytorch-legacy", onnx
    }

    /// The kind of model file, from its first bytes (never its name): a ZIP local header is a
    /// torch.save archive, a protocol-2 pickle starting with a long integer is the legacy format,
    /// and a protobuf whose first field is ModelProto's ir_version (field 1, varint) is ONNX.
    public static func kind(of prefix: [UInt8]) -> FileKind? {
        if prefix.starts(with: [0x50, 0x4b, 0x03, 0x04]) { return .pytorchZip }
        if prefix.count >= 3, prefix[0] == 0x80, prefix[1] == 0x02, prefix[2] == 0x8a { return .pytorchLegacy }
        if prefix.first == 0x08 { return .onnx }
        return nil
    }

    /// Reads `path` and builds the model. `layout` must agree with the keys when given; `bgr`
    /// overrides the layout's channel order (AdaFace BGR, everything else RGB).
    public static func load(_ path: String, layout: IResNetLayout? = nil, bgr: Bool? = nil) throws -> ImportedModel {
        guard let bytes = FileManager.default.contents(atPath: path).map({ [UInt8]($0) }) else {
            throw PretrainedError(file: path, "cannot read the file")
        }
        guard let kind = kind(of: Array(bytes.prefix(8))) else {
            let hex = bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw PretrainedError(file: path, "not a PyTorch torch.save file (ZIP or legacy pickle) nor an ONNX model (first bytes \(hex))")
        }
        let name = (path as NSString).lastPathComponent
        var origin = ImportOrigin(file: name, sha256: SHA256.hex(of: bytes), format: kind.rawValue, layout: "", channelOrder: "",
                                  normalization: "", producer: nil, skippedKeys: [])
        let recognised: RecognisedIResNet, dict: SourceStateDict
        var stemScale: Float = 1
        switch kind {
        case .onnx:
            let model = try ONNXModel.read(bytes: bytes, name: path)
            if let layout, layout != .insightface {
                throw PretrainedError(file: path, "--layout \(layout.rawValue): ONNX graphs are read in insightface's form; drop the flag")
            }
            let g = try ONNXIResNetGraph(model, file: path)
            dict = g.dict
            recognised = try IResNetRecognition.recognise(dict, file: path, layout: .insightface, shortcut: g.shortcut)
            stemScale = g.stemScale
            origin.normalization = g.normalization
            origin.producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ") + ", opset \(model.opsetVersion)"
        case .pytorchZip, .pytorchLegacy:
            let file = try TorchFile.read(bytes: bytes, name: path)
            var d = SourceStateDict()
            for (key, t) in try file.stateDict() {
                do { d.set(key, SourceTensor(shape: t.shape, values: try t.floats())) } catch {
                    throw PretrainedError(file: path, "key \(key): \(error)")
                }
            }
            dict = d
            recognised = try IResNetRecognition.recognise(dict, file: path, layout: layout)
            origin.normalization = "outside the model: x = (pixel/255 - 0.5)/0.5"
            if case .dict(let items) = file.root {
                for (k, v) in items {
                    if case .string("pytorch-lightning_version") = k, case .string(let version) = v { origin.producer = "PyTorch Lightning \(version)" }
                }
            }
        }
        let useBGR = bgr ?? recognised.layout.bgr
        origin.layout = recognised.layout.rawValue
        origin.channelOrder = useBGR ? "BGR" : "RGB"
        origin.skippedKeys = recognised.skipped.map(\.key)
        return try ImportedModel(recognised: recognised, dict: dict, file: path, bgr: useBGR, stemScale: stemScale, origin: origin)
    }
}
