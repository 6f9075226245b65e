import Foundation

/// MAT v5 data types (the tag's first word) and array classes (the array flags' low byte).
enum MATType {
    static let int8 = 1, uint8 = 2, int16 = 3, uint16 = 4, int32 = 5, uint32 = 6, single = 7, double = 9
    static let int64 = 12, uint64 = 13, matrix = 14, compressed = 15, utf8 = 16, utf16 = 17, utf32 = 18

    static func describe(_ t: Int) -> String {
        let names = [1: "miINT8", 2: "miUINT8", 3: "miINT16", 4: "miUINT16", 5: "miINT32", 6: "miUINT32",
                     7: "miSINGLE", 9: "miDOUBLE", 12: "miINT64", 13: "miUINT64", 14: "miMATRIX",
                     15: "miCOMPRESSED", 16: "miUTF8", 17: "miUTF16", 18: "miUTF32"]
        return "\(names[t] ?? "unknown type") (\(t))"
    }

    static func elementSize(_ t: Int) -> Int? {
        switch t {
        case int8, uint8, utf8: return 1
        case int16, uint16, utf16: return 2
        case int32, uint32, single, utf32: return 4
        case double, int64, uint64: return 8
        default: return nil
        }
    }

    static let classNames = [1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse", 6: "double", 7: "single",
                             8: "int8", 9: "uint8", 10: "int16", 11: "uint16", 12: "int32", 13: "uint32",
                             14: "int64", 15: "uint64"]
}

/// One tagged element: `start` is its tag, `dataOffset` its data, `next` the following element.
struct MATElement {
    var type: Int
    var size: Int
    var start: Int
    var dataOffset: Int
    var next: Int
}

/// Walks the tagged elements of one buffer: the file itself, or the inflated contents of one
/// miCOMPRESSED element (then `context` says which, since offsets are inside the inflated bytes).
struct MATElementParser {
    let bytes: [UInt8]
    let file: String
    let context: String

    func fail(_ offset: Int, _ message: String) -> DatasetError {
        context.isEmpty ? .invalid(file: file, offset: offset, message: message)
            : .invalid(file: file, offset: nil, message: "\(context)at decompressed byte \(offset): \(message)")
    }

    func element(at offset: Int, end: Int? = nil) throws -> MATElement {
        let limit = end ?? bytes.count
        guard limit - offset >= 8 else {
            throw fail(offset, "truncated: expected an 8-byte element tag, \(max(0, limit - offset)) bytes left")
        }
        let first = bytes.u32LE(at: offset)
        if first >> 16 != 0 {
            // Small data element: size and type share the first word, data in the second.
            let size = Int(first >> 16), type = Int(first & 0xffff)
            guard size <= 4 else { throw fail(offset, "small data element of \(size) bytes, expected at most 4") }
            return MATElement(type: type, size: size, start: offset, dataOffset: offset + 4, next: offset + 8)
        }
        let type = Int(first), size = Int(bytes.u32LE(at: offset + 4))
        guard size <= limit - offset - 8 else {
            throw fail(offset, "truncated: \(MATType.describe(type)) element announces \(size) bytes, \(limit - offset - 8) left")
        }
        // Compressed elements are not padded; everything else is padded to 8 bytes.
        let padded = type == MATType.compressed ? size : (size + 7) / 8 * 8
        return MATElement(type: type, size: size, start: offset, dataOffset: offset + 8,
                          next: min(offset + 8 + padded, bytes.count))
    }

    /// The header of a miMATRIX whose data spans `start..<end`: flags, dimensions, name.
    private func header(from start: Int, end: Int) throws -> (cls: Int, dims: [Int], name: String, next: Int) {
        let flags = try element(at: start, end: end)
        guard flags.type == MATType.uint32, flags.size == 8 else {
            throw fail(start, "array flags are \(MATType.describe(flags.type)) of \(flags.size) bytes, expected miUINT32 of 8 bytes")
        }
        let cls = Int(bytes.u32LE(at: flags.dataOffset) & 0xff)
        let dimsElement = try element(at: flags.next, end: end)
        guard dimsElement.type == MATType.int32, dimsElement.size % 4 == 0, dimsElement.size >= 8 else {
            throw fail(flags.next, "dimensions are \(MATType.describe(dimsElement.type)) of \(dimsElement.size) bytes, expected miINT32 with at least 2 values")
        }
        let dims = (0..<dimsElement.size / 4).map { Int(Int32(bitPattern: bytes.u32LE(at: dimsElement.dataOffset + 4 * $0))) }
        guard dims.allSatisfy({ $0 >= 0 }) else { throw fail(dimsElement.start, "negative dimension in \(dims)") }
        let nameElement = try element(at: dimsElement.next, end: end)
        guard nameElement.type == MATType.int8 || nameElement.type == MATType.uint8 else {
            throw fail(dimsElement.next, "array name is \(MATType.describe(nameElement.type)), expected miINT8")
        }
        let name = String(decoding: bytes[nameElement.dataOffset..<nameElement.dataOffset + nameElement.size], as: UTF8.self)
        return (cls, dims, name, nameElement.next)
    }

    func matrixName(from start: Int, end: Int) throws -> String {
        try header(from: start, end: end).name
    }

    /// Deepest nesting of cell arrays accepted: TinyFace's lists are one cell deep, and reading (and
    /// releasing) a cell recurses once per level, so 100,000 levels would overflow the stack.
    static let maxCellDepth = 100

