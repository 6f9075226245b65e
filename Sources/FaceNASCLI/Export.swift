import ArgumentParser
import Export
import Metrics
import Foundation

extension FaceNAS {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a trained backbone as an ONNX model (inference form, BN folded where exact) for ONNX Runtime.",
            discussion: """
            Face checkpoints give output `embedding` (raw, L2-normalise before cosine similarity), classifiers \
            `logits`. The input is `input`, N x C x S x S float32 after normalisation; channel order, mean and \
            std are in the model's metadata and printed below. `facenas embed --no-flip` computes the same \
            embedding from an image.
            """)

        @Option(help: "A checkpoint of `facenas train` (face: best.safetensors or checkpoint.safetensors; classify: checkpoint.safetensors).")
        var model: String
        @Option(help: "Output .onnx file (written new, then renamed into place).") var onnx: String
        @Option(help: "ONNX opset (\(ONNXExport.supportedOpsets.lowerBound)...\(ONNXExport.supportedOpsets.upperBound)).")
        var opset: Int = ONNXExport.defaultOpset
        @Option(help: "Batch dimension: dynamic, or a fixed size N.") var batch: String = "dynamic"

        func run() throws {
            let options = ONNXExport.Options(opset: opset, batch: try parsedBatch())
            let s = try ONNXExport.exportCheckpoint(model, to: onnx, options: options)
            print("wrote \(onnx): \(s.bytes) bytes, opset \(s.opset) (IR version \(s.irVersion)), \(s.parameters) values in initializers")
            print("input  input \(shapeText(s.inputShape)): \(s.recipe)")
            print("output \(s.outputName) \(shapeText(s.outputShape))")
            print("nodes: " + s.operatorCounts.map { "\($0.op) \($0.count)" }.joined(separator: ", ")
                  + "; \(s.foldedBatchNorms) batch norms folded into the layer before them")
        }

        func parsedBatch() throws -> Int? {
            if batch == "dynamic" { return nil }
            guard let n = Int(batch), n >= 1 else {
                throw ONNXExportError(message: "--batch \(batch): expected \"dynamic\" or a positive batch size")
            }
            return n
        }

        func shapeText(_ dims: [ONNXValueInfo.Dimension]) -> String {
            "[" + dims.map { d -> String in
                switch d {
                case .fixed(let v): return String(v)
                case .named(let p): return p
                }
            }.joined(separator: ", ") + "]"
        }
    }
}
