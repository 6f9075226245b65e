import Metrics
import Foundation

extension RunReport {
    /// report.md: the headline, then one section per stage; a missing stage output reads "not run".
    public func markdown() -> String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        func table(_ t: Table) -> String {
            var s = "| " + t.header.map(cell).joined(separator: " | ") + " |\n"
            s += "|" + String(repeating: "---|", count: t.header.count) + "\n"
            for r in t.rows { s += "| " + r.map(cell).joined(separator: " | ") + " |\n" }
            return s + "\n"
        }
        func figure(_ file: String, _ alt: String) -> String {
            FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(file)) ? "![\(alt)](\(file))\n\n" : ""
        }
        let notRun = "not run\n\n"
        var s = "# FaceNAS run report\n\n**\(headline)**\n\nRun folder: `\(directory)`. Accuracies in percent here; report.json keeps fractions.\n\n"

        s += "## Timings per stage\n\n"
        if let t = timingsTable { s += (timings?.pipeline.map { "Pipeline: \(cell($0))\n\n" } ?? "") + table(t) } else { s += notRun }

        s += "## Search trajectory\n\n"
        if let r = search {
            s += "Candidates: \(r.candidates)" + (r.expectedCandidates.map { " (the authors' count for a finished search: \($0))" } ?? "")
            s += r.computeSeconds.map { String(format: "; compute %.1f s", $0) } ?? ""
            s += ". Final: depth \(r.depth), width \(r.width), \(r.params) params.\n\n"
            if let stopped = r.stopped { s += "**Stopped early:** \(stopped)\n\n" }
            if let line = r.finalLine { s += "`\(line)`\n\n" }
            s += figure("search/search.svg", "search trajectory")
        } else { s += notRun }

        s += "## Final architecture\n\n"
        if let t = architectureTable {
            s += table(t)
            for (role, st) in stageTables { s += "Per stage (\(role); stem and embedding head excluded):\n\n" + table(st) }
        } else { s += notRun }

        s += "## Training\n\n"
        s += trainingTable.map(table) ?? notRun

        s += "## Verification (model beside the raw-pixel baseline)\n\n"
        if let t = verificationTable {
            s += (verification?.model.map { "Model: `\($0)`.\n\n" } ?? "") + table(t)
            s += "Raw pixels: each image's normalised RGB pixels as its embedding, scored with the same 10-fold protocol.\n\n"
            s += figure("roc.svg", "ROC")
        } else { s += notRun }

        s += "## Identification\n\n"
        if let t = identificationTable { s += table(t) + figure("cmc.svg", "CMC") } else { s += notRun }

        s += "## Query\n\n"
        if let q = query, let t = queryTable { s += "Query `\(q.query)` against `\(q.gallery)`:\n\n" + table(t) } else { s += notRun }

        if !self.notRun.isEmpty { s += "## Not run\n\n" + self.notRun.map { "- \($0)\n" }.joined() }
        return s
    }
}
