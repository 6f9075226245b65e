import Foundation

/// An insightface verification set (`lfw.bin`, `cfp_fp.bin`, …): a pickle of `(bins, issame_list)`
/// where pair `i` is images `2i` and `2i+1`. Images stay encoded (JPEG bytes, as stored).
public struct VerificationBin: Sendable, Equatable {
    public var images: [Data]
    public var isSame: [Bool]

    public init(images: [Data], isSame: [Bool]) {
        precondition(images.count == 2 * isSame.count, "a verification set has two images per pair")
        self.images = images
        self.isSame = isSame
    }

    public var pairCount: Int { isSame.count }

    /// Reads a `.bin` written by Python 2 or 3 at pickle protocol 2–5, with images stored as
    /// Python 2 `str`, Python 3 `bytes` or numpy uint8 arrays (both the `_reconstruct` and the
    /// protocol-5 `_frombuffer` forms).
    public init(path: String) throws {
        self = try Self.decode(DataFile.readRaw(path), file: path)
    }

    public static func decode(_ bytes: [UInt8], file: String) throws -> VerificationBin {
        guard bytes.first == 0x80 else {
            throw DatasetError.invalid(file: file, offset: 0,
                                       message: "starts with \(PickleOpcode.describe(bytes.first ?? 0)), expected PROTO 0x80 (a pickle of protocol 2 or later)")
        }
        var reader = PickleSubsetReader(bytes: bytes, file: file)
        let root = try reader.load()
        let parts: [PickleValue]
        switch root {
        case let .tuple(t, _): parts = t
        case let .list(l): parts = l.items
        default: parts = []
        }
        guard parts.count == 2, case let .list(bins) = parts[0], case let .list(flags) = parts[1] else {
            throw DatasetError.invalid(file: file, offset: nil,
                                       message: "pickle holds a \(root.kindName), expected a 2-tuple (list of images, list of is-same bools)")
        }
        var images: [Data] = []
        images.reserveCapacity(bins.items.count)
        for (i, item) in bins.items.enumerated() {
            images.append(try imageBytes(item, index: i, file: file))
        }
        var isSame: [Bool] = []
        isSame.reserveCapacity(flags.items.count)
        for (i, item) in flags.items.enumerated() {
            guard case let .bool(b) = item else {
                throw DatasetError.invalid(file: file, offset: nil, message: "issame_list[\(i)] is \(item.kindName), expected a bool")
            }
            isSame.append(b)
        }
        guard images.count == 2 * isSame.count else {
            throw DatasetError.invalid(file: file, offset: nil,
                                       message: "\(images.count) images but \(isSame.count) is-same flags (expected 2 images per pair)")
        }
        return VerificationBin(images: images, isSame: isSame)
    }

    private static func imageBytes(_ item: PickleValue, index: Int, file: String) throws -> Data {
        switch item {
        case let .bytes(b):
            return Data(b)
        case let .object(a) where a.kind == .ndarray:
            let dtype = a.dtype?.dtypeName ?? "?"
            guard ["u1", "|u1", "uint8", "B"].contains(dtype) else {
                throw DatasetError.badRecord(file: file, record: index, offset: a.offset,
                                             message: "numpy array of dtype '\(dtype)', expected uint8 ('u1') encoded image bytes")
            }
            guard let data = a.data else {
                throw DatasetError.badRecord(file: file, record: index, offset: a.offset, message: "numpy array without data (BUILD missing)")
            }
            // The shape comes from the file: its product may overflow, and then it cannot match.
            var elements = 1, overflow = false
            for d in a.shape where !overflow { (elements, overflow) = elements.multipliedReportingOverflow(by: d) }
            guard !overflow, elements == data.count else {
                throw DatasetError.badRecord(file: file, record: index, offset: a.offset,
                                             message: "numpy array of shape \(a.shape) holds \(data.count) bytes, expected \(overflow ? "more than Int.max (the shape overflows)" : "\(elements)")")
            }
            return Data(data)
        default:
            throw DatasetError.invalid(file: file, offset: nil,
                                       message: "bins[\(index)] is \(item.kindName), expected bytes, a Python 2 str or a numpy uint8 array")
        }
    }

    /// A protocol-4 pickle of `([bytes, …], [bool, …])` that Python's `pickle.load` reads.
    /// Frames are optional in protocol 4 and omitted.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [0x80, 4]
        func appendBatched(_ count: Int, _ item: (Int) -> Void) {
            out.append(0x5d)                                 // EMPTY_LIST
            var i = 0
            while i < count {
                out.append(0x28)                             // MARK
                // Python's pickler appends in batches of 1000; kept so files look familiar.
                for j in i..<min(i + 1000, count) { item(j) }
                out.append(0x65)                             // APPENDS
                i += 1000
            }
        }
        appendBatched(images.count) { j in
            let b = images[j]
            if b.count < 256 {
                out.append(0x43); out.append(UInt8(b.count))  // SHORT_BINBYTES
            } else if b.count <= Int(UInt32.max) {
                out.append(0x42); out.appendLE(UInt32(b.count))  // BINBYTES
            } else {
                out.append(0x8e); out.appendLE(UInt64(b.count))  // BINBYTES8
            }
            out.append(contentsOf: b)
        }
        appendBatched(isSame.count) { j in out.append(isSame[j] ? 0x88 : 0x89) }
        out.append(0x86)                                     // TUPLE2
        out.append(0x2e)                                     // STOP
        return out
    }

    public func write(to path: String) throws {
        try DataFile.write(encoded(), to: path)
    }
}
