import Foundation

/// The ZIP format of `torch.save` (PyTorch ≥ 1.6): `<prefix>/data.pkl` holds the pickle, whose
/// persistent ids name records `<prefix>/data/<key>` holding each storage's raw little-endian bytes.
enum TorchZipFormat {
    static func read(_ bytes: [UInt8], file: String) throws -> TorchValue {
        let archive = try ZipArchive(bytes: bytes, file: file)
        // The prefix is whatever single folder torch.save chose (the file's stem by default, "archive" since 2.x).
        guard let pickle = archive.entries.first(where: { $0.name == "data.pkl" || ($0.name.hasSuffix("/data.pkl") && $0.name.dropLast(9).firstIndex(of: "/") == nil) }) else {
            throw ModelFormatError(file: file, "ZIP archive without a <folder>/data.pkl entry: not a torch.save file")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))

        if let order = archive.entry(named: prefix + "byteorder") {
            let (b, range) = try archive.contents(of: order)
            let text = String(decoding: b[range], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text == "little" else {
                throw ModelFormatError(file: file, text == "big"
                    ? "\(order.name) says big-endian; only little-endian files (every x86 and ARM machine's) are read"
                    : "\(order.name) holds \"\(text.prefix(20))\", expected \"little\"")
            }
        }

        let (pickleBytes, range) = try archive.contents(of: pickle)
        var machine = PickleMachine(bytes: pickleBytes, range: range, file: file, origin: range.lowerBound)
        let root = try machine.run()

        var storages: [String: TorchStorage] = [:]
        for reference in try PickleConverter.distinctStorages(machine.storageReferences, file: file) {
            let name = prefix + "data/" + reference.key
            guard let entry = archive.entry(named: name) else {
                throw ModelFormatError(file: file, "pickle offset \(reference.offset): storage \(reference.key) has no ZIP entry \(name)")
            }
            let (data, dataRange) = try archive.contents(of: entry)
            storages[reference.key] = try TorchStorage(key: reference.key, dtype: reference.dtype, bytes: data,
                                                       available: dataRange, count: reference.count, file: file)
        }
        return try PickleConverter(file: file, storages: storages).convert(root)
    }
}
