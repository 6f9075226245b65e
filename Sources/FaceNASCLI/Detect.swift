import ArgumentParser
import Datasets
import Detection
import Foundation
import ImageIO

extension FaceNAS {
    struct Detect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find faces and their five landmarks (MTCNN) in raw photos; write a landmarks file for `facenas align`.",
            discussion: """
            The landmarks file has one line per image (its largest face), or with --all-faces one line per face \
            named photo.jpg#k (k = 0 is the largest). Images without a face and unreadable images are listed \
            and counted. The weights are facenet-pytorch's MTCNN (MIT), converted once with \
            `facenas detect --convert-weights DIR --out models/mtcnn` (`make mtcnn-weights` does it).
            """)

        @Option(help: "A folder of photos (searched recursively), a text file listing photo paths, or one photo.") var images: String?
        @Option(help: "The landmarks file to write (with --convert-weights: the folder for the converted weights).") var out: String
        @Flag(name: .customLong("all-faces"), help: "List every face as photo.jpg#k instead of only the largest.") var allFaces = false
        @Option(name: .customLong("min-face"), help: "Smallest face searched for, in pixels.") var minFace: Int = 20
        @Option(help: "Also write the boxes, scores and landmarks as JSON here.") var json: String?
        @Option(help: "Draw the boxes and landmarks of the first photo into this PNG.") var preview: String?
        @Option(help: "Folder of the converted MTCNN weights (pnet/rnet/onet.safetensors).") var weights: String = defaultMTCNNWeights
        @Option(name: .customLong("convert-weights"), help: "Convert facenet-pytorch's pnet.pt, rnet.pt, onet.pt in this folder into --out, then stop.")
        var convertWeights: String?
        @Flag(name: .customLong("allow-outside"), help: "Accept list entries that leave the list's folder.") var allowOutside = false

        func validate() throws {
            if convertWeights == nil && images == nil { throw ValidationError("--images is required (or --convert-weights DIR)") }
            guard minFace >= 1 else { throw ValidationError("--min-face must be at least 1 pixel") }
        }

        func run() throws {
            if let source = convertWeights {
                for path in try MTCNNWeights.convert(from: source, to: out) { print("wrote \(path)") }
                return
            }
            let detector = try FaceDetector(weightsFolder: weights, settings: DetectorSettings(minFaceSize: minFace))
            let list = try detectionInputs(images!, allowOutside: allowOutside)
            for s in list.skipped { printError("skipped: \(s)") }
            var report = DetectionReport(weights: weights, minFace: minFace)
            var lines: [String] = []
            var faceCount = 0
            let bar = ProgressBar(label: "detect", total: list.count)
            let start = Date()
            for i in 0..<list.count {
                defer { bar.update(i + 1, elapsed: Date().timeIntervalSince(start), info: "\(faceCount) faces") }
                let image: RGBImage
                do { image = try readImageFile(list.fullPath(i)) } catch {
                    report.unreadable.append("\(error)")
                    continue
                }
                let faces = detector.detect(image)
                if faces.isEmpty { report.noFace.append(list.paths[i]) }
                let chosen = allFaces ? faces : Array(faces.prefix(1))
                faceCount += chosen.count
                let names = chosen.indices.map { allFaces ? "\(list.paths[i])#\($0)" : list.paths[i] }
                lines += zip(names, chosen).map { landmarkLine($0, $1) }
                report.images.append(.init(path: list.paths[i], width: image.width, height: image.height,
                                           faces: zip(names, chosen).map { DetectionReport.Face($1, name: $0) }))
                if i == 0, let preview { try writeImageFile(drawDetections(faces, on: image), to: preview) }
            }
            for u in report.unreadable { printError("skipped \(u)") }
            for n in report.noFace { printError("no face: \(n)") }
            try writeTextFile((lines.map { $0 + "\n" }).joined(), to: out)
            if let json { try writeJSON(report, to: json) }
            print("detect: \(faceCount) faces in \(list.count - report.noFace.count - report.unreadable.count) of \(list.count) images; "
                  + "no face: \(report.noFace.count), unreadable: \(report.unreadable.count)")
            print("wrote \(out)" + (json.map { " and \($0)" } ?? "") + (preview.map { ", preview \($0)" } ?? ""))
            if report.unreadable.count == list.count && list.count > 0 {
                printError("\(images!): none of the \(list.count) images could be read")
                throw ExitCode.failure
            }
        }
    }
}

/// FACENAS_MTCNN_WEIGHTS, else models/mtcnn (where `make mtcnn-weights` puts them).
let defaultMTCNNWeights = ProcessInfo.processInfo.environment["FACENAS_MTCNN_WEIGHTS"] ?? "models/mtcnn"

/// Writes text atomically; a failure is one line naming the file.
func writeTextFile(_ text: String, to path: String) throws {
    do {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
    } catch {
        throw ValidationError("\(path): cannot write (\(error.localizedDescription))")
    }
}
