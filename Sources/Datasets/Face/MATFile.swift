import Foundation

/// A MATLAB v5 `.mat` file (the `-v6`/`-v7` format `scipy.io.savemat` and MATLAB write), read
/// whole: little-endian only, compressed elements inflated, numeric, char and cell arrays.
public struct MATFile: Sendable {
    /// The most bytes one compressed element may inflate to (256 MiB). TinyFace's `.mat` files hold
    /// a few thousand file names (well under 1 MB); the size the inner element declares is checked
    /// against this before the rest is inflated, and the inflation stops at that declared size.
    public static let maxInflatedBytes = 256 << 20
    public let path: String
    /// Variable names in file order.
    public let names: [String]
    private let variables: [String: Result<MATValue, DatasetError>]

    public init(path: String) throws {
        try self.init(bytes: DataFile.readRaw(path), file: path)
    }

    public init(bytes: [UInt8], file: String) throws {
        path = file
        guard bytes.count >= 128 else {
            throw DatasetError.truncated(file: file, header: 0, expected: 128, found: bytes.count, what: "a MAT v5 header")
        }
        switch (bytes[126], bytes[127]) {
        case (0x49, 0x4d): break   // "IM": written little-endian
        case (0x4d, 0x49):
            throw DatasetError.invalid(file: file, offset: 126, message: "big-endian MAT file (endian tag 'MI'); only little-endian files are supported, re-save it on a little-endian machine")
        default:
            let text = String(decoding: bytes.prefix(10), as: UTF8.self)
            let hint = text.hasPrefix("MATLAB 5.0") ? "" : text.contains("HDF") || bytes.starts(with: [0x89, 0x48, 0x44, 0x46])
                ? " (a -v7.3 HDF5 file?)" : " (not a MAT v5 file?)"
            throw DatasetError.invalid(file: file, offset: 126, message: "endian tag \(String(format: "%02x %02x", bytes[126], bytes[127])), expected 'IM' (MAT v5 little-endian)\(hint)")
        }
        var names: [String] = []
        var variables: [String: Result<MATValue, DatasetError>] = [:]
        let parser = MATElementParser(bytes: bytes, file: file, context: "")
        var offset = 128
        while offset < bytes.count {
            if bytes.count - offset < 8 && bytes[offset...].allSatisfy({ $0 == 0 }) { break }
            let element = try parser.element(at: offset)
            offset = element.next
            // The matrix of this element and the buffer it lives in (the file, or the inflated bytes).
            let matrix: (parser: MATElementParser, start: Int, end: Int)
            switch element.type {
            case MATType.matrix:
                if element.size == 0 { continue }
                matrix = (parser, element.dataOffset, element.dataOffset + element.size)
            case MATType.compressed:
                let inflated = try Gzip.decompress(Array(bytes[element.dataOffset..<element.dataOffset + element.size]), file: file,
                                                   limit: Self.maxInflatedBytes) { prefix in
                    // The inner tag (type, size) comes first: refuse an oversized element before inflating it.
                    guard prefix.count >= 8 else { return nil }
                    let head = Array(prefix.prefix(8))
                    let declared = head.u32LE(at: 0) >> 16 != 0 ? 8 : 8 + Int(head.u32LE(at: 4))
                    guard declared <= Self.maxInflatedBytes else {
                        throw DatasetError.invalid(file: file, offset: element.start,
                                                   message: "compressed element declares \(declared - 8) bytes of data, more than the \(Self.maxInflatedBytes)-byte limit (MATFile.maxInflatedBytes)")
                    }
                    // Padding to 8 bytes may follow the element.
                    return (declared + 8, "the element inside declares \(declared - 8) bytes of data")
                }
                let inner = MATElementParser(bytes: inflated, file: file, context: "in the compressed element at byte \(element.start), ")
                let e = try inner.element(at: 0)
                guard e.type == MATType.matrix else {
                    throw inner.fail(0, "compressed element holds \(MATType.describe(e.type)), expected miMATRIX (14)")
                }
                if e.size == 0 { continue }
                matrix = (inner, e.dataOffset, e.dataOffset + e.size)
            default:
                throw parser.fail(element.start, "top-level element of type \(MATType.describe(element.type)), expected miMATRIX (14) or miCOMPRESSED (15)")
            }
            let name = try matrix.parser.matrixName(from: matrix.start, end: matrix.end)
            if variables[name] == nil { names.append(name) }
            do {
                variables[name] = .success(try matrix.parser.matrix(from: matrix.start, end: matrix.end))
            } catch let e as DatasetError {
                variables[name] = .failure(e)
            }
        }
        self.names = names
        self.variables = variables
    }

    /// The variable `name`; throws naming the file, the variable and the ones present.
    public func variable(named name: String) throws -> MATValue {
        guard let v = variables[name] else {
            let present = names.isEmpty ? "none" : names.joined(separator: ", ")
            throw DatasetError.invalid(file: path, offset: nil, message: "no variable '\(name)' (variables present: \(present))")
        }
        return try v.get()
    }
}
