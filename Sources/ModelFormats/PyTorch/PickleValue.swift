/// A value on the pickle machine's stack or in its memo. Containers are `PickleNode` references
/// because SETITEMS, APPENDS and BUILD mutate a container that the memo also holds.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An int that does not fit `Int`: little-endian two's-complement bytes.
    case largeInteger([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case node(PickleNode)
    case global(TorchGlobal)
    case storage(StorageReference)
    case tensor(PendingTensor)

    var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .largeInteger: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .node(let n): return n.kind.rawValue
        case .global(let g): return "the global \(g.name)"
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }

    /// Nesting depth: 0 for scalars, 1 + the deepest item for containers.
    var depth: Int { if case .node(let n) = self { return n.depth } else { return 0 } }
}

/// A container under construction or finished. Depth is tracked so that no value nests deeper
/// than `PickleMachine.maxDepth`: releasing or converting a value recurses once per level, and a
/// few bytes of TUPLE1 opcodes would otherwise nest a million deep. A container becomes `sealed`
/// once it is an item of another (or an argument); it may not change after that, which keeps
/// every depth final and rules out cycles. `torch.save` always finishes a container before
/// using it.
final class PickleNode {
    enum Kind: String { case tuple, list, dict, set, frozenSet = "frozenset" }
    let kind: Kind
    var items: [PickleValue] = []
    var entries: [(key: PickleValue, value: PickleValue)] = []
    var depth = 1
    var sealed: Bool
    /// An `argparse.Namespace`: BUILD's attributes become its items.
    var takesAttributesAsItems = false
    /// The conversion result, so that a node the memo shared converts once (see `PickleConverter`).
    var converted: TorchValue?
    /// Values the node expands to when converted (itself and all items, shared ones counted each time).
    var expandedSize = 0

    init(_ kind: Kind, items: [PickleValue] = []) {
        self.kind = kind
        self.items = items
        sealed = kind == .tuple || kind == .frozenSet
        depth = 1 + (items.map(\.depth).max() ?? 0)
    }
}

/// A persistent id `('storage', type, key, location, numel[, view])`: a reference to storage data
/// held outside the pickle (a ZIP record, or the bytes after a legacy file's pickles).
struct StorageReference {
    let key: String
    let dtype: TorchDType
    let count: Int
    let location: String
    /// Legacy storage views (before PyTorch 0.4): this storage is `count` elements at `offset` of root `key`.
    let view: (key: String, offset: Int, count: Int)?
    /// Pickle offset of the BINPERSID, for error messages.
    let offset: Int
}

/// A `_rebuild_tensor_v2` call, kept until the storages' bytes are known (a legacy file stores
/// them after the pickle).
struct PendingTensor {
    let storage: StorageReference
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]
    /// Pickle offset of the REDUCE that built it.
    let offset: Int
}
