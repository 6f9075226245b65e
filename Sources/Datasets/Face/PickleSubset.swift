import Foundation

/// A value of the pickle subset that verification `.bin` files use. Lists are references because
/// APPENDS mutates a list that the memo may also hold.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case bytes(ArraySlice<UInt8>)
    case text(String)
    case list(PickleList)
    /// `depth`: 1 + the deepest item, kept so that shared (memoised) tuples are not re-walked.
    case tuple([PickleValue], depth: Int)
    case global(PickleGlobal)
    case object(PickleObject)

    var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .bytes: return "bytes"
        case .text: return "str"
        case .list: return "list"
        case .tuple: return "tuple"
        case .global: return "global"
        case .object(let o): return o.kind == .ndarray ? "numpy array" : "numpy dtype"
        }
    }
}

/// `depth` is the nesting of the list's contents; `contained` is set once the list is an item of
/// another container, after which it may no longer grow (see `PickleSubsetReader.maxNesting`).
final class PickleList {
    var items: [PickleValue] = []
    var depth = 1
    var contained = false
}

/// The only callables a `.bin` may name. They are interpreted here, never called.
enum PickleGlobal: Equatable {
    case reconstruct, ndarray, dtype, frombuffer, codecsEncode

    init?(module: String, name: String) {
        switch (module, name) {
        case ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"): self = .reconstruct
        case ("numpy", "ndarray"): self = .ndarray
        case ("numpy", "dtype"): self = .dtype
        case ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"): self = .frombuffer
        case ("_codecs", "encode"): self = .codecsEncode
        default: return nil
        }
    }
}

/// A numpy array or dtype under construction (REDUCE makes it, BUILD fills it in).
final class PickleObject {
    enum Kind { case ndarray, dtype }
    let kind: Kind
    /// Byte offset of the opcode that created it, for error messages.
    let offset: Int
    var dtypeName = ""
    var dtype: PickleObject?
    var shape: [Int] = []
    var data: ArraySlice<UInt8>?

    init(kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }
}

/// A stack machine for the opcodes that insightface's packers (Python 2 and 3, protocols 2–5)
/// produce. Nothing is imported or called: the few globals allowed are recognised by name and
/// their effect (build a numpy uint8 array, latin-1 encode a string) is reproduced here.
struct PickleSubsetReader {
    let bytes: [UInt8]
    let file: String
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var opOffset = 0

    static let accepted = "a verification .bin holds a tuple of a list of bytes or numpy uint8 arrays and a list of bools"

