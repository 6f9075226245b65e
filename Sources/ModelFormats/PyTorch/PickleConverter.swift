/// Turns the machine's values into `TorchValue`s once the storages' bytes are known, checking
/// every tensor's geometry against its storage.
struct PickleConverter {
    let file: String
    /// Root storages by key.
    let storages: [String: TorchStorage]

    /// Most values a pickle may expand to. The memo lets a value appear many times (a tuple of two
    /// references to one tuple, nested 100 deep, would be 2^100 values); each node converts once
    /// and shares its result, but what it expands to is counted so no caller walks a blown-up tree.
    static let maxExpandedValues = 1 << 24

    func convert(_ value: PickleValue) throws -> TorchValue {
        try convertCounting(value).value
    }

    private func convertCounting(_ value: PickleValue) throws -> (value: TorchValue, size: Int) {
        switch value {
        case .none: return (.none, 1)
        case .bool(let b): return (.bool(b), 1)
        case .int(let i): return (.int(i), 1)
        case .largeInteger(let b): return (.largeInteger(b), 1)
        case .float(let d): return (.float(d), 1)
        case .string(let s): return (.string(s), 1)
        case .bytes(let b): return (.bytes(b), 1)
        case .global(let g): return (.object(g.name, []), 1)
        case .storage(let s):
            return (.object(TorchGlobal.storageType(s.dtype).name, [.string(s.key), .string(s.location), .int(s.count)]), 1)
        case .tensor(let t): return (.tensor(try tensor(t)), 1)
        case .node(let node):
            if let done = node.converted { return (done, node.expandedSize) }
            var size = 1
            func add(_ v: PickleValue) throws -> TorchValue {
                let (converted, n) = try convertCounting(v)
                size += n
                guard size <= Self.maxExpandedValues else {
                    throw ModelFormatError(file: file, "the pickle's values expand to more than \(Self.maxExpandedValues) (memoised values repeated)")
                }
                return converted
            }
            let result: TorchValue
            switch node.kind {
            case .tuple: result = .tuple(try node.items.map(add))
            case .list: result = .list(try node.items.map(add))
            case .set, .frozenSet: result = .set(try node.items.map(add))
            case .dict: result = .dict(try node.entries.map { (key: try add($0.key), value: try add($0.value)) })
            }
            node.converted = result
            node.expandedSize = size
            return (result, size)
        }
    }

    private func tensor(_ t: PendingTensor) throws -> TorchTensor {
        let place = "pickle offset \(t.offset)"
        guard var storage = storages[t.storage.key] else {
            throw ModelFormatError(file: file, "\(place): tensor of storage \(t.storage.key), which the file does not hold")
        }
        if let view = t.storage.view {
            storage = try storage.view(key: view.key, offset: view.offset, count: view.count, file: file)
        }
        return try TorchTensor(storage: storage, shape: t.shape, strides: t.strides, storageOffset: t.storageOffset, file: file, place: place)
    }

    /// The storages the pickle refers to, each key once with one element type and count; a key
    /// used with two types is refused (the bytes could only be read one way).
    static func distinctStorages(_ references: [StorageReference], file: String) throws -> [StorageReference] {
        var seen: [String: StorageReference] = [:]
        var order: [StorageReference] = []
        for r in references {
            if let first = seen[r.key] {
                guard first.dtype == r.dtype, first.count == r.count else {
                    throw ModelFormatError(file: file, "pickle offset \(r.offset): storage \(r.key) is \(r.count) \(r.dtype.rawValue) here but \(first.count) \(first.dtype.rawValue) at pickle offset \(first.offset)")
                }
            } else {
                seen[r.key] = r
                order.append(r)
            }
        }
        return order
    }
}
