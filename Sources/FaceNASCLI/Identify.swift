import ArgumentParser
import Datasets
import Metrics
import Reports
import Foundation
import Search

extension FaceNAS {
    struct Identify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Closed-set rank-k identification and mAP (TinyFace protocol).",
            discussion: """
            Embedding form: --probe/--gallery .npy files (N×d, equal d) with label files holding one \
            integer per line; gallery label -100 marks a distractor, never a match. Score: cosine \
            similarity; equal scores rank by gallery order. Probes without any gallery item of their \
            label are left out of every rate and counted. Model form: --model CKPT --tinyface DIR. \
            JSON rates are fractions.
            """)

        @Option(help: "Probe embeddings (.npy, N×d).") var probe: String?
        @Option(help: "Probe labels, one integer per line.") var probeLabels: String?
        @Option(help: "Gallery embeddings (.npy, M×d).") var gallery: String?
        @Option(help: "Gallery labels, one integer per line (-100 = distractor).") var galleryLabels: String?
        @Option(help: "Checkpoint whose embeddings are computed on the TinyFace set.") var model: String?
        @Option(help: "TinyFace folder (with --model).") var tinyface: String?
        @Flag(name: .customLong("allow-outside"), help: "Accept TinyFace names in the .mat files that leave the image folders.")
        var allowOutside = false
        @Option(help: "Ranks to report, comma-separated.") var ranks = "1,5,20"
        @Option(help: "Name of the set in the outputs.") var name = "identification"
        @Option(help: "Write the results as JSON here.") var json: String?
        @Option(help: "Write the CMC curve (SVG) here.") var plot: String?

        var rankList: [Int] {
            get throws {
                let parts = ranks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                let values = parts.compactMap { Int($0) }
                guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 >= 1 }) else {
                    throw ValidationError("--ranks '\(ranks)': expected comma-separated integers ≥ 1, e.g. 1,5,20")
                }
                return values
            }
        }

        func validate() throws {
            _ = try rankList
            let files = [probe, probeLabels, gallery, galleryLabels]
            let embeddingForm = files.contains { $0 != nil }
            let modelForm = model != nil || tinyface != nil
            if embeddingForm == modelForm {
                throw ValidationError("give either --probe --probe-labels --gallery --gallery-labels or --model CKPT --tinyface DIR, not both or neither")
            }
            if embeddingForm, let k = files.firstIndex(where: { $0 == nil }) {
                throw ValidationError("missing \(["--probe", "--probe-labels", "--gallery", "--gallery-labels"][k]) (the embedding form needs all four)")
            }
            if modelForm, model == nil || tinyface == nil {
                throw ValidationError("--model and --tinyface go together: missing \(model == nil ? "--model" : "--tinyface")")
            }
        }

        func run() throws {
            if let model, let tinyface {
                try IdentifyWithModel.run(model: model, tinyface: tinyface, ranks: try rankList, json: json, plot: plot, allowOutside: allowOutside)
                return
            }
            guard let probe, let probeLabels, let gallery, let galleryLabels else { return }
            let p = try EmbeddingMatrix(contentsOf: probe), g = try EmbeddingMatrix(contentsOf: gallery)
            let pl = try LabelsFile.read(probeLabels), gl = try LabelsFile.read(galleryLabels)
            guard pl.count == p.rows else {
                throw MetricError("\(probeLabels): \(pl.count) labels but \(probe) has \(p.rows) rows, expected one label per row")
            }
            guard gl.count == g.rows else {
                throw MetricError("\(galleryLabels): \(gl.count) labels but \(gallery) has \(g.rows) rows, expected one label per row")
            }
            guard p.columns == g.columns else {
                throw MetricError("\(probe) has d = \(p.columns) but \(gallery) has d = \(g.columns), expected the same embedding size")
            }
            let result = try Identification.evaluate(probes: p, probeLabels: pl, gallery: g, galleryLabels: gl, ranks: try rankList)
            try IdentifyOutput.emit(IdentificationReport(name: name, result: result), json: json, plot: plot)
        }
    }
}

/// Prints the table and writes the optional JSON and CMC plot; shared by both forms of `identify`.
enum IdentifyOutput {
    static func emit(_ report: IdentificationReport, json: String?, plot: String?) throws {
        print(report.table(), terminator: "")
        if let json {
            try writeJSON(report, to: json)
            print("wrote \(json)")
        }
        if let plot {
            try report.cmcPlot().write(to: plot)
            print("wrote \(plot)")
        }
    }
}