    /// Deepest nesting of lists and tuples accepted. A `.bin` nests at most 4 deep (the root tuple,
    /// the image list, an array's state tuple, its shape); releasing a deeply nested value recurses
    /// once per level, so 100,000 levels would overflow the stack. A list's depth is final once it is
    /// inside another container (appending to it then is refused; pickles of `.bin` files never do).
    static let maxNesting = 100

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    mutating func load() throws -> PickleValue {
        while position < bytes.count {
            opOffset = position
            let op = bytes[position]
            position += 1
            switch op {
            case 0x80: _ = try take(1)                                       // PROTO
            case 0x95: _ = try take(8)                                       // FRAME: framing only
            case 0x28: marks.append(stack.count)                             // MARK
            case 0x2e:                                                       // STOP
                guard stack.count == 1 else { throw fail("STOP with \(stack.count) values on the stack, expected 1") }
                return stack[0]
            case 0x30: _ = try pop()                                         // POP
            case 0x4e: stack.append(.none)
            case 0x88: stack.append(.bool(true))
            case 0x89: stack.append(.bool(false))
            case 0x4b: stack.append(.int(Int(try byte())))               // BININT1
            case 0x4d: stack.append(.int(Int(try uint(2))))                  // BININT2
            case 0x4a: stack.append(.int(Int(Int32(bitPattern: UInt32(try uint(4))))))  // BININT
            case 0x8a:                                                       // LONG1
                let n = Int(try byte())
                guard n <= 8 else { throw fail("LONG1 of \(n) bytes, expected at most 8") }
                let b = try take(n)
                var v: UInt64 = 0
                for (i, x) in b.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
                if n > 0 && n < 8 && b.last! & 0x80 != 0 { v |= ~0 << (8 * UInt64(n)) }
                stack.append(.int(Int(Int64(bitPattern: v))))
            case 0x55: stack.append(.bytes(try take(Int(byte()))))       // SHORT_BINSTRING (py2 str)
            case 0x54:                                                       // BINSTRING (py2 str)
                let n = Int(Int32(bitPattern: UInt32(try uint(4))))
                guard n >= 0 else { throw fail("BINSTRING with negative length \(n)") }
                stack.append(.bytes(try take(n)))
            case 0x43: stack.append(.bytes(try take(Int(byte()))))       // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(try take(Int(try uint(4)))))      // BINBYTES
            case 0x8e, 0x96: stack.append(.bytes(try take(try length8())))   // BINBYTES8, BYTEARRAY8
            case 0x8c: stack.append(.text(try text(Int(byte()))))        // SHORT_BINUNICODE
            case 0x58: stack.append(.text(try text(Int(try uint(4)))))       // BINUNICODE
            case 0x8d: stack.append(.text(try text(try length8())))          // BINUNICODE8
            case 0x5d: stack.append(.list(PickleList()))                     // EMPTY_LIST
            case 0x29: stack.append(.tuple([], depth: 1))                              // EMPTY_TUPLE
            case 0x6c:                                                       // LIST
                let l = PickleList()
                let items = try popMark()
                l.depth = try nestedDepth(items)
                l.items = items
                stack.append(.list(l))
            case 0x74:                                                       // TUPLE
                let items = try popMark()
                stack.append(.tuple(items, depth: try nestedDepth(items)))
            case 0x85, 0x86, 0x87:                                           // TUPLE1-3
                let n = Int(op - 0x84)
                guard stack.count >= n + (marks.last ?? 0) else { throw fail("TUPLE\(n) needs \(n) values on the stack") }
                let items = Array(stack.suffix(n))
                let depth = try nestedDepth(items)
                stack.removeLast(n)
                stack.append(.tuple(items, depth: depth))
            case 0x61:                                                       // APPEND
                let v = try pop()
                let l = try growableList(top())
                l.depth = max(l.depth, try nestedDepth([v]))
                l.items.append(v)
            case 0x65:                                                       // APPENDS
                let items = try popMark()
                let l = try growableList(top())
                l.depth = max(l.depth, try nestedDepth(items))
                l.items.append(contentsOf: items)
            case 0x70: memo[try decimalLine()] = try top()                   // PUT
            case 0x71: memo[Int(try byte())] = try top()                 // BINPUT
            case 0x72: memo[Int(try uint(4))] = try top()                    // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()                          // MEMOIZE
            case 0x67: stack.append(try recall(try decimalLine()))          // GET
            case 0x68: stack.append(try recall(Int(try byte())))         // BINGET
            case 0x6a: stack.append(try recall(Int(try uint(4))))            // LONG_BINGET
            case 0x63:                                                       // GLOBAL
                let module = try line(), name = try line()
                stack.append(.global(try global(module: module, name: name)))
            case 0x93:                                                       // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard case let .text(m) = module, case let .text(n) = name else {
                    throw fail("STACK_GLOBAL expects two strings, found \(module.kindName) and \(name.kindName)")
                }
                stack.append(.global(try global(module: m, name: n)))
            case 0x52:                                                       // REDUCE
                let args = try pop(), callable = try pop()
                guard case let .global(g) = callable, case let .tuple(a, _) = args else {
                    throw fail("REDUCE expects a global and an argument tuple, found \(callable.kindName) and \(args.kindName)")
                }
                stack.append(try reduce(g, a))
            case 0x62:                                                       // BUILD
                let state = try pop()
                guard case let .object(o) = try top() else { throw fail("BUILD applies only to numpy arrays and dtypes here") }
                try build(o, state)
            default:
                throw DatasetError.invalid(file: file, offset: opOffset,
                                           message: "unsupported pickle opcode \(PickleOpcode.describe(op)) (\(Self.accepted))")
            }
        }
        throw DatasetError.invalid(file: file, offset: bytes.count, message: "pickle ends without STOP (file truncated?)")
    }

    // MARK: operands

    private func fail(_ message: String) -> DatasetError {
        .invalid(file: file, offset: opOffset, message: "pickle opcode \(PickleOpcode.describe(bytes[opOffset])): \(message)")
    }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n <= bytes.count - position else {
            throw fail("needs \(n) bytes of operand, the file ends after \(bytes.count - position) (truncated?)")
        }
        defer { position += n }
        return bytes[position..<position + n]
    }

    private mutating func byte() throws -> UInt8 { try take(1).first! }

    private mutating func uint(_ n: Int) throws -> UInt64 {
        let b = try take(n)
        var v: UInt64 = 0
        for (i, x) in b.enumerated() { v |= UInt64(x) << (8 * UInt64(i)) }
        return v
    }

    private mutating func length8() throws -> Int {
        let v = try uint(8)
        guard v <= UInt64(bytes.count) else { throw fail("length \(v) exceeds the file size \(bytes.count)") }
        return Int(v)
    }

    private mutating func text(_ n: Int) throws -> String {
        let b = try take(n)
        guard let s = String(validating: b, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
        return s
    }

    /// A newline-terminated operand (GLOBAL, PUT, GET).
    private mutating func line() throws -> String {
        guard let nl = bytes[position...].firstIndex(of: 0x0a) else { throw fail("operand has no terminating newline") }
        defer { position = nl + 1 }
        return String(decoding: bytes[position..<nl], as: UTF8.self)
    }

    private mutating func decimalLine() throws -> Int {
        let s = try line()
        guard let v = Int(s), v >= 0 else { throw fail("memo index '\(s)' is not a number") }
        return v
    }

    // MARK: stack

    private mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let v = stack.popLast() else { throw fail("stack underflow") }
        return v
    }

    private func top() throws -> PickleValue {
        guard let v = stack.last else { throw fail("stack underflow") }
        return v
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let m = marks.popLast() else { throw fail("no MARK to pop to") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    private func recall(_ i: Int) throws -> PickleValue {
        guard let v = memo[i] else { throw fail("memo entry \(i) was never stored") }
        return v
    }

    private func growableList(_ v: PickleValue) throws -> PickleList {
        guard case let .list(l) = v else { throw fail("expects a list under the appended values, found \(v.kindName)") }
        guard !l.contained else {
            throw fail("appends to a list that is already inside another list or tuple (not how a .bin is pickled)")
        }
        return l
    }

    /// The depth of a container holding `items` (1 + the deepest item), refused beyond
    /// `maxNesting`; the lists among `items` become contained and stop growing.
    private func nestedDepth(_ items: [PickleValue]) throws -> Int {
        var deepest = 0
        for item in items {
            deepest = max(deepest, Self.depth(of: item))
            if case let .list(l) = item { l.contained = true }
        }
        guard deepest + 1 <= Self.maxNesting else {
            throw fail("lists and tuples nested more than \(Self.maxNesting) deep (a .bin nests at most 4)")
        }
        return deepest + 1
    }

    private static func depth(of v: PickleValue) -> Int {
        switch v {
        case let .list(l): return l.depth
        case let .tuple(_, d): return d
        default: return 0
        }
    }

    // MARK: the allowed globals

    private func global(module: String, name: String) throws -> PickleGlobal {
        guard let g = PickleGlobal(module: module, name: name) else {
            throw fail("refers to \(module).\(name); only numpy array reconstruction (numpy[._]core.multiarray._reconstruct, numpy[._]core.numeric._frombuffer, numpy.ndarray, numpy.dtype) and _codecs.encode are accepted, and nothing is ever called")
        }
        return g
    }

    private func reduce(_ g: PickleGlobal, _ args: [PickleValue]) throws -> PickleValue {
        switch g {
        case .reconstruct:
            guard args.count == 3, case .global(.ndarray) = args[0] else {
                throw fail("_reconstruct expects (numpy.ndarray, shape, typecode)")
            }
            return .object(PickleObject(kind: .ndarray, offset: opOffset))
        case .dtype:
            guard let first = args.first, let name = stringValue(first) else { throw fail("numpy.dtype expects a type name first") }
            let d = PickleObject(kind: .dtype, offset: opOffset)
            d.dtypeName = name
            return .object(d)
        case .frombuffer:
            guard args.count >= 3, case let .bytes(buffer) = args[0], case let .object(d) = args[1], d.kind == .dtype,
                  let shape = shapeValue(args[2]) else {
                throw fail("_frombuffer expects (buffer, dtype, shape, order)")
            }
            let a = PickleObject(kind: .ndarray, offset: opOffset)
            a.dtype = d
            a.shape = shape
            a.data = buffer
            return .object(a)
        case .codecsEncode:
            guard args.count == 2, case let .text(s) = args[0], case let .text(enc) = args[1],
                  ["latin1", "latin-1", "iso-8859-1"].contains(enc.lowercased()) else {
                throw fail("_codecs.encode is accepted only as (str, 'latin1'), the form Python 3 uses for bytes at protocol 2")
            }
            var out: [UInt8] = []
            out.reserveCapacity(s.unicodeScalars.count)
            for u in s.unicodeScalars {
                guard u.value < 256 else { throw fail("_codecs.encode of a character above U+00FF, not latin-1") }
                out.append(UInt8(u.value))
            }
            return .bytes(out[...])
        case .ndarray:
            throw fail("numpy.ndarray is accepted only as the first argument of _reconstruct")
        }
    }

    private func build(_ o: PickleObject, _ state: PickleValue) throws {
        guard case .tuple(var s, _) = state else { throw fail("BUILD state is \(state.kindName), expected a tuple") }
        switch o.kind {
        case .dtype:
            return   // byte order and alignment do not matter for one-byte elements; checked by the caller
        case .ndarray:
            if s.count == 5 { s.removeFirst() }   // the leading version number
            guard s.count == 4, let shape = shapeValue(s[0]), case let .object(d) = s[1], d.kind == .dtype else {
                throw fail("numpy array state expects (version, shape, dtype, is_fortran, data)")
            }
            guard case let .bytes(data) = s[3] else {
                throw fail("numpy array data is \(s[3].kindName), expected raw bytes (object arrays are not accepted)")
            }
            o.shape = shape
            o.dtype = d
            o.data = data
        }
    }

    private func stringValue(_ v: PickleValue) -> String? {
        switch v {
        case let .text(s): return s
        case let .bytes(b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }

    private func shapeValue(_ v: PickleValue) -> [Int]? {
        guard case let .tuple(items, _) = v else { return nil }
        var shape: [Int] = []
        for item in items {
            guard case let .int(n) = item, n >= 0 else { return nil }
            shape.append(n)
        }
        return shape
    }
}
