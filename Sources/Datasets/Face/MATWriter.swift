import Foundation

/// Writes MAT v5 files that MATLAB and `scipy.io.loadmat` read: numeric arrays as double, char
/// arrays as miUTF8 (scipy decodes miUINT16 text with its default codec, which breaks non-ASCII),
/// cell arrays nested; each variable optionally in a miCOMPRESSED
/// element, as MATLAB's default `-v7` save does.
public enum MATWriter {
    public static func encode(_ variables: [(name: String, value: MATValue)], compressed: Bool) throws -> [UInt8] {
        var text = Array("MATLAB 5.0 MAT-file, Platform: FaceNAS, Created by: FaceNAS".utf8)
        text += Array(repeating: 0x20, count: 116 - text.count)
        var out = text + Array(repeating: 0, count: 8)   // no subsystem data
        out.appendLE(UInt16(0x0100))
        out += [0x49, 0x4d]                               // "IM": little-endian
        for (name, value) in variables {
            let matrix = try element(MATType.matrix, matrixData(value, name: name))
            if compressed {
                let z = try Gzip.compress(matrix, zlibWrapper: true)
                out.appendLE(UInt32(MATType.compressed))
                out.appendLE(UInt32(z.count))
                out += z
            } else {
                out += matrix
            }
        }
        return out
    }

    public static func write(_ variables: [(name: String, value: MATValue)], to path: String, compressed: Bool = true) throws {
        try DataFile.write(encode(variables, compressed: compressed), to: path)
    }

    private static func element(_ type: Int, _ data: [UInt8]) throws -> [UInt8] {
        guard data.count <= Int(UInt32.max) else { throw DatasetError.io(file: "<mat>", reason: "element too large for MAT v5") }
        var out: [UInt8] = []
        out.appendLE(UInt32(type))
        out.appendLE(UInt32(data.count))
        out += data
        out += Array(repeating: 0, count: (8 - data.count % 8) % 8)
        return out
    }

    private static func matrixData(_ value: MATValue, name: String) throws -> [UInt8] {
        let cls: Int, dims: [Int]
        var body: [UInt8] = []
        switch value {
        case let .numeric(shape, values):
            guard shape.reduce(1, *) == values.count else { throw shapeError(name, shape, values.count) }
            cls = 6
            dims = shape
            var data: [UInt8] = []
            for v in values { data.appendLE(v.bitPattern) }
            body = try element(MATType.double, data)
        case let .char(rows):
            let scalars = rows.map { Array($0.unicodeScalars) }
            let width = scalars.first?.count ?? 0
            guard scalars.allSatisfy({ $0.count == width }) else {
                throw DatasetError.invalid(file: "<mat>", offset: nil, message: "variable '\(name)': char rows of different lengths")
            }
            cls = 4
            dims = [rows.count, width]
            var column = String.UnicodeScalarView()
            for c in 0..<width { for r in 0..<rows.count { column.append(scalars[r][c]) } }   // column-major
            body = try element(MATType.utf8, Array(String(column).utf8))
        case let .cell(shape, elements):
            guard shape.reduce(1, *) == elements.count else { throw shapeError(name, shape, elements.count) }
            cls = 1
            dims = shape
            for e in elements { body += try element(MATType.matrix, matrixData(e, name: "")) }
        }
        var out: [UInt8] = []
        var flags: [UInt8] = []
        flags.appendLE(UInt32(cls))
        flags.appendLE(UInt32(0))
        out += try element(MATType.uint32, flags)
        var d: [UInt8] = []
        for x in (dims.count >= 2 ? dims : dims + Array(repeating: 1, count: 2 - dims.count)) { d.appendLE(UInt32(bitPattern: Int32(x))) }
        out += try element(MATType.int32, d)
        out += try element(MATType.int8, Array(name.utf8))
        return out + body
    }

    private static func shapeError(_ name: String, _ shape: [Int], _ count: Int) -> DatasetError {
        .invalid(file: "<mat>", offset: nil, message: "variable '\(name)': shape \(shape) does not hold \(count) elements")
    }
}
