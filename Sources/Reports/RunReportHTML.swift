import Metrics
import Foundation
import ImageIO

extension RunReport {
    /// report.html: one self-contained page (inline CSS and SVG, the query image as a data URI; no
    /// script, font or external reference) laid out for a 1200-pixel-wide window.
    public func html() -> String {
        func table(_ t: Table) -> String {
            var h = "<table><tr>" + t.header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr>\n"
            for r in t.rows { h += "<tr>" + r.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>\n" }
            return h + "</table>\n"
        }
        let notRun = "<p class=\"notrun\">not run</p>\n"
        var h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>FaceNAS run report</title>\n<style>\n"
        h += "body{font-family:sans-serif;margin:24px auto;max-width:1150px;color:#222;background:#fff}"
        h += "h1{font-size:26px}h2{font-size:20px;border-bottom:2px solid #1f77b4;padding-bottom:3px;margin-top:28px}"
        h += ".headline{font-size:19px;background:#eef5fb;border-left:6px solid #1f77b4;padding:10px 14px}"
        h += "table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
        h += "th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}.notrun{color:#a33;font-style:italic}"
        h += "code{background:#f3f3f3;padding:2px 4px}svg{display:block;margin:8px 0;max-width:100%;height:auto}"
        h += ".query img{width:112px;height:112px;image-rendering:pixelated;border:1px solid #999}\n</style></head><body>\n"
        h += "<h1>FaceNAS run report</h1>\n<p class=\"headline\">\(Self.escape(headline))</p>\n"
        h += "<p>Run folder <code>\(Self.escape(directory))</code>. Accuracies in percent; report.json keeps fractions.</p>\n"

        h += "<h2>Timings per stage</h2>\n"
        if let t = timingsTable { h += (timings?.pipeline.map { "<p>Pipeline: \(Self.escape($0))</p>\n" } ?? "") + table(t) } else { h += notRun }

        h += "<h2>Search trajectory</h2>\n"
        if let r = search {
            var line = "Candidates: \(r.candidates)" + (r.expectedCandidates.map { " (the authors' count for a finished search: \($0))" } ?? "")
            line += r.computeSeconds.map { String(format: "; compute %.1f s", $0) } ?? ""
            line += ". Final: depth \(r.depth), width \(r.width), \(r.params) params."
            h += "<p>\(Self.escape(line))</p>\n"
            if let stopped = r.stopped { h += "<p><b>Stopped early:</b> \(Self.escape(stopped))</p>\n" }
            if let f = r.finalLine { h += "<p><code>\(Self.escape(f))</code></p>\n" }
            h += searchPlot()?.render() ?? ""
        } else { h += notRun }

        h += "<h2>Final architecture</h2>\n"
        if let t = architectureTable {
            h += table(t)
            for (role, st) in stageTables { h += "<p>Per stage (\(Self.escape(role)); stem and embedding head excluded):</p>\n" + table(st) }
        } else { h += notRun }

        h += "<h2>Training</h2>\n" + (trainingTable.map(table) ?? notRun)

        h += "<h2>Verification (model beside the raw-pixel baseline)</h2>\n"
        if let t = verificationTable {
            h += (verification?.model.map { "<p>Model <code>\(Self.escape($0))</code>.</p>\n" } ?? "") + table(t)
            h += "<p>Raw pixels: each image's normalised RGB pixels as its embedding, scored with the same 10-fold protocol.</p>\n"
            h += rocPlot()?.render() ?? ""
        } else { h += notRun }

        h += "<h2>Identification</h2>\n"
        if let t = identificationTable { h += table(t) + (cmcPlot()?.render() ?? "") } else { h += notRun }

        h += "<h2>Query</h2>\n"
        if let q = query, let t = queryTable {
            h += "<div class=\"query\"><p>Query <code>\(Self.escape(q.query))</code> against <code>\(Self.escape(q.gallery))</code></p>\n"
            h += queryImage(q.query).map { "<img alt=\"query image\" src=\"\($0)\">\n" } ?? ""
            h += table(t) + "</div>\n"
        } else { h += notRun }

        if !self.notRun.isEmpty {
            h += "<h2>Not run</h2>\n<ul>" + self.notRun.map { "<li>\(Self.escape($0))</li>" }.joined() + "</ul>\n"
        }
        return h + "</body></html>\n"
    }

    /// Text for HTML element content and attribute values.
    static func escape(_ s: String) -> String {
        SVGPlot.escape(s).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    /// The query image as a `data:` URI (the path as written, else relative to the run folder); nil
    /// when it is missing, large, or not a JPEG or PNG — the table still names it.
    func queryImage(_ path: String) -> String? {
        for p in [path, (directory as NSString).appendingPathComponent(path)] {
            guard let d = FileManager.default.contents(atPath: p), d.count <= 1 << 20,
                  let format = ImageFormat(sniffing: [UInt8](d.prefix(8))) else { continue }
            return "data:image/\(format == .jpeg ? "jpeg" : "png");base64,\(d.base64EncodedString())"
        }
        return nil
    }
}
