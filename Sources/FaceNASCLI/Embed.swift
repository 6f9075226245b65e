import ArgumentParser
import Datasets
import Metrics
import Foundation

extension FaceNAS {
    struct Embed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Embed a folder or list of aligned face images: E.npy (float32 N x d, unit rows), E.names.txt and E.norms.npy.",
            discussion: "With --detect the images are raw photos: every face is found (MTCNN), aligned and embedded as photo.jpg#k.")

        @Option(help: "A face checkpoint (best.safetensors or checkpoint.safetensors of `train --task face`).") var model: String
        @Option(help: "A folder of images (searched recursively) or a text file listing image paths.") var images: String
        @Option(help: "Output .npy; the names and norms are written beside it.") var out: String
        @Flag(name: .customLong("no-flip"), help: "Do not fuse the mirrored image's embedding.") var noFlip = false
        @Option(name: .customLong("batch-size"), help: "Images per forward pass.") var batchSize: Int = 32
        @Flag(name: .customLong("allow-outside"), help: "Accept list entries that leave the list's folder (absolute paths, .., links out).")
        var allowOutside = false
        @OptionGroup var detection: DetectionOptions

        func run() throws {
            try EmbeddingFiles.checkWritable(out)
            let model = try FaceModel(path: model)
            let photos = try ImageFileList(argument: images, allowOutside: allowOutside)
            for s in photos.skipped { printError("skipped: \(s)") }
            if !photos.skipped.isEmpty { print("\(images): \(photos.skipped.count) entries skipped (listed above)") }
            if detection.detect { return try embedDetected(photos, model: model) }
            let list = photos
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

        /// --detect: photos in, one embedding per detected face named photo.jpg#k out.
        private func embedDetected(_ photos: ImageFileList, model: FaceModel) throws {
            let g = try DetectedGallery.build(photos, options: detection, size: model.architecture.inputSize, model: model.path)
            guard !g.names.isEmpty else {
                throw FaceModelError(message: "\(images): no face found in \(photos.count) photos (\(g.noFace.count) without a face, \(g.unreadable.count) unreadable); \(out) was not written")
            }
            let bar = ProgressBar(label: "embed", total: g.names.count)
            let start = Date()
            let e = model.embedder(flip: !noFlip, batchSize: batchSize).embed(g.source) { done, _ in
                bar.update(done, elapsed: Date().timeIntervalSince(start), info: "")
            }
            let files = try EmbeddingFiles.write(e, names: e.indices.map { g.names[$0] }, to: out)
            print("embedded \(e.count) faces from \(photos.count - g.noFace.count - g.unreadable.count) of \(photos.count) photos "
                  + "(no face: \(g.noFace.count), unreadable: \(g.unreadable.count)), d = \(e.dimension)")
            if let dir = detection.saveAligned { print("aligned faces in \(dir)") }
            print("wrote \(files.embeddings), \(files.names) and \(files.norms)")
        }
    }
}
