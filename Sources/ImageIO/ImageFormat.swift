/// The container formats `decodeImage` recognises by their first bytes.
public enum ImageFormat: String, Sendable {
    case jpeg = "JPEG"
    case png = "PNG"

    /// JPEG starts with SOI + a marker (FF D8 FF); PNG with its 8-byte signature, of which the first
    /// four (89 'P' 'N' 'G') are distinctive enough.
    public init?(sniffing data: [UInt8]) {
        if data.count >= 3, data[0] == 0xFF, data[1] == 0xD8, data[2] == 0xFF { self = .jpeg }
        else if data.count >= 4, data[0] == 0x89, data[1] == 0x50, data[2] == 0x4E, data[3] == 0x47 { self = .png }
        else { return nil }
    }
}

/// Decodes a JPEG or PNG, chosen by the magic bytes rather than a file name (records inside `.bin`
/// and RecordIO files have no name).
public func decodeImage(_ data: [UInt8]) throws -> RGBImage {
    switch ImageFormat(sniffing: data) {
    case .jpeg: return try decodeJPEG(data)
    case .png: return try decodePNG(data)
    case nil:
        let head = data.prefix(4).map { String($0, radix: 16, uppercase: true).leftPadded(2) }.joined(separator: " ")
        throw ImageIOError("not an image: starts with \(head.isEmpty ? "no bytes" : head), expected JPEG (FF D8 FF) or PNG (89 50 4E 47)")
    }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
