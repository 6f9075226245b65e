/// The element types a `torch.save` state dict stores, named as `torch.float32` etc. Each comes
/// from the storage class that the file's pickle names (`torch.FloatStorage` is float32).
public enum TorchDType: String, Sendable, CaseIterable {
    case float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool

    /// Bytes per element in a storage file.
    public var byteCount: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// True for the types `TorchTensor.integers()` reads without rounding.
    public var isInteger: Bool {
        switch self {
        case .int64, .int32, .int16, .int8, .uint8, .bool: return true
        case .float32, .float16, .bfloat16, .float64: return false
        }
    }
}

/// A value of a `torch.save` file's pickle, after the allowed globals have been interpreted: the
/// Python containers become Swift ones and `_rebuild_tensor_v2` calls become tensors.
///
/// `OrderedDict`, Lightning's `AttributeDict` and `argparse.Namespace` all become `.dict` (a
/// Namespace's attributes are its items); instance attributes of a dict, such as the `_metadata`
/// that `Module.state_dict()` attaches, are dropped because they are not items.
public indirect enum TorchValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    /// An int outside `Int`'s range, as pickled: little-endian two's-complement bytes.
    case largeInteger([UInt8])
    case float(Double)
    /// A `str`, also a `TorchVersion` (a `str` subclass) and a Python 2 `str`.
    case string(String)
    case bytes([UInt8])
    case tensor(TorchTensor)
    case list([TorchValue])
    case tuple([TorchValue])
    /// A `set` or `frozenset`, in pickled order.
    case set([TorchValue])
    /// In insertion order, as Python keeps it; keys may be any value (optimizer states use ints).
    case dict([(key: TorchValue, value: TorchValue)])
    /// A recognised global that is not turned into a Swift value: a storage pickled without a
    /// tensor (`torch.FloatStorage`, its key, location and element count), or a global left uncalled.
    case object(String, [TorchValue])

    /// The value under the `str` key `key` of a dict; nil for other values or a missing key.
    public subscript(key: String) -> TorchValue? {
        guard case .dict(let items) = self else { return nil }
        for item in items { if case .string(key) = item.key { return item.value } }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var intValue: Int? { if case .int(let i) = self { return i } else { return nil } }
    public var tensorValue: TorchTensor? { if case .tensor(let t) = self { return t } else { return nil } }

    /// The Python type name, for error messages.
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .largeInteger: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tensor: return "tensor"
        case .list: return "list"
        case .tuple: return "tuple"
        case .set: return "set"
        case .dict: return "dict"
        case .object(let name, _): return name
        }
    }
}
