import ArgumentParser
import Datasets
import Metrics
import Foundation
import Search

extension FaceNAS {
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "1:N look-up: embed one image with the model and list the most similar gallery rows (cosine).")

        @Option(help: "Gallery embeddings written by `facenas embed` (the names file beside it labels the rows).") var gallery: String
        @Option(help: "The face checkpoint the gallery was embedded with.") var model: String
        @Option(help: "The query image (aligned, at the model's input size; with --detect a raw photo, whose largest face is used).") var image: String
        @Option(help: "How many matches to list.") var top: Int = 5
        @Option(help: "Write the query and its matches as JSON here.") var json: String?
        @Flag(name: .customLong("no-flip"), help: "Do not fuse the mirrored image's embedding (match how the gallery was made).") var noFlip = false
        @OptionGroup var detection: DetectionOptions

        func validate() throws {
            guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        }

        func run() throws {
            let g = try EmbeddingMatrix(contentsOf: gallery)
            let names = try EmbeddingFiles.names(for: gallery, rows: g.rows)
            let faceModel = try FaceModel(path: model)
            let source: any FaceImageSource
            if detection.detect {
                let photo = ImageFileList(name: image, base: "", paths: [image])
                let g = try DetectedGallery.build(photo, options: detection, size: faceModel.architecture.inputSize, model: model, allFaces: false)
                if let u = g.unreadable.first { throw FaceModelError(message: u) }
                guard !g.names.isEmpty else { throw FaceModelError(message: "\(image): no face found (MTCNN, --min-face \(detection.minFace))") }
                source = g.source
            } else {
                source = ImageFileList(name: image, base: "", paths: [image])
                try faceModel.checkInputSize(of: source, what: "the query")
            }
            let e = faceModel.embedder(flip: !noFlip, batchSize: 1).embed(source)
            if let s = e.skipped.first { throw FaceModelError(message: s.reason) }
            let matches = try GalleryQuery.top(Array(e.row(0)).map(Double.init), in: g, count: top, source: image)
            print("query \(image)  (feature norm \(String(format: "%.2f", e.norms[0])))")
            for (rank, m) in matches.enumerated() {
                print(String(format: "%3d  %.4f  ", rank + 1, m.score) + names[m.row])
            }
            if let json {
                let top = matches.enumerated().map { QueryResult.Match(rank: $0.offset + 1, name: names[$0.element.row], score: $0.element.score) }
                try writeJSON(QueryResult(query: image, model: model, gallery: gallery, top: top), to: json)
                print("wrote \(json)")
            }
        }
    }
}
