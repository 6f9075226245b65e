import ArgumentParser
import Datasets
import Metrics
import Reports
import Foundation
import Search

extension FaceNAS {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "10-fold pair verification (insightface protocol): accuracy ± std, threshold, TAR@FAR.",
            discussion: """
            Embedding form: --embeddings E.npy (float32 or float64, N×d) and --pairs FILE, one pair per \
            line `i j same` (row indices into E, same 0 or 1) in protocol order; blank lines and # \
            comments are skipped; at least 10 pairs. Rows are L2-normalised; the distance is Σ(e1−e2)²; \
            the 10 folds are contiguous. TAR@FAR uses, per fold, the largest threshold on a 0.001 grid \
            whose FAR on the nine training folds is at most the target, and is reported only with at \
            least 10/FAR different pairs (n/a otherwise). Model form: --model CKPT with --bin FILE \
            (repeatable). Raw-pixel baseline: --pixels with --bin FILE (repeatable): each image's embedding is \
            its flattened RGB pixels as (x/255 − 0.5)/0.5, no flip, L2-normalised, every image at the size \
            of the set's first image. JSON rates are fractions.
            """)

        @Option(help: "Embeddings (.npy, N×d float32/float64).") var embeddings: String?
        @Option(help: "Pairs file: `i j same` per line, in protocol order.") var pairs: String?
        @Option(help: "Name of the set in the outputs (default: the pairs file's base name).") var name: String?
        @Option(help: "Checkpoint whose embeddings are computed from the --bin sets.") var model: String?
        @Option(help: "An insightface verification .bin (repeatable; with --model or --pixels).") var bin: [String] = []
        @Flag(help: "Raw-pixel baseline: embed each image as its normalised pixels (with --bin).") var pixels = false
        @Option(help: "Write the results as JSON here.") var json: String?
        @Option(help: "Write the ROC curve (SVG) here.") var plot: String?

        func validate() throws {
            let embeddingForm = embeddings != nil || pairs != nil
            if pixels {
                if model != nil || embeddingForm {
                    throw ValidationError("--pixels embeds the --bin images' pixels: it excludes --model, --embeddings and --pairs")
                }
                if bin.isEmpty { throw ValidationError("--pixels needs at least one --bin FILE") }
                return
            }
            let modelForm = model != nil || !bin.isEmpty
            if embeddingForm == modelForm {
                throw ValidationError("give either --embeddings E.npy --pairs FILE or --model CKPT --bin FILE, not both or neither")
            }
            if embeddingForm, embeddings == nil || pairs == nil {
                throw ValidationError("--embeddings and --pairs go together: missing \(embeddings == nil ? "--embeddings" : "--pairs")")
            }
            if modelForm, model == nil || bin.isEmpty {
                throw ValidationError("--model and --bin go together: missing \(model == nil ? "--model" : "--bin")")
            }
        }

        func run() throws {
            if pixels {
                try VerifyWithPixels.run(bins: bin, json: json, plot: plot)
                return
            }
            if let model {
                try VerifyWithModel.run(model: model, bins: bin, json: json, plot: plot)
                return
            }
            guard let embeddings, let pairs else { return }
            let matrix = try EmbeddingMatrix(contentsOf: embeddings)
            let list = try IndexPairsFile.read(pairs, rows: matrix.rows)
            guard list.count >= Verification.foldCount else {
                throw MetricError("\(pairs): \(list.count) pairs, expected at least \(Verification.foldCount) (one per fold)")
            }
            let result = try Verification.evaluate(distances: Verification.distances(matrix, pairs: list), isSame: list.map(\.isSame))
            let setName = name ?? ((pairs as NSString).lastPathComponent as NSString).deletingPathExtension
            try VerifyOutput.emit([(setName, result)], json: json, plot: plot)
        }
    }
}

/// Prints the table and writes the optional JSON and ROC plot; shared by both forms of `verify`.
enum VerifyOutput {
    static func emit(_ sets: [(name: String, result: VerificationResult)], embedding: String? = nil, model: String? = nil,
                     json: String?, plot: String?) throws {
        let report = VerificationReport(sets, embedding: embedding, model: model)
        print(report.table(), terminator: "")
        if let json {
            try writeJSON(report, to: json)
            print("wrote \(json)")
        }
        if let plot {
            try report.rocPlot().write(to: plot)
            print("wrote \(plot)")
        }
    }
}
