import Foundation
import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A checkpoint file that cannot be read or written, described on one line:
/// the file, where in it (a byte offset, the header, or a tensor name), and what was expected.
public struct SafetensorsError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    /// The file being read or written.
    public let path: String
    /// Where the problem is, e.g. `file byte 8`, `header`, `tensor "conv1.weight"`; nil for the whole file.
    public let location: String?
    /// What was found and what was expected.
    public let reason: String

    public init(path: String, location: String? = nil, reason: String) {
        self.path = path
        self.location = location
        self.reason = reason
    }

    public var description: String {
        let text = location.map { "\(path): \($0): \(reason)" } ?? "\(path): \(reason)"
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    public var errorDescription: String? { description }
}

/// Reads and writes the safetensors checkpoint format:
///
///     u64 little-endian N | N bytes of UTF-8 JSON header, space-padded to a multiple of 8 | data buffer
///
/// The header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets
/// relative to the buffer start) and may hold `"__metadata__": {String: String}`. Tensors are
/// little-endian, row-major and tile the buffer exactly, with no gaps or overlaps.
///
/// FaceNAS writes F32. The reader also converts F16, BF16 and F64 to Float so that files written by
/// other tools load; every other dtype is refused with an error naming the tensor.
public enum Safetensors {
    /// The JSON key reserved for string metadata.
    public static let metadataKey = "__metadata__"

    // MARK: Writing

