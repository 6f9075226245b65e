/// The only globals a `torch.save` state dict may name. A pickle's GLOBAL normally imports a
/// module and later REDUCE calls into it, which is how a hostile `.pth` runs code; here each name
/// is recognised and its effect reproduced on data, and every other name is refused at the opcode.
enum TorchGlobal: Equatable {
    case orderedDict
    case rebuildTensorV2, rebuildTensor, rebuildParameter, rebuildParameterWithState
    /// A storage class named in a persistent id; it only supplies the element type.
    case storageType(TorchDType)
    /// `_codecs.encode(str, "latin1")`: how protocol 2 spells `bytes`.
    case codecsEncode
    /// `bytes()`: how protocol 2 spells empty `bytes`.
    case bytes
    case set, frozenSet
    /// `torch.__version__`, a `str` subclass.
    case torchVersion
    /// Lightning's `AttributeDict`, a plain `dict` subclass.
    case attributeDict
    /// `argparse.Namespace`, kept as the dict of its attributes.
    case namespace

    /// The dotted name, as the pickle spelled it (module names as written, `__builtin__` included).
    var name: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildTensor: return "torch._utils._rebuild_tensor"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .storageType(let t): return "torch.\(Self.storageNames.first { $0.value == t }?.key ?? "UntypedStorage")"
        case .codecsEncode: return "_codecs.encode"
        case .bytes: return "builtins.bytes"
        case .set: return "builtins.set"
        case .frozenSet: return "builtins.frozenset"
        case .torchVersion: return "torch.torch_version.TorchVersion"
        case .attributeDict: return "AttributeDict"
        case .namespace: return "argparse.Namespace"
        }
    }

    static let storageNames: [String: TorchDType] = [
        "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16, "DoubleStorage": .float64,
        "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16, "CharStorage": .int8,
        "ByteStorage": .uint8, "BoolStorage": .bool,
    ]

    /// What the refusal message lists as allowed.
    static let allowedSummary = "only collections.OrderedDict, torch._utils._rebuild_tensor(_v2)/_rebuild_parameter, "
        + "torch.*Storage, _codecs.encode, set/frozenset, TorchVersion, Lightning's AttributeDict and argparse.Namespace are read"

    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        // Legacy files saved from the GPU name `torch.cuda.FloatStorage`; the bytes are the same.
        case ("torch", let n), ("torch.cuda", let n):
            if let t = Self.storageNames[n] { self = .storageType(t) } else { return nil }
        // An untyped storage holds bytes; torch ≥ 2 names it for storages saved without a dtype.
        case ("torch.storage", "UntypedStorage"), ("torch", "UntypedStorage"): self = .storageType(.uint8)
        case ("_codecs", "encode"): self = .codecsEncode
        // Protocol 2 writes Python 3's `builtins` under its Python 2 name.
        case ("builtins", "bytes"), ("__builtin__", "bytes"): self = .bytes
        case ("builtins", "set"), ("__builtin__", "set"): self = .set
        case ("builtins", "frozenset"), ("__builtin__", "frozenset"): self = .frozenSet
        case ("torch.torch_version", "TorchVersion"): self = .torchVersion
        case ("pytorch_lightning.utilities.parsing", "AttributeDict"), ("lightning.fabric.utilities.data", "AttributeDict"),
             ("lightning_fabric.utilities.data", "AttributeDict"):
            self = .attributeDict
        case ("argparse", "Namespace"): self = .namespace
        default: return nil
        }
    }
}
