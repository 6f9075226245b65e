import ArgumentParser
import Datasets
import Metrics
import Reports
import Foundation

/// `identify --model CKPT --tinyface DIR`: probes and gallery (matches + distractors) embedded with
/// flip fusion, then ranked by cosine (AdaFace's TinyFace protocol).
enum IdentifyWithModel {
    static func run(model path: String, tinyface root: String, ranks: [Int], json: String?, plot: String?, allowOutside: Bool) throws {
        let model = try FaceModel(path: path)
        let set = try TinyFace(root: root, allowOutside: allowOutside)
        for p in set.problems.prefix(5) { FileHandle.standardError.write(Data("warning: \(p)\n".utf8)) }
        if set.problems.count > 5 { FileHandle.standardError.write(Data("warning: … \(set.problems.count - 5) more\n".utf8)) }
        if let p = EvaluationProtocol.known.first(where: { $0.name == "TinyFace" }),
           (set.probes.count, set.galleryMatch.count, set.distractors.count) != (p.probes!, p.galleryMatches!, p.distractors!) {
            print("note: \(set.probes.count) probes, \(set.galleryMatch.count) gallery matches and \(set.distractors.count) distractors; the official TinyFace test set has \(p.probes!), \(p.galleryMatches!) and \(p.distractors!), so these figures are not comparable with published ones")
        }
        let probes = TinyFaceSource.list(set.probes, name: "probes")
        let gallery = TinyFaceSource.list(set.gallery, name: "gallery")
        if set.layout == .aligned {
            try model.checkInputSize(of: probes, what: "the TinyFace")
        } else {
            print("note: the official low-resolution images are resized to \(model.architecture.inputSize)x\(model.architecture.inputSize); AdaFace's protocol uses the aligned copy (\(TinyFace.alignedFolderName))")
        }
        let p = try embed(probes, model: model, label: "probes")
        let g = try embed(gallery, model: model, label: "gallery")
        let result = try Identification.evaluate(probes: p.matrix, probeLabels: p.labels, gallery: g.matrix, galleryLabels: g.labels, ranks: ranks)
        try IdentifyOutput.emit(IdentificationReport(name: "TinyFace", result: result), json: json, plot: plot)
    }

    static func embed(_ list: ImageFileList, model: FaceModel, label: String) throws -> (matrix: EmbeddingMatrix, labels: [Int]) {
        let bar = ProgressBar(label: label, total: list.count)
        let start = Date()
        let e = model.embedder().embed(list) { done, _ in bar.update(done, elapsed: Date().timeIntervalSince(start), info: "") }
        for s in e.skipped { FileHandle.standardError.write(Data("skipped \(s.reason)\n".utf8)) }
        if !e.skipped.isEmpty { print("\(label): \(e.skipped.count) unreadable images skipped (listed above)") }
        let matrix = try EmbeddingMatrix(values: e.vectors.map(Double.init), rows: e.count, columns: e.dimension, source: list.name)
        return (matrix, e.indices.map { list.labels[$0] })
    }
}

enum TinyFaceSource {
    static func list(_ images: [TinyFaceImage], name: String) -> ImageFileList {
        ImageFileList(name: name, base: "", paths: images.map(\.path), labels: images.map(\.label))
    }
}
