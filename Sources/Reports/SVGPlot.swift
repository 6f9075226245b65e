import Metrics
import Foundation

/// A small, dependency-free SVG chart: points or lines in named, coloured series over linear axes.
/// Reports embed it (search trajectory now; ROC and CMC curves use the same drawing).
public struct SVGPlot {
    public struct Series {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)]
        public var lines: Bool
        /// Indices of points drawn outlined (e.g. accepted candidates).
        public var marked: Set<Int>
        public init(name: String, color: String, points: [(x: Double, y: Double)], lines: Bool = false, marked: Set<Int> = []) {
            self.name = name; self.color = color; self.points = points; self.lines = lines; self.marked = marked
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// A line under the legend (what outlined points mean, say).
    public var note: String?
    public var width = 720.0, height = 420.0
    /// Fixed axis ranges (rates: 0...1) instead of the data's extent, so a flat curve at 1 reads as 1.
    public var xRange: ClosedRange<Double>?, yRange: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
    }

    /// About five round tick values covering `lo...hi`.
    static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        guard hi > lo else { return [lo] }
        let raw = (hi - lo) / 5, mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var t = ceil(lo / step) * step, out: [Double] = []
        while t <= hi + step * 1e-9 { out.append(t); t += step }
        return out
    }

    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    public func render() -> String {
        let all = series.flatMap(\.points)
        var (x0, x1) = (all.map(\.x).min() ?? 0, all.map(\.x).max() ?? 1)
        var (y0, y1) = (all.map(\.y).min() ?? 0, all.map(\.y).max() ?? 1)
        if let r = xRange { (x0, x1) = (r.lowerBound, r.upperBound) }
        if let r = yRange { (y0, y1) = (r.lowerBound, r.upperBound) }
        if x1 <= x0 { x0 -= 1; x1 += 1 }
        if y1 <= y0 { y0 -= 1; y1 += 1 }
        let pad = (y1 - y0) * 0.05
        y0 -= pad; y1 += pad
        let left = 64.0, right = 150.0, top = 36.0, bottom = 48.0
        let pw = width - left - right, ph = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(Self.escape(title))</text>\n"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#444\"/>\n"
        for t in Self.ticks(x0, x1) {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top + ph))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + ph + 5))\" stroke=\"#444\"/>"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(top + ph + 18))\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
        }
        for t in Self.ticks(y0, y1) {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(t)))\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Self.label(t))</text>\n"
        }
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        s += "<text transform=\"translate(16 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        for (k, ser) in series.enumerated() {
            if ser.lines, ser.points.count > 1 {
                let path = ser.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(ser.color)\" stroke-width=\"1.5\"/>\n"
            } else {
                for (i, p) in ser.points.enumerated() {
                    let outline = ser.marked.contains(i) ? " stroke=\"black\" stroke-width=\"1.5\"" : ""
                    s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.5\" fill=\"\(ser.color)\"\(outline)/>\n"
                }
            }
            let ly = top + 10 + Double(k) * 18
            s += "<rect x=\"\(f(left + pw + 12))\" y=\"\(f(ly - 9))\" width=\"10\" height=\"10\" fill=\"\(ser.color)\"/>"
            s += "<text x=\"\(f(left + pw + 28))\" y=\"\(f(ly))\">\(Self.escape(ser.name))</text>\n"
        }
        if let note {
            s += "<text x=\"\(f(left + pw + 12))\" y=\"\(f(top + 10 + Double(series.count) * 18 + 8))\" font-size=\"11\">\(Self.escape(note))</text>\n"
        }
        return s + "</svg>\n"
    }

    static func label(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e6 ? String(Int(v)) : String(format: "%.3g", v)
    }

    public func write(to path: String) throws {
        try Data(render().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
