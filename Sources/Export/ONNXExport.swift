import Metrics
import Datasets
import Foundation
import NN
import Search
import Tensor

/// Exports a trained backbone (either search space) as an ONNX model in inference form, which
/// ONNX Runtime and every other ONNX consumer can run: input `input` [N, C, S, S] float32,
/// output `embedding` [N, E] (the raw face embedding, before L2 normalisation) or `logits`
/// [N, classes]. How pixels become the input (channel order, mean, std) is written into the
/// model's metadata, because the graph starts after normalisation, as FaceNAS's networks do.
public enum ONNXExport {
    /// Opsets whose operator versions this exporter's nodes are valid in (Gemm without C needs 11).
    public static let supportedOpsets = 11...23
    public static let defaultOpset = 17
    /// protobuf refuses messages of 2 GiB and more; such models need external data files.
    static let protobufLimit = Int(Int32.max)

    public struct Options: Sendable {
        public var opset = ONNXExport.defaultOpset
        /// nil: a dynamic batch dimension named "N"; else a fixed batch size.
        public var batch: Int?
        public init(opset: Int = ONNXExport.defaultOpset, batch: Int? = nil) { self.opset = opset; self.batch = batch }
    }

    /// How raw pixels become the model's input, for the metadata and the summary.
    public struct InputRecipe: Sendable, Equatable {
        public var channelOrder: String
        public var mean: [Float], std: [Float]
        public init(channelOrder: String, mean: [Float], std: [Float]) {
            self.channelOrder = channelOrder; self.mean = mean; self.std = std
        }
    }

    public struct Summary: Sendable {
        public var opset: Int, irVersion: Int
        public var inputShape: [ONNXValueInfo.Dimension], outputName: String, outputShape: [ONNXValueInfo.Dimension]
        public var operatorCounts: [(op: String, count: Int)]
        public var foldedBatchNorms: Int
        public var parameters: Int
        public var bytes: Int
        public var recipe: InputRecipe
    }

    /// The IR version released with each opset (ONNX 1.6 … 1.19), so a consumer that knows the
    /// opset also knows the file's structures.
    public static func irVersion(forOpset opset: Int) -> Int {
        switch opset {
        case ...11: return 6
        case 12...14: return 7
        case 15...18: return 8
        case 19...20: return 9
        case 21...22: return 10
        default: return 11
        }
    }

