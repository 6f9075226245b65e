import ArgumentParser
import Datasets
import Metrics
import Foundation

extension FaceNAS {
    struct Embed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Embed a folder or list of aligned face images: E.npy (float32 N x d, unit rows), E.names.txt and E.norms.npy.")

        @Option(help: "A face checkpoint (best.safetensors or checkpoint.safetensors of `train --task face`).") var model: String
        @Option(help: "A folder of images (searched recursively) or a text file listing image paths.") var images: String
        @Option(help: "Output .npy; the names and norms are written beside it.") var out: String
        @Flag(name: .customLong("no-flip"), help: "Do not fuse the mirrored image's embedding.") var noFlip = false
        @Option(name: .customLong("batch-size"), help: "Images per forward pass.") var batchSize: Int = 32
        @Flag(name: .customLong("allow-outside"), help: "Accept list entries that leave the list's folder (absolute paths, .., links out).")
        var allowOutside = false

        func run() throws {
            try EmbeddingFiles.checkWritable(out)
            let model = try FaceModel(path: model)
            let list = try ImageFileList(argument: images, allowOutside: allowOutside)
            for s in list.skipped { printError("skipped: \(s)") }
            if !list.skipped.isEmpty { print("\(images): \(list.skipped.count) entries skipped (listed above)") }
            try model.checkInputSize(of: list, what: "the")
            let bar = ProgressBar(label: "embed", total: list.count)
            let start = Date()
            let e = model.embedder(flip: !noFlip, batchSize: batchSize).embed(list) { done, _ in
                bar.update(done, elapsed: Date().timeIntervalSince(start), info: "")
            }
            for s in e.skipped { FileHandle.standardError.write(Data("skipped \(s.reason)\n".utf8)) }
            guard e.count > 0 else {
                throw FaceModelError(message: "\(images): none of the \(list.count) images could be embedded (\(e.skipped.count) unreadable, listed above); \(out) was not written")
            }
            let files = try EmbeddingFiles.write(e, names: e.indices.map { list.paths[$0] }, to: out)
            let unreadable = e.skipped.isEmpty ? "" : " (\(e.skipped.count) unreadable, listed above)"
            print("embedded \(e.count) of \(list.count) images\(unreadable), d = \(e.dimension)")
            print("wrote \(files.embeddings), \(files.names) and \(files.norms)")
        }
    }
}