    func matrix(from start: Int, end: Int, depth: Int = 1) throws -> MATValue {
        let (cls, dims, name, next) = try header(from: start, end: end)
        let label = name.isEmpty ? "" : "variable '\(name)': "
        // Dimensions come from the file: their product may overflow, and a count can never exceed
        // the bytes the element holds (a cell needs 8 bytes per element, data at least 1).
        var count = 1, overflow = false
        for d in dims where !overflow { (count, overflow) = count.multipliedReportingOverflow(by: d) }
        guard !overflow, count <= end - next else {
            throw fail(start, "\(label)dimensions \(dims) describe more elements than the \(end - next) bytes of the array can hold")
        }
        switch cls {
        case 6...15:
            let real = try element(at: next, end: end)
            let values = try numbers(real)
            guard values.count == count else {
                throw fail(real.start, "\(label)\(values.count) values for dimensions \(dims), expected \(count)")
            }
            return .numeric(shape: dims, values: values)
        case 4:
            let data = try element(at: next, end: end)
            let chars = try characters(data)
            guard chars.count == count else {
                throw fail(data.start, "\(label)\(chars.count) characters for dimensions \(dims), expected \(count)")
            }
            let rows = dims[0]
            // An n×0 array holds n empty strings and no data: n is bounded by the element's size.
            guard rows <= end - start else {
                throw fail(start, "\(label)dimensions \(dims) describe more rows than the \(end - start) bytes of the array can hold")
            }
            let columns = rows == 0 ? 0 : count / rows
            return .char(rows: (0..<rows).map { r in
                var s = String.UnicodeScalarView()
                for c in 0..<columns { s.append(chars[r + c * rows]) }
                return String(s)
            })
        case 1:
            guard depth < Self.maxCellDepth else {
                throw fail(start, "\(label)cell arrays nested more than \(Self.maxCellDepth) deep")
            }
            guard count <= (end - next) / 8 else {
                throw fail(start, "\(label)dimensions \(dims) describe \(count) cells, more than the \(end - next) bytes of the array can hold (8 bytes per cell at least)")
            }
            var elements: [MATValue] = []
            var offset = next
            for i in 0..<count {
                let e = try element(at: offset, end: end)
                guard e.type == MATType.matrix else {
                    throw fail(offset, "\(label)cell element \(i) is \(MATType.describe(e.type)), expected miMATRIX (14)")
                }
                elements.append(e.size == 0 ? .numeric(shape: [0, 0], values: []) : try matrix(from: e.dataOffset, end: e.dataOffset + e.size, depth: depth + 1))
                offset = e.next
            }
            return .cell(shape: dims, elements: elements)
        default:
            throw fail(start, "\(label)array class \(MATType.classNames[cls] ?? "\(cls)") is not supported (expected numeric, char or cell)")
        }
    }

    private func numbers(_ e: MATElement) throws -> [Double] {
        guard let width = MATType.elementSize(e.type), e.type < MATType.utf8 else {
            throw fail(e.start, "numeric data stored as \(MATType.describe(e.type)), expected an integer or floating-point type")
        }
        guard e.size % width == 0 else { throw fail(e.start, "\(e.size) data bytes, not a multiple of \(width)") }
        let o = e.dataOffset
        return (0..<e.size / width).map { i -> Double in
            let p = o + i * width
            switch e.type {
            case MATType.int8: return Double(Int8(bitPattern: bytes[p]))
            case MATType.uint8: return Double(bytes[p])
            case MATType.int16: return Double(Int16(bitPattern: bytes.u16LE(at: p)))
            case MATType.uint16: return Double(bytes.u16LE(at: p))
            case MATType.int32: return Double(Int32(bitPattern: bytes.u32LE(at: p)))
            case MATType.uint32: return Double(bytes.u32LE(at: p))
            case MATType.single: return Double(Float(bitPattern: bytes.u32LE(at: p)))
            case MATType.int64: return Double(Int64(bitPattern: bytes.u64LE(at: p)))
            case MATType.uint64: return Double(bytes.u64LE(at: p))
            default: return Double(bitPattern: bytes.u64LE(at: p))
            }
        }
    }

    private func characters(_ e: MATElement) throws -> [Unicode.Scalar] {
        let slice = bytes[e.dataOffset..<e.dataOffset + e.size]
        switch e.type {
        case MATType.utf8:
            guard let s = String(validating: slice, as: UTF8.self) else { throw fail(e.start, "char data is not valid UTF-8") }
            return Array(s.unicodeScalars)
        case MATType.uint8, MATType.int8:
            return slice.map { Unicode.Scalar($0) }
        case MATType.uint16, MATType.utf16:
            let units = stride(from: e.dataOffset, to: e.dataOffset + e.size - 1, by: 2).map { bytes.u16LE(at: $0) }
            if e.type == MATType.uint16 {
                // MATLAB chars are UTF-16 code units; scipy writes one unit per character.
                return units.map { Unicode.Scalar($0) ?? "\u{FFFD}" }
            }
            return Array(String(decoding: units, as: UTF16.self).unicodeScalars)
        case MATType.utf32:
            return stride(from: e.dataOffset, to: e.dataOffset + e.size - 3, by: 4).map {
                Unicode.Scalar(bytes.u32LE(at: $0)) ?? "\u{FFFD}"
            }
        default:
            throw fail(e.start, "char data stored as \(MATType.describe(e.type)), expected miUTF8, miUINT16 or miUINT8")
        }
    }
}
