import Foundation

/// One line of a landmark file: an image path relative to the images folder and its five points.
public struct LandmarkEntry: Sendable, Equatable {
    public var path: String
    public var landmarks: [Point2D]
    /// Which face of the image, when the file lists several (`facenas detect --all-faces` writes
    /// `photo.jpg#k`); nil for the usual one face per image.
    public var face: Int?
    public init(path: String, landmarks: [Point2D], face: Int? = nil) { self.path = path; self.landmarks = landmarks; self.face = face }

    /// The name its aligned crop is written under: the path, with `#k` before the extension for face k.
    public var alignedPath: String {
        guard let face else { return path }
        let ext = (path as NSString).pathExtension
        let stem = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
        return ext.isEmpty ? "\(stem)#\(face)" : "\(stem)#\(face).\(ext)"
    }

    /// Splits a trailing `#k` (k a non-negative integer) off a listed path.
    static func splitFace(_ listed: String) -> (path: String, face: Int?) {
        guard let hash = listed.lastIndex(of: "#") else { return (listed, nil) }
        let digits = listed[listed.index(after: hash)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let k = Int(digits) else { return (listed, nil) }
        return (String(listed[..<hash]), k)
    }
}

/// Parses the text of a landmark file for `facenas align`: one image per line, the relative path
/// then ten numbers x1 y1 … x5 y5 (left eye, right eye, nose, left mouth, right mouth), separated by
/// spaces or tabs; a path ending in `#k` names face k of that image. Blank lines and lines starting with `#` are ignored. The numbers are the last ten
/// fields, so a path may contain spaces. `file` only names the source in errors
/// ("FILE:LINE: expected ..."). Unless `allowOutside`, a path must stay inside the images folder:
/// an absolute path or a `..` component is refused naming the line (`alignFolder` also refuses
/// symbolic links that lead out).
public func parseLandmarks(_ text: String, file: String, allowOutside: Bool = false) throws -> [LandmarkEntry] {
    var entries: [LandmarkEntry] = []
    // `isNewline` also splits "\r\n", which Swift treats as one Character.
    for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
        let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.isEmpty || line.hasPrefix("#") { continue }
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let at = "\(file):\(number + 1)"
        guard fields.count >= 11 else {
            throw ImageIOError("\(at): expected an image path and 10 numbers (x1 y1 ... x5 y5), found \(fields.count) field\(fields.count == 1 ? "" : "s")")
        }
        var values: [Double] = []
        for (k, field) in fields.suffix(10).enumerated() {
            guard let v = Double(field), v.isFinite else {
                throw ImageIOError("\(at): coordinate \(k + 1) of 10 is '\(field)', expected a number")
            }
            values.append(v)
        }
        let numbersStart = fields[fields.count - 10].startIndex
        let (path, face) = LandmarkEntry.splitFace(line[line.startIndex..<numbersStart].trimmingCharacters(in: .whitespaces))
        if !allowOutside, let reason = FileSafety.lexicalEscape(path, folder: "the images folder") {
            throw ImageIOError("\(at): \(reason)")
        }
        let points = (0..<5).map { Point2D(x: values[2 * $0], y: values[2 * $0 + 1]) }
        entries.append(LandmarkEntry(path: path, landmarks: points, face: face))
    }
    return entries
}

/// Reads and parses a landmark file (see `parseLandmarks`).
public func readLandmarkFile(_ path: String, allowOutside: Bool = false) throws -> [LandmarkEntry] {
    let data: [UInt8]
    switch FileSafety.readRegular(path) {
    case let .success(bytes): data = bytes
    case let .failure(e):
        let reason = FileManager.default.fileExists(atPath: path) ? e.reason : "no such file"
        throw ImageIOError("\(path): cannot read the landmark file (\(reason))")
    }
    guard let text = String(validating: data, as: UTF8.self) else { throw ImageIOError("\(path): not UTF-8 text (expected a landmark file)") }
    return try parseLandmarks(text, file: path, allowOutside: allowOutside)
}
