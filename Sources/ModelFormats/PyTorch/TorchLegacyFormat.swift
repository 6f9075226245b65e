/// The format of `torch.save` before PyTorch 1.6 (and with `_use_new_zipfile_serialization=False`):
/// five pickles in a row — the magic number, the protocol version 1001, a dict describing the
/// writer's machine, the object itself, and the list of storage keys — then, for each key in that
/// list's order, an 8-byte little-endian element count and the storage's raw bytes.
enum TorchLegacyFormat {
    /// 0x1950a86a20f9469cfc6c as a pickled int: little-endian two's complement.
    static let magic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]
    static let protocolVersion = 1001

    /// True when the bytes start with a pickle PROTO opcode, as every legacy file does.
    static func looksLikePickle(_ bytes: [UInt8]) -> Bool { bytes.first == PickleOpcode.proto.rawValue }

    static func read(_ bytes: [UInt8], file: String) throws -> TorchValue {
        var position = 0
        func nextPickle() throws -> (value: PickleValue, machine: PickleMachine) {
            var machine = PickleMachine(bytes: bytes, range: position..<bytes.count, file: file, origin: 0)
            let value = try machine.run()
            position = machine.position
            return (value, machine)
        }

        guard case .largeInteger(magic) = try nextPickle().value else {
            throw ModelFormatError(file: file, "byte 0: a pickle, but not a torch.save file (it does not start with the magic number 0x1950a86a20f9469cfc6c)")
        }
        let start = position
        guard case .int(protocolVersion) = try nextPickle().value else {
            throw ModelFormatError(file: file, "byte \(start): expected the legacy torch.save protocol version \(protocolVersion)")
        }
        let infoStart = position
        let info = try nextPickle().value
        guard case .bool(let littleEndian)? = Self.item(info, "little_endian") else {
            throw ModelFormatError(file: file, "byte \(infoStart): expected the sys_info dict with little_endian")
        }
        guard littleEndian else {
            throw ModelFormatError(file: file, "written on a big-endian machine (sys_info little_endian=False); only little-endian files are read")
        }

        let (root, machine) = try nextPickle()
        let references = try PickleConverter.distinctStorages(machine.storageReferences, file: file)
        let keysStart = position
        guard case .node(let keyList) = try nextPickle().value, keyList.kind == .list || keyList.kind == .tuple else {
            throw ModelFormatError(file: file, "byte \(keysStart): expected the list of storage keys")
        }

        var byKey: [String: StorageReference] = [:]
        for r in references { byKey[r.key] = r }
        var storages: [String: TorchStorage] = [:]
        for item in keyList.items {
            guard case .string(let key) = item else {
                throw ModelFormatError(file: file, "byte \(keysStart): the storage key list holds \(item.kindName), expected str")
            }
            guard let reference = byKey[key], storages[key] == nil else {
                throw ModelFormatError(file: file, "byte \(keysStart): storage key \(key) is listed \(storages[key] == nil ? "but no tensor uses it" : "twice")")
            }
            guard bytes.has(8, at: position) else {
                throw ModelFormatError(file: file, "byte \(position): the file ends before storage \(key) (truncated?)")
            }
            let count = Int(Int64(bitPattern: bytes.littleEndian(at: position, as: UInt64.self)))
            guard count == reference.count else {
                throw ModelFormatError(file: file, "byte \(position): storage \(key) holds \(count) elements, the pickle says \(reference.count)")
            }
            position += 8
            let storage = try TorchStorage(key: key, dtype: reference.dtype, bytes: bytes, available: position..<bytes.count,
                                           count: count, file: file)
            storages[key] = storage
            position += count * reference.dtype.byteCount
        }
        if let missing = references.first(where: { storages[$0.key] == nil }) {
            throw ModelFormatError(file: file, "pickle offset \(missing.offset): storage \(missing.key) is not in the storage key list")
        }
        return try PickleConverter(file: file, storages: storages).convert(root)
    }

    /// The value of a `str` key in a pickled dict.
    private static func item(_ dict: PickleValue, _ key: String) -> PickleValue? {
        guard case .node(let node) = dict, node.kind == .dict else { return nil }
        return node.entries.first { if case .string(key) = $0.key { return true } else { return false } }?.value
    }
}
