import Foundation

/// What the first bytes of an encoded image say, without decoding it (decoding is ImageIO's job).
public enum EncodedImageFormat: String, Sendable {
    case jpeg, png, unknown

    public init(sniffing bytes: Data) {
        if bytes.count >= 2 && bytes[bytes.startIndex] == 0xff && bytes[bytes.startIndex + 1] == 0xd8 {
            self = .jpeg
        } else if bytes.starts(with: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) {
            self = .png
        } else {
            self = .unknown
        }
    }

    /// The file extension writers use (`.jpg` also for unknown bytes, which readers then pick up).
    public var fileExtension: String { self == .png ? "png" : "jpg" }

    /// Width and height from the JPEG frame header or the PNG IHDR chunk, nil when not found.
    public static func dimensions(of bytes: Data) -> (width: Int, height: Int)? {
        let b = [UInt8](bytes)
        switch EncodedImageFormat(sniffing: bytes) {
        case .png:
            guard b.count >= 24 else { return nil }
            let w = Int(b[16]) << 24 | Int(b[17]) << 16 | Int(b[18]) << 8 | Int(b[19])
            let h = Int(b[20]) << 24 | Int(b[21]) << 16 | Int(b[22]) << 8 | Int(b[23])
            return (w, h)
        case .jpeg:
            var i = 2
            while i + 9 < b.count {
                guard b[i] == 0xff else { return nil }
                let marker = b[i + 1]
                if marker == 0xff { i += 1; continue }
                if marker == 0xd8 || marker == 0x01 || (0xd0...0xd7).contains(marker) { i += 2; continue }
                let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
                // SOF0–SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
                if (0xc0...0xcf).contains(marker) && ![0xc4, 0xc8, 0xcc].contains(marker) {
                    let h = Int(b[i + 5]) << 8 | Int(b[i + 6]), w = Int(b[i + 7]) << 8 | Int(b[i + 8])
                    return (w, h)
                }
                if marker == 0xda { return nil }   // scan data before any frame header
                i += 2 + length
            }
            return nil
        case .unknown:
            return nil
        }
    }
}
