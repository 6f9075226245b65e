import ArgumentParser
import Foundation
import Pretrained
import Search

extension FaceNAS {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a pretrained insightface or AdaFace IResNet (PyTorch .pth/.ckpt or ONNX) as a FaceNAS model.",
            discussion: """
            The format is read from the content: a torch.save ZIP archive or legacy pickle (a state dict, or a \
            PyTorch Lightning checkpoint whose state_dict holds it), or an ONNX graph as torch.onnx.export writes \
            it. Pickles are interpreted, never run: only the globals a tensor state dict needs are accepted. The \
            layout (insightface or AdaFace), stages, width, kernels, embedding size, shortcut kind and embedding \
            BN are read from the tensor names and shapes, and the result is a face checkpoint that verify, \
            identify, embed, query, export and inspect take. Its metadata records the file's name and SHA-256, \
            the layout, the channel order (AdaFace: BGR, insightface: RGB) and the input normalisation.
            """)

        @Option(help: "The model file: backbone.pth, an AdaFace .ckpt, or an .onnx graph.") var model: String
        @Option(help: "Output FaceNAS checkpoint (.safetensors; written new, then renamed into place).") var out: String
        @Option(help: "insightface or adaface; only checked against the keys (they tell the layout).") var layout: IResNetLayout?
        @Flag(help: "Override the channel order: --bgr or --rgb (default: the layout's, AdaFace BGR, insightface RGB).")
        var channelOrder: ChannelOrder?

        enum ChannelOrder: String, EnumerableFlag { case bgr, rgb }

        func run() throws {
            let resolved = { (p: String) in URL(fileURLWithPath: p).resolvingSymlinksInPath().standardizedFileURL.path }
            guard resolved(out) != resolved(model) else {
                throw ValidationError("--out \(out) is the model file itself; write the FaceNAS checkpoint to a new file")
            }
            let imported = try PretrainedImport.load(model, layout: layout, bgr: channelOrder.map { $0 == .bgr })
            try imported.save(to: out)
            let a = imported.architecture
            print("read \(model): \(imported.origin.format), \(imported.layout.rawValue) layout, sha256 \(imported.origin.sha256)")
            print("network: IR with stages \(a.stages!.map(String.init).joined(separator: ",")) (\(a.depth) blocks, IR-\(2 * a.depth + 2)), width \(a.width), "
                  + "input \(a.inputSize)x\(a.inputSize), embedding \(a.embeddingSize ?? 512), shortcut \(a.shortcut?.rawValue ?? "conv"), "
                  + "embedding BN \(a.embeddingAffine == false ? "without affine" : "affine"), \(IRTemplate.parameterCount(a)) parameters")
            print("input: \(imported.origin.channelOrder) planes; normalisation \(imported.origin.normalization)")
            for s in imported.skipped { print("skipped \(s.key): \(s.reason)") }
            print("wrote \(out)")
        }
    }
}

extension IResNetLayout: ExpressibleByArgument {}