    /// Writes `tensors` (as F32, in the given order) and `metadata` to `path`.
    ///
    /// The file is written atomically: to `"<path>.tmp-<pid>"`, fsync'd, then renamed over `path`,
    /// so an interrupted write never destroys an existing file.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String],
                             to path: String) throws {
        let header = try encodeHeader(tensors, metadata: metadata, path: path)
        let tmp = "\(path).tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SafetensorsError(path: path, reason: "cannot create temporary file \(tmp): \(errnoText())")
        }
        var closed = false
        do {
            defer { if !closed { _ = close(fd) } }
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try writeAll(fd, $0, tmp: tmp, path: path) }
            try header.withUnsafeBytes { try writeAll(fd, $0, tmp: tmp, path: path) }
            for (_, tensor) in tensors {
                try writeFloats(fd, tensor.data, count: tensor.count, tmp: tmp, path: path)
            }
            guard fsync(fd) == 0 else {
                throw SafetensorsError(path: path, reason: "cannot fsync \(tmp): \(errnoText())")
            }
            closed = true
            guard close(fd) == 0 else {
                throw SafetensorsError(path: path, reason: "cannot close \(tmp): \(errnoText())")
            }
            guard rename(tmp, path) == 0 else {
                throw SafetensorsError(path: path, reason: "cannot rename \(tmp) over it: \(errnoText())")
            }
        } catch {
            unlink(tmp)
            throw error
        }
        // Make the rename itself durable; not every file system supports fsync on a directory.
        let dir = (path as NSString).deletingLastPathComponent
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            _ = close(dfd)
        }
    }

    /// The space-padded JSON header for `tensors` laid out contiguously in the given order.
    static func encodeHeader(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String],
                             path: String) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        func quoted(_ s: String) throws -> String { String(decoding: try encoder.encode(s), as: UTF8.self) }

        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = try metadata.keys.sorted().map { "\(try quoted($0)):\(try quoted(metadata[$0]!))" }
            parts.append("\(try quoted(metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var seen = Set<String>()
        var offset = 0
        for (name, tensor) in tensors {
            guard name != metadataKey else {
                throw SafetensorsError(path: path, location: "tensor \(name.debugDescription)",
                                       reason: "the name \(metadataKey) is reserved for metadata")
            }
            guard seen.insert(name).inserted else {
                throw SafetensorsError(path: path, location: "tensor \(name.debugDescription)",
                                       reason: "duplicate tensor name; each name may be written once")
            }
            guard tensor.shape.allSatisfy({ $0 >= 0 }) else {
                throw SafetensorsError(path: path, location: "tensor \(name.debugDescription)",
                                       reason: "shape \(tensor.shape) has a negative dimension")
            }
            let end = offset + tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            parts.append("\(try quoted(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array("{\(parts.joined(separator: ","))}".utf8)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }

    // MARK: Reading

    /// Reads every tensor as Float. `order` lists the names by their position in the data buffer
    /// (for files written by `write`, the order they were given in).
    public static func read(_ path: String) throws -> (tensors: [String: Tensor], order: [String],
                                                        metadata: [String: String]) {
        let file = try OpenFile(path: path)
        defer { file.close() }
        let header = try parseHeader(file)
        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(header.entries.count)
        for entry in header.entries {
            let tensor = Tensor(zeros: entry.shape)
            let fileOffset = header.bufferStart + entry.begin
            let byteCount = entry.end - entry.begin
            let location = "tensor \(entry.name.debugDescription)"
            #if _endian(little)
            let direct = entry.dtype == .f32
            #else
            let direct = false
            #endif
            if direct {
                try file.readFully(into: UnsafeMutableRawPointer(tensor.data), count: byteCount,
                                   at: fileOffset, location: location)
            } else if byteCount > 0 {
                let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 8)
                defer { raw.deallocate() }
                try file.readFully(into: raw.baseAddress!, count: byteCount, at: fileOffset, location: location)
                convert(UnsafeRawBufferPointer(raw), dtype: entry.dtype, into: tensor.data, count: tensor.count)
            }
            tensors[entry.name] = tensor
        }
        return (tensors, header.entries.map(\.name), header.metadata)
    }

    /// The `__metadata__` strings, reading only the header (the header is fully validated, the data is not read).
    public static func readMetadata(_ path: String) throws -> [String: String] {
        let file = try OpenFile(path: path)
        defer { file.close() }
        return try parseHeader(file).metadata
    }

    // MARK: Header parsing and validation

    enum DType: String {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
        var size: Int {
            switch self {
            case .f32: 4
            case .f16, .bf16: 2
            case .f64: 8
            }
        }
    }

    struct Entry {
        let name: String
        let dtype: DType
        let shape: [Int]
        let begin: Int
        let end: Int
        let headerIndex: Int
    }

    struct Header {
        /// Sorted by position in the data buffer.
        let entries: [Entry]
        let metadata: [String: String]
        /// File offset of the data buffer.
        let bufferStart: Int
    }

    static func parseHeader(_ file: OpenFile) throws -> Header {
        let path = file.path
        func fail(_ location: String?, _ reason: String) -> SafetensorsError {
            SafetensorsError(path: path, location: location, reason: reason)
        }
        guard file.size >= 8 else {
            throw fail(nil, "file is \(file.size) bytes, shorter than the 8-byte header length that starts a safetensors file")
        }
        var rawLength: UInt64 = 0
        try withUnsafeMutableBytes(of: &rawLength) {
            try file.readFully(into: $0.baseAddress!, count: 8, at: 0, location: "file byte 0")
        }
        let declared = UInt64(littleEndian: rawLength)
        guard declared <= UInt64(file.size - 8) else {
            throw fail("file byte 0", "header length \(declared) runs past the end of the file (\(file.size) bytes, so at most \(file.size - 8))")
        }
        let headerLength = Int(declared)
        let bufferStart = 8 + headerLength
        let bufferLength = file.size - bufferStart
        guard headerLength > 0 else { throw fail("file byte 0", "header length is 0; expected a JSON object") }

        var bytes = [UInt8](repeating: 0, count: headerLength)
        try bytes.withUnsafeMutableBytes {
            try file.readFully(into: $0.baseAddress!, count: headerLength, at: 8, location: "header")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw fail("file bytes 8..<\(bufferStart)", "header is not valid UTF-8")
        }
        let data = Data(bytes)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let detail = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
            throw fail("file bytes 8..<\(bufferStart)", "header is not valid JSON: \(detail) (characters counted from file byte 8)")
        }
        guard parsed is [String: Any] else {
            throw fail("file bytes 8..<\(bufferStart)", "header is JSON but not an object; expected {\"name\": {\"dtype\", \"shape\", \"data_offsets\"}, ...}")
        }
        let object: [String: JSONValue]
        do {
            object = try JSONDecoder().decode([String: JSONValue].self, from: data)
        } catch {
            throw fail("file bytes 8..<\(bufferStart)", "header could not be decoded: \(error)")
        }

        // JSON decoders silently keep one of several equal keys; find the keys and their order ourselves.
        var keys: [String] = []
        var seen = Set<String>()
        for (key, offset) in topLevelKeys(bytes) {
            guard seen.insert(key).inserted else {
                let what = key == metadataKey ? "duplicate \(metadataKey) entry" : "duplicate tensor name"
                throw fail("tensor \(key.debugDescription) at file byte \(8 + offset)", what)
            }
            keys.append(key)
        }

        var metadata: [String: String] = [:]
        switch object[metadataKey] {
        case nil, .null?:
            break
        case .object(let values)?:
            for key in values.keys.sorted() {
                guard case .string(let s) = values[key]! else {
                    throw fail(metadataKey, "value of key \(key.debugDescription) is \(values[key]!.kind); metadata values must be strings")
                }
                metadata[key] = s
            }
        case let other?:
            throw fail(metadataKey, "expected an object of string values, found \(other.kind)")
        }

        var entries: [Entry] = []
        for (index, name) in keys.enumerated() where name != metadataKey {
            guard let value = object[name] else {
                throw fail("tensor \(name.debugDescription)", "key found in the header text but not in the decoded JSON")
            }
            entries.append(try entry(name, value, index: index, bufferLength: bufferLength, fail: fail))
        }

        // The tensors must tile the buffer exactly.
        entries.sort { ($0.begin, $0.end, $0.headerIndex) < ($1.begin, $1.end, $1.headerIndex) }
        var expected = 0
        var previous: String?
        for entry in entries {
            let location = "tensor \(entry.name.debugDescription)"
            if entry.begin > expected {
                throw fail(location, "gap in the data buffer: bytes \(expected)..<\(entry.begin) (file bytes \(bufferStart + expected)..<\(bufferStart + entry.begin)) belong to no tensor; expected data_offsets to start at \(expected)")
            }
            if entry.begin < expected {
                throw fail(location, "data_offsets [\(entry.begin), \(entry.end)] overlap tensor \(previous!.debugDescription), which ends at buffer byte \(expected)")
            }
            expected = entry.end
            previous = entry.name
        }
        if expected != bufferLength {
            throw fail("file byte \(bufferStart + expected)", "data buffer is \(bufferLength) bytes but the tensors cover only \(expected); expected no bytes after the last tensor")
        }
        return Header(entries: entries, metadata: metadata, bufferStart: bufferStart)
    }

    private static func entry(_ name: String, _ value: JSONValue, index: Int, bufferLength: Int,
                              fail: (String?, String) -> SafetensorsError) throws -> Entry {
        let location = "tensor \(name.debugDescription)"
        guard case .object(let fields) = value else {
            throw fail(location, "expected an object with dtype, shape and data_offsets, found \(value.kind)")
        }
        func field(_ key: String) throws -> JSONValue {
            guard let v = fields[key] else { throw fail(location, "missing \"\(key)\"") }
            return v
        }
        func integers(_ key: String, _ v: JSONValue) throws -> [Int] {
            guard case .array(let items) = v else {
                throw fail(location, "\"\(key)\" must be an array of non-negative integers, found \(v.kind)")
            }
            return try items.map {
                guard case .int(let i) = $0, i >= 0 else {
                    throw fail(location, "\"\(key)\" must hold non-negative integers, found \($0.kind)")
                }
                return i
            }
        }

        let dtypeValue = try field("dtype")
        guard case .string(let dtypeName) = dtypeValue else {
            throw fail(location, "\"dtype\" must be a string, found \(dtypeValue.kind)")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw fail(location, "dtype \(dtypeName.debugDescription) is not supported; FaceNAS reads F32, F16, BF16 and F64")
        }
        let shape = try integers("shape", try field("shape"))
        let offsets = try integers("data_offsets", try field("data_offsets"))
        guard offsets.count == 2 else {
            throw fail(location, "\"data_offsets\" must be [begin, end], found \(offsets.count) numbers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else {
            throw fail(location, "data_offsets [\(begin), \(end)] end before they begin")
        }
        var needed = dtype.size
        var overflow = false
        for d in shape where !overflow {
            (needed, overflow) = needed.multipliedReportingOverflow(by: d)
        }
        guard !overflow else { throw fail(location, "shape \(shape) has too many elements") }
        guard end - begin == needed else {
            throw fail(location, "data_offsets [\(begin), \(end)] span \(end - begin) bytes but shape \(shape) of \(dtypeName) needs \(needed)")
        }
        guard end <= bufferLength else {
            throw fail(location, "data_offsets [\(begin), \(end)] run past the end of the data buffer (\(bufferLength) bytes)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end, headerIndex: index)
    }

    /// The keys of the top-level object of valid JSON text, in order, with their byte offsets.
    private static func topLevelKeys(_ bytes: [UInt8]) -> [(String, Int)] {
        var keys: [(String, Int)] = []
        var depth = 0
        var expectKey = false
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                let start = i
                i += 1
                while i < bytes.count && bytes[i] != UInt8(ascii: "\"") {
                    i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1
                }
                if depth == 1 && expectKey, i < bytes.count,
                   let key = try? JSONDecoder().decode(String.self, from: Data(bytes[start...i])) {
                    keys.append((key, start))
                }
                expectKey = false
            case UInt8(ascii: "{"):
                depth += 1
                expectKey = depth == 1
            case UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 1 { expectKey = true }
            default:
                break
            }
            i += 1
        }
        return keys
    }

    // MARK: Conversion

    /// Converts `count` little-endian values of `dtype` to Float.
    static func convert(_ raw: UnsafeRawBufferPointer, dtype: DType, into out: UnsafeMutablePointer<Float>, count: Int) {
        switch dtype {
        case .f32:
            for i in 0..<count {
                out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        case .f16:
            for i in 0..<count {
                out[i] = halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .bf16:
            for i in 0..<count {
                out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
            }
        case .f64:
            for i in 0..<count {
                out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        }
    }

    /// IEEE half to single precision (exact; NaN payloads are kept).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1f
        let mantissa = UInt32(h & 0x3ff)
        switch exponent {
        case 0:  // zero or subnormal: mantissa × 2^-24
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        case 0x1f:  // infinity or NaN
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    // MARK: File access

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, tmp: String, path: String) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            #if canImport(Darwin)
            let n = Darwin.write(fd, p, min(left, 1 << 30))
            #elseif canImport(Musl)
            let n = Musl.write(fd, p, min(left, 1 << 30))
            #else
            let n = Glibc.write(fd, p, min(left, 1 << 30))
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                throw SafetensorsError(path: path, reason: "cannot write \(tmp): \(errnoText())")
            }
            p += n
            left -= n
        }
    }

    private static func writeFloats(_ fd: Int32, _ data: UnsafeMutablePointer<Float>, count: Int,
                                    tmp: String, path: String) throws {
        #if _endian(little)
        try writeAll(fd, UnsafeRawBufferPointer(start: data, count: count * 4), tmp: tmp, path: path)
        #else
        let chunk = 1 << 16
        var start = 0
        while start < count {
            let n = min(chunk, count - start)
            let le = (0..<n).map { data[start + $0].bitPattern.littleEndian }
            try le.withUnsafeBytes { try writeAll(fd, $0, tmp: tmp, path: path) }
            start += n
        }
        #endif
    }

    /// A file open for reading with its size.
    final class OpenFile {
        let path: String
        let fd: Int32
        let size: Int

        init(path: String) throws {
            self.path = path
            // Non-blocking: opening a FIFO would otherwise wait for a writer before the check below.
            fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { throw SafetensorsError(path: path, reason: "cannot open: \(Safetensors.errnoText())") }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                let text = Safetensors.errnoText()
                _ = closeDescriptor(fd)
                throw SafetensorsError(path: path, reason: "cannot stat: \(text)")
            }
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                _ = closeDescriptor(fd)
                throw SafetensorsError(path: path, reason: "not a regular file")
            }
            size = Int(info.st_size)
        }

        func close() { _ = closeDescriptor(fd) }

        func readFully(into pointer: UnsafeMutableRawPointer, count: Int, at offset: Int, location: String) throws {
            var done = 0
            while done < count {
                let n = pread(fd, pointer + done, min(count - done, 1 << 30), off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SafetensorsError(path: path, location: location,
                                           reason: "cannot read file bytes \(offset + done)..<\(offset + count): \(Safetensors.errnoText())")
                }
                if n == 0 {
                    throw SafetensorsError(path: path, location: location,
                                           reason: "file ends at byte \(offset + done); expected data up to byte \(offset + count) (was it truncated while reading?)")
                }
                done += n
            }
        }
    }
}

/// `close(2)`, named apart from methods called `close`.
private func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }

/// A decoded JSON value, so the header can be checked with precise messages.
private enum JSONValue: Decodable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    /// What the value is, for messages.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .int(let i): "the integer \(i)"
        case .number(let d): "the number \(d)"
        case .string(let s): "the string \(s.debugDescription)"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
