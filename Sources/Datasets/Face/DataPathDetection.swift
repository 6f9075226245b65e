import Foundation
import ImageIO

/// What a path given to `facenas dataset info` holds, detected from its files, never its name alone.
public enum DetectedData: Equatable, Sendable {
    case recordio(String)
    case bin(String)
    case lfwPairs(String)
    case tinyface(String)
    case folders(String)
    /// A folder written by `facenas synth` (it holds `synth.json`).
    case synth(String)
    case classification(DataSpec)

    /// Resolves `argument`: `KIND:PATH` when KIND is a known data kind, else a plain path whose
    /// kind is detected from the files it holds.
    public init(argument: String) throws {
        if let spec = try? DataSpec(parsing: argument) {
            switch spec.kind {
            case .recordio: self = .recordio(spec.path)
            case .folders: self = .folders(spec.path)
            case .bin: self = .bin(spec.path)
            case .lfwPairs: self = .lfwPairs(spec.path)
            case .synth: self = try DetectedData(path: spec.path)
            default: self = .classification(spec)
            }
            return
        }
        self = try DetectedData(path: argument)
    }

    public init(path: String) throws {
        if DataFile.isFile(path) {
            let head = try RandomAccessFile(path: path).read(at: 0, count: 4096)
            if head.first == 0x80 || path.lowercased().hasSuffix(".bin") { self = .bin(path); return }
            // The only other single-file kind is a text pairs file: anything else (an image, an
            // archive, binary data) is said to be unknown rather than misread as pairs.
            if let what = Self.nonText(head) {
                throw DatasetError.invalid(file: path, offset: nil,
                                           message: "\(what), not a data set facenas knows (expected a verification .bin, an LFW pairs file, or a RecordIO, TinyFace, identity-folder, synth, MNIST-family or CIFAR folder)")
            }
            self = .lfwPairs(path)
            return
        }
        guard DataFile.isDirectory(path) else {
            throw DatasetError.io(file: path, reason: "no such file or folder")
        }
        if DataFile.isFile(DataFile.join(path, "train.rec")) { self = .recordio(path); return }
        if DataFile.isFile(DataFile.join(path, SyntheticDatasetManifest.fileName)) { self = .synth(path); return }
        for sub in ["", "Testing_Set", "tinyface/Testing_Set"]
        where DataFile.isFile(DataFile.join(DataFile.join(path, sub), "probe_img_ID_pairs.mat")) {
            self = .tinyface(path)
            return
        }
        if let kind = Self.classificationKind(in: path) {
            self = .classification(DataSpec(kind: kind, path: path))
            return
        }
        self = .folders(path)
    }

    /// What the first bytes of a file are when they are not text, nil for text.
    static func nonText(_ head: [UInt8]) -> String? {
        if ImageFormat(sniffing: head) == .jpeg { return "a JPEG image" }
        if ImageFormat(sniffing: head) == .png { return "a PNG image" }
        if head.starts(with: Array("GIF8".utf8)) { return "a GIF image" }
        if Gzip.isGzip(head) { return "gzip-compressed data" }
        if head.starts(with: [0x50, 0x4b, 0x03, 0x04]) { return "a zip archive" }
        if head.starts(with: [0x93] + Array("NUMPY".utf8)) { return "a NumPy .npy array" }
        if head.contains(0) { return "binary data" }
        // A multi-byte character may be cut at the end of the sample.
        var sample = head[...]
        for _ in 0..<3 where String(validating: sample, as: UTF8.self) == nil && !sample.isEmpty { sample = sample.dropLast() }
        return String(validating: sample, as: UTF8.self) == nil ? "binary data (not UTF-8 text)" : nil
    }

    /// IDX and CIFAR folders by their file names; the MNIST-like sets share names, so the folder
    /// name picks among them (the counts printed are the same whichever is chosen).
    static func classificationKind(in dir: String) -> DataKind? {
        func has(_ name: String) -> Bool {
            ["", "raw", "gzip", "cifar-10-batches-bin", "cifar-100-binary"].contains { sub in
                let d = DataFile.join(dir, sub)
                return DataFile.isFile(DataFile.join(d, name)) || DataFile.isFile(DataFile.join(d, name + ".gz"))
            }
        }
        if has("emnist-balanced-train-images-idx3-ubyte") { return .emnistBalanced }
        if has("train-images-idx3-ubyte") {
            let name = (dir as NSString).lastPathComponent.lowercased()
            if name.contains("fashion") { return .fashionMNIST }
            if name.contains("kmnist") { return .kmnist }
            return .mnist
        }
        if has("data_batch_1.bin") { return .cifar10 }
        if has("train.bin") && has("test.bin") { return .cifar100 }
        return nil
    }
}