    /// Exports the backbone of a checkpoint written by `facenas train` (either task) to `output`.
    /// Nothing is written unless the whole model could be built.
    @discardableResult
    public static func exportCheckpoint(_ path: String, to output: String, options: Options = Options()) throws -> Summary {
        let meta = try Checkpoint.metadata(path)
        let network: Layer, architecture: Architecture, recipe: InputRecipe, outputName: String
        switch meta["task"] {
        case "face":
            let model = try FaceModel(path: path)
            (network, architecture, outputName) = (model.network, model.architecture, "embedding")
            recipe = InputRecipe(channelOrder: model.bgr ? "BGR" : "RGB", mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
        case "classify":
            let (a, net) = try loadClassifier(path)
            guard let json = meta["recipe"], let r = try? JSONDecoder().decode(DatasetRecipe.self, from: Data(json.utf8)) else {
                throw CheckpointError(path: path, message: "no readable input recipe (mean, std) in the checkpoint metadata")
            }
            (network, architecture, outputName) = (net, a, "logits")
            recipe = InputRecipe(channelOrder: r.channels == 1 ? "gray" : "RGB", mean: r.mean, std: r.std)
        default:
            throw CheckpointError(path: path, message: "task \"\(meta["task"] ?? "none")\" in the metadata; expected a checkpoint of `facenas train --task face` or `--task classify`")
        }
        let inputShape = [architecture.inChannels, architecture.inputSize, architecture.inputSize]
        let doc = "FaceNAS \(architecture.space.rawValue) backbone from \((path as NSString).lastPathComponent). Input: \(recipe.description). Output \(outputName)."
        var metadata: [(key: String, value: String)] = [
            ("task", meta["task"] ?? ""), ("architecture", try architecture.jsonString()),
            ("channel_order", recipe.channelOrder), ("mean", recipe.mean.map { "\($0)" }.joined(separator: ",")),
            ("std", recipe.std.map { "\($0)" }.joined(separator: ",")), ("normalization", recipe.description),
            ("source_checkpoint", (path as NSString).lastPathComponent)]
        // An imported model keeps its origin (file, SHA-256, layout) through the round trip.
        if let origin = meta["origin"] { metadata.append(("imported_from", origin)) }
        if outputName == "embedding" {
            metadata.append(("output", "embedding: raw, not L2-normalised; normalise before cosine similarity. FaceNAS's flip fusion adds the mirrored image's raw embedding before normalising."))
        } else {
            metadata.append(("output", "logits: one score per class, before softmax"))
        }
        let (model, summary) = try build(network, inputShape: inputShape, outputName: outputName, options: options,
                                         metadata: metadata, doc: doc, recipe: recipe)
        let bytes = model.encoded()
        guard bytes.count < protobufLimit else {
            throw ONNXExportError(message: "\(path): the model encodes to \(bytes.count) bytes; one .onnx file holds less than 2 GiB and this exporter writes no external data")
        }
        try DataFile.write(bytes, to: output)
        var s = summary
        s.bytes = bytes.count
        return s
    }

    /// The ONNX model of `network` for inputs [N] + `inputShape`, without writing it.
    public static func build(_ network: Layer, inputShape: [Int], outputName: String, options: Options,
                             metadata: [(key: String, value: String)], doc: String, recipe: InputRecipe) throws -> (ONNXModel, Summary) {
        guard supportedOpsets.contains(options.opset) else {
            throw ONNXExportError(message: "opset \(options.opset) is not supported; choose \(supportedOpsets.lowerBound)…\(supportedOpsets.upperBound) (default \(defaultOpset))")
        }
        if let b = options.batch, b < 1 { throw ONNXExportError(message: "batch \(b): expected a positive size or \"dynamic\"") }
        var builder = ONNXGraphBuilder(name: "facenas")
        let last = try builder.emit(network, input: .init(name: "input", shape: [1] + inputShape))
        try builder.renameOutput(last, to: outputName)
        var graph = builder.graph
        let batch: ONNXValueInfo.Dimension = options.batch.map { .fixed($0) } ?? .named("N")
        let inShape = [batch] + inputShape.map { ONNXValueInfo.Dimension.fixed($0) }
        let outShape = [batch] + last.shape.dropFirst().map { ONNXValueInfo.Dimension.fixed($0) }
        graph.inputs = [ONNXValueInfo(name: "input", shape: inShape, docString: recipe.description)]
        graph.outputs = [ONNXValueInfo(name: outputName, shape: outShape)]
        var counts: [String: Int] = [:]
        for n in graph.nodes { counts[n.opType, default: 0] += 1 }
        let order = graph.nodes.map(\.opType).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let summary = Summary(opset: options.opset, irVersion: irVersion(forOpset: options.opset), inputShape: inShape,
                              outputName: outputName, outputShape: outShape, operatorCounts: order.map { ($0, counts[$0]!) },
                              foldedBatchNorms: builder.foldedBatchNorms,
                              parameters: graph.initializers.reduce(0) { $0 + $1.values.count }, bytes: 0, recipe: recipe)
        let model = ONNXModel(irVersion: summary.irVersion, opsetVersion: options.opset, producerVersion: producerVersion,
                              docString: doc, graph: graph, metadata: metadata)
        return (model, summary)
    }

    public static var producerVersion: String { faceNASVersion }
}

extension ONNXExport.InputRecipe: CustomStringConvertible {
    /// "x = (pixel/255 − mean)/std per channel, RGB planes, mean 0.5,0.5,0.5, std 0.5,0.5,0.5".
    public var description: String {
        let m = mean.map { "\($0)" }.joined(separator: ","), s = std.map { "\($0)" }.joined(separator: ",")
        return "NCHW float32, x = (pixel/255 - mean[c]) / std[c], channels \(channelOrder), mean \(m), std \(s)"
    }
}
