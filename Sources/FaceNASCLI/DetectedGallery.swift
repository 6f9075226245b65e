import ArgumentParser
import Datasets
import Detection
import Foundation
import ImageIO

/// The flags `embed --detect` and `query --detect` share.
struct DetectionOptions: ParsableArguments {
    @Flag(help: "The images are raw photos: find every face (MTCNN), align it to the model's input size and embed it as photo.jpg#k.")
    var detect = false
    @Option(name: .customLong("min-face"), help: "With --detect: smallest face searched for, in pixels.") var minFace: Int = 20
    @Option(name: .customLong("detector-weights"), help: "With --detect: folder of the converted MTCNN weights.")
    var detectorWeights: String = defaultMTCNNWeights
    @Option(name: .customLong("save-aligned"), help: "With --detect: also write each aligned face here as photo#k.png.")
    var saveAligned: String?

    func validate() throws {
        guard minFace >= 1 else { throw ValidationError("--min-face must be at least 1 pixel") }
        if saveAligned != nil && !detect { throw ValidationError("--save-aligned needs --detect") }
    }
}

/// Faces found in raw photos and aligned: in-memory PNGs for the embedder, with their names and
/// what was skipped (unreadable photos, photos without a face), one line each.
struct DetectedGallery {
    var names: [String] = []
    var images: [Data] = []
    var unreadable: [String] = []
    var noFace: [String] = []

    var source: InMemoryFaceImages { InMemoryFaceImages(name: "detected faces", images: images, labels: images.map { _ in 0 }) }

    /// Detects and aligns the faces of `list`'s photos (all faces, largest first), showing progress.
    static func build(_ list: ImageFileList, options: DetectionOptions, size: Int, model: String, allFaces: Bool = true) throws -> DetectedGallery {
        // Refuse before detecting anything: the 5-point template exists only at 112 and 128 pixels.
        guard (try? alignmentTemplate(size: size)) != nil else {
            throw ValidationError("\(model): the model takes \(size)×\(size) inputs; --detect aligns faces to the 112×112 (or 128×128) five-point template, so it needs a model trained at that size")
        }
        let detector = try FaceDetector(weightsFolder: options.detectorWeights, settings: DetectorSettings(minFaceSize: options.minFace))
        var g = DetectedGallery()
        let bar = ProgressBar(label: "detect", total: list.count)
        let start = Date()
        for i in 0..<list.count {
            defer { bar.update(i + 1, elapsed: Date().timeIntervalSince(start), info: "\(g.names.count) faces") }
            let image: RGBImage
            do { image = try readImageFile(list.fullPath(i)) } catch {
                g.unreadable.append("\(error)")
                continue
            }
            let faces = try detector.alignedFaces(in: image, name: list.paths[i], size: size, allFaces: allFaces)
            if faces.isEmpty { g.noFace.append(list.paths[i]) }
            for (k, f) in faces.enumerated() {
                g.names.append(f.name)
                g.images.append(Data(try encodePNG(f.image)))
                if let dir = options.saveAligned {
                    // photo.jpg#k is written as photo#k.png (PNG: no second lossy step for a person to judge).
                    let relative = (list.paths[i] as NSString).deletingPathExtension + "#\(k).png"
                    try writeImageFile(f.image, to: dir + "/" + alignedName(relative))
                }
            }
        }
        for u in g.unreadable { printError("skipped \(u)") }
        for n in g.noFace { printError("no face: \(n)") }
        return g
    }
}
