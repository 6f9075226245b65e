/// What REDUCE, NEWOBJ, BUILD and BINPERSID do with the allowed globals: each Python call is
/// reproduced on data (nothing runs), with its arguments checked the way the real function
/// would need them.
enum PickleCalls {
    static func call(_ global: TorchGlobal, _ args: [PickleValue], newObject: Bool, machine: PickleMachine) throws -> PickleValue {
        func fail(_ what: String) -> ModelFormatError { machine.fail("\(global.name)\(describe(args)): \(what)") }
        switch global {
        case .orderedDict, .attributeDict, .namespace:
            let dict = PickleNode(.dict)
            dict.takesAttributesAsItems = global == .namespace
            // OrderedDict(pairs) is how protocols 0 and 1 spell it; torch.save (protocol 2) passes ().
            if args.count == 1, case .node(let pairs) = args[0], pairs.kind == .list || pairs.kind == .tuple {
                for pair in pairs.items {
                    guard case .node(let p) = pair, p.items.count == 2 else { throw fail("expected (key, value) pairs") }
                    dict.entries.append((p.items[0], p.items[1]))
                    dict.depth = max(dict.depth, 1 + max(p.items[0].depth, p.items[1].depth))
                }
            } else if !args.isEmpty {
                throw fail("expected no arguments or a list of pairs")
            }
            return .node(dict)
        case .set, .frozenSet:
            let set = PickleNode(global == .set ? .set : .frozenSet)
            if args.count == 1, case .node(let items) = args[0], items.kind != .dict {
                set.items = items.items
                set.depth = items.depth
            } else if !args.isEmpty {
                throw fail("expected no arguments or one list")
            }
            return .node(set)
        case .codecsEncode:
            guard args.count == 2, case .string(let text) = args[0], case .string(let encoding) = args[1],
                  ["latin1", "latin-1", "iso-8859-1"].contains(encoding.lowercased()) else {
                throw fail("expected (str, 'latin1')")
            }
            var out: [UInt8] = []
            for scalar in text.unicodeScalars {
                guard scalar.value <= 0xff else { throw fail("character U+\(String(scalar.value, radix: 16)) is not Latin-1") }
                out.append(UInt8(scalar.value))
            }
            return .bytes(out)
        case .bytes:
            guard args.isEmpty else { throw fail("expected no arguments (protocol 2 pickles only empty bytes this way)") }
            return .bytes([])
        case .torchVersion:
            guard args.count == 1, case .string(let version) = args[0] else { throw fail("expected one str") }
            return .string(version)
        case .rebuildTensorV2, .rebuildTensor:
            // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
            let expected = global == .rebuildTensor ? [4] : [6, 7]
            guard expected.contains(args.count) else { throw fail("expected \(expected.map(String.init).joined(separator: " or ")) arguments") }
            guard case .storage(let storage) = args[0] else { throw fail("argument 1 is \(args[0].kindName), expected a storage") }
            guard case .int(let offset) = args[1] else { throw fail("argument 2 (storage offset) is \(args[1].kindName), expected an int") }
            return .tensor(PendingTensor(storage: storage, storageOffset: offset, shape: try ints(args[2], "size", fail),
                                         strides: try ints(args[3], "stride", fail), offset: machine.opcodeOffset - machine.origin))
        case .rebuildParameter, .rebuildParameterWithState:
            // (data, requires_grad, backward_hooks[, state]): a Parameter is its tensor.
            guard args.count == (global == .rebuildParameter ? 3 : 4), case .tensor = args[0] else {
                throw fail("expected a tensor, requires_grad and hooks")
            }
            return args[0]
        case .storageType:
            throw fail("a storage type is only expected inside a persistent id")
        }
    }

    /// BUILD sets an object's state. The dicts here take none (their `__dict__`, e.g. a state dict's
    /// `_metadata`, is dropped), except a Namespace, whose attributes are its items.
    static func build(_ target: PickleValue, state: PickleValue, machine: PickleMachine) throws {
        if case .none = state { return }
        guard case .node(let node) = target, node.kind == .dict else {
            throw machine.fail("BUILD sets the state of \(target.kindName); only dicts and Namespaces take one")
        }
        guard node.takesAttributesAsItems else { return }
        guard case .node(let attributes) = state, attributes.kind == .dict else {
            throw machine.fail("Namespace state is \(state.kindName), expected a dict of attributes")
        }
        guard !node.sealed else { throw machine.fail("BUILD changes a Namespace that is already inside another value") }
        attributes.sealed = true
        node.entries.append(contentsOf: attributes.entries)
        node.depth = max(node.depth, attributes.depth)
    }

    /// `('storage', storage_type, key, location, numel)` (ZIP format) or the same with a sixth
    /// item, the view metadata `None` or `(view_key, offset, view_numel)` (legacy format).
    static func storageReference(_ pid: PickleValue, machine: PickleMachine) throws -> StorageReference {
        guard case .node(let tuple) = pid, tuple.kind == .tuple, tuple.items.count == 5 || tuple.items.count == 6,
              case .string("storage") = tuple.items[0] else {
            throw machine.fail("persistent id \(describe([pid])), expected ('storage', type, key, location, numel)")
        }
        let items = tuple.items
        guard case .global(.storageType(let dtype)) = items[1] else {
            throw machine.fail("persistent id names \(items[1].kindName) as storage type, expected torch.FloatStorage or another storage class")
        }
        guard case .string(let key) = items[2], case .string(let location) = items[3], case .int(let count) = items[4], count >= 0 else {
            throw machine.fail("persistent id \(describe(items)), expected a str key, a str location and an element count ≥ 0")
        }
        var view: (key: String, offset: Int, count: Int)?
        if items.count == 6 {
            switch items[5] {
            case .none: break
            case .node(let v) where v.kind == .tuple && v.items.count == 3:
                guard case .string(let viewKey) = v.items[0], case .int(let offset) = v.items[1], case .int(let n) = v.items[2] else {
                    throw machine.fail("storage view \(describe(v.items)), expected (key, offset, numel)")
                }
                view = (viewKey, offset, n)
            default:
                throw machine.fail("storage view metadata is \(items[5].kindName), expected None or (key, offset, numel)")
            }
        }
        return StorageReference(key: key, dtype: dtype, count: count, location: location, view: view,
                                offset: machine.opcodeOffset - machine.origin)
    }

    private static func ints(_ value: PickleValue, _ what: String, _ fail: (String) -> ModelFormatError) throws -> [Int] {
        guard case .node(let tuple) = value, tuple.kind == .tuple || tuple.kind == .list else {
            throw fail("\(what) is \(value.kindName), expected a tuple of ints")
        }
        return try tuple.items.map {
            guard case .int(let i) = $0 else { throw fail("\(what) holds \($0.kindName), expected ints") }
            return i
        }
    }

    /// A short rendering of arguments for error messages: kinds only, never the data.
    static func describe(_ args: [PickleValue]) -> String {
        "(" + args.prefix(8).map { value -> String in
            switch value {
            case .int(let i): return String(i)
            case .string(let s): return "'" + s.printable(limit: 40) + "'"
            default: return value.kindName
            }
        }.joined(separator: ", ") + (args.count > 8 ? ", …" : "") + ")"
    }
}
