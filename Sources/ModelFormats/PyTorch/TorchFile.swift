import Foundation

/// A file written by `torch.save`, read without Python and without running anything: a
/// `.pth`/`.pt` state dict (insightface's `backbone.pth`, facenet-pytorch's MTCNN weights) or a
/// PyTorch Lightning `.ckpt`. The format is told from the content, never the file name.
///
/// Reading is safe on hostile files: the pickle is interpreted by a machine that knows a fixed
/// list of globals (`TorchGlobal`) and refuses any other at the opcode that names it, and every
/// length, index and tensor extent is checked. Any problem throws a one-line `ModelFormatError`
/// naming the file and where: "pickle offset N" is an offset into `data.pkl` for ZIP files and
/// into the file for legacy ones, as `pickletools.dis` would number it.
public struct TorchFile: Sendable {
    public enum Format: String, Sendable {
        /// PyTorch ≥ 1.6's default: a ZIP archive of a pickle and one record per storage.
        case zip
        /// Before 1.6, or `_use_new_zipfile_serialization=False`: pickles followed by raw storages.
        case legacy
    }

    public let path: String
    public let format: Format
    /// The saved object: usually a dict (a state dict, or a checkpoint dict holding one).
    public let root: TorchValue

    /// Reads the whole file into memory; tensors point into that one copy.
    public static func read(_ path: String) throws -> TorchFile {
        try read(bytes: try wholeFile(path), name: path)
    }

    /// The file's bytes, read straight into the array (going through `Data` would copy a
    /// 300 MB model twice).
    static func wholeFile(_ path: String) throws -> [UInt8] {
        // Checked before opening: a FIFO would block the open, and a folder has no meaningful size.
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ModelFormatError(file: path, "cannot be opened (\(String(cString: strerror(errno))))")
        }
        guard info.st_mode & S_IFMT == S_IFREG, let size = Int(exactly: info.st_size) else {
            throw ModelFormatError(file: path, "is not a regular file")
        }
        guard let handle = fopen(path, "rb") else {
            throw ModelFormatError(file: path, "cannot be opened (\(String(cString: strerror(errno))))")
        }
        defer { fclose(handle) }
        guard size > 0 else { return [] }
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = fread(buffer.baseAddress, 1, size, handle)
        }
        guard bytes.count == size else {
            throw ModelFormatError(file: path, "read \(bytes.count) of its \(size) bytes (\(String(cString: strerror(errno))))")
        }
        return bytes
    }

    /// Reads a file's bytes; `name` is the path errors and `path` report.
    public static func read(bytes: [UInt8], name: String) throws -> TorchFile {
        try oneLine { try parse(bytes: bytes, name: name) }
    }

    private static func parse(bytes: [UInt8], name: String) throws -> TorchFile {
        if ZipArchive.looksLikeZip(bytes) {
            return TorchFile(path: name, format: .zip, root: try TorchZipFormat.read(bytes, file: name))
        }
        if TorchLegacyFormat.looksLikePickle(bytes) {
            return TorchFile(path: name, format: .legacy, root: try TorchLegacyFormat.read(bytes, file: name))
        }
        if bytes.has(5, at: 257), Array(bytes[257..<262]) == Array("ustar".utf8) {
            throw ModelFormatError(file: name, "a tar archive: the torch.save format of PyTorch before 0.1.10 is not read; re-save the file with a current PyTorch")
        }
        let head = bytes.prefix(4).map { String($0, radix: 16) }.joined(separator: " ")
        throw ModelFormatError(file: name, "byte 0: starts with \(head.isEmpty ? "nothing (empty file)" : head), expected a ZIP archive (50 4b 03 04) or a pickle (80): not a torch.save file")
    }

    /// Keys under which checkpoints keep their state dict, tried in this order: Lightning and most
    /// training scripts use `state_dict`; others `model_state_dict`, `model`, `module`, `net`,
    /// `network`; `state_dict_ema` (an EMA copy) only when none of those is there.
    public static let stateDictKeys = ["state_dict", "model_state_dict", "model", "module", "net", "network", "state_dict_ema"]

    /// The tensors of the state dict in file order: the dict under the first of `stateDictKeys`
    /// that the root dict has with a dict holding tensors (a checkpoint); else the root dict itself
    /// when it holds tensors (a plain state dict). Entries that are not tensors, or whose key is not
    /// a string, are skipped; `num_batches_tracked` is a tensor and kept.
    public func stateDict() throws -> [(key: String, tensor: TorchTensor)] {
        try Self.oneLine { try findStateDict() }
    }

    /// Messages quote names and keys from the file; escaping them keeps every error one line
    /// however hostile the file.
    static func oneLine<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ModelFormatError {
            throw ModelFormatError(file: error.file, error.message.printable(limit: 2000))
        }
    }

    private func findStateDict() throws -> [(key: String, tensor: TorchTensor)] {
        func tensors(_ value: TorchValue) -> [(key: String, tensor: TorchTensor)]? {
            guard case .dict(let items) = value else { return nil }
            let found = items.compactMap { item -> (key: String, tensor: TorchTensor)? in
                guard case .string(let key) = item.key, case .tensor(let t) = item.value else { return nil }
                return (key, t)
            }
            return found.isEmpty ? nil : found
        }
        for key in Self.stateDictKeys {
            if let nested = root[key], let found = tensors(nested) { return found }
        }
        if let found = tensors(root) { return found }
        let keys: String
        if case .dict(let items) = root {
            keys = "a dict with keys " + items.prefix(12).map { $0.key.stringValue.map { "'\($0.printable(limit: 40))'" } ?? $0.key.kindName }.joined(separator: ", ")
        } else {
            keys = "a \(root.kindName)"
        }
        throw ModelFormatError(file: path, "no state dict: the file holds \(keys), and neither it nor \(Self.stateDictKeys.joined(separator: "/")) holds tensors")
    }
}
