/// The CIFAR "binary version" files: fixed-size records of label byte(s) then 3072 pixel bytes
/// (1024 red, 1024 green, 1024 blue, each 32×32 row-major). CIFAR-10 has one label byte per record;
/// CIFAR-100 has a coarse label byte (20 super-classes) then a fine label byte (100 classes).
public enum CIFARBinary {
    public enum Variant: Sendable, Equatable {
        case cifar10, cifar100

        /// Label bytes before the pixels.
        public var labelBytes: Int { self == .cifar10 ? 1 : 2 }
        public var recordSize: Int { labelBytes + CIFARBinary.imageBytes }
        /// Classes of the label used for training (fine labels for CIFAR-100).
        public var classes: Int { self == .cifar10 ? 10 : 100 }
    }

    public static let side = 32
    public static let imageBytes = 3 * 32 * 32

    /// Decoded records; `coarseLabels` is empty for CIFAR-10.
    public struct Records: Sendable, Equatable {
        public var images: [UInt8]
        public var labels: [Int32]
        public var coarseLabels: [Int32]
        public var count: Int { labels.count }
    }

    /// Reads a plain (or gzip-compressed) CIFAR binary file.
    public static func read(_ path: String, variant: Variant) throws -> Records {
        try decode(DataFile.read(path), file: path, variant: variant)
    }

    public static func decode(_ data: [UInt8], file: String, variant: Variant) throws -> Records {
        let rec = variant.recordSize
        let what = variant == .cifar10 ? "1 label byte + 3072 pixel bytes" : "coarse and fine label bytes + 3072 pixel bytes"
        guard !data.isEmpty else {
            throw DatasetError.invalid(file: file, offset: 0, message: "empty file (expected records of \(what) = \(rec) bytes)")
        }
        let n = data.count / rec
        guard data.count % rec == 0 else {
            throw DatasetError.truncated(file: file, header: n * rec, expected: rec, found: data.count - n * rec,
                                         what: "record \(n) of \(what)")
        }
        var images = [UInt8](repeating: 0, count: n * imageBytes)
        var labels = [Int32](repeating: 0, count: n)
        var coarse = [Int32](repeating: 0, count: variant == .cifar100 ? n : 0)
        try data.withUnsafeBufferPointer { src in
            try images.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let o = i * rec
                    if variant == .cifar100 {
                        let c = Int(src[o])
                        guard c < 20 else {
                            throw DatasetError.labelOutOfRange(file: file, record: i, offset: o, label: c, classes: 20)
                        }
                        coarse[i] = Int32(c)
                    }
                    let lo = o + variant.labelBytes - 1
                    let l = Int(src[lo])
                    guard l < variant.classes else {
                        throw DatasetError.labelOutOfRange(file: file, record: i, offset: lo, label: l, classes: variant.classes)
                    }
                    labels[i] = Int32(l)
                    (dst.baseAddress! + i * imageBytes).update(from: src.baseAddress! + o + variant.labelBytes, count: imageBytes)
                }
            }
        }
        return Records(images: images, labels: labels, coarseLabels: coarse)
    }

    /// The file bytes of `labels.count` records. `images` holds 3072 bytes per record (RGB planar);
    /// `coarseLabels` is used for CIFAR-100 only (zeros when omitted).
    public static func encode(images: [UInt8], labels: [Int32], coarseLabels: [Int32]? = nil, variant: Variant) -> [UInt8] {
        precondition(images.count == labels.count * imageBytes, "CIFAR: \(images.count) pixel bytes for \(labels.count) records")
        if let coarseLabels { precondition(coarseLabels.count == labels.count, "CIFAR: coarse label count differs") }
        var out: [UInt8] = []
        out.reserveCapacity(labels.count * variant.recordSize)
        for i in 0..<labels.count {
            if variant == .cifar100 { out.append(UInt8(truncatingIfNeeded: coarseLabels?[i] ?? 0)) }
            out.append(UInt8(truncatingIfNeeded: labels[i]))
            out += images[(i * imageBytes)..<((i + 1) * imageBytes)]
        }
        return out
    }

    public static func write(images: [UInt8], labels: [Int32], coarseLabels: [Int32]? = nil, variant: Variant,
                              to path: String, gzip: Bool = false) throws {
        try DataFile.write(encode(images: images, labels: labels, coarseLabels: coarseLabels, variant: variant),
                           to: path, gzip: gzip)
    }
}
