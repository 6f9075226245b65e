/// A pickle interpreter restricted to data: it builds values and never imports or calls anything.
/// GLOBAL and STACK_GLOBAL accept only the names of `TorchGlobal` and refuse every other name on
/// the spot; REDUCE, NEWOBJ and BUILD on an allowed global are reproduced by `PickleCalls`.
///
/// One machine reads one pickle, from `start` to its STOP. Offsets in errors are byte offsets of
/// the opcode within `bytes` minus `origin`, so they match `pickletools.dis` of the same bytes.
struct PickleMachine {
    let bytes: [UInt8]
    let file: String
    let origin: Int
    private let end: Int
    private(set) var position: Int
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Offset of the opcode being run.
    private(set) var opcodeOffset = 0
    /// Every persistent id met, in pickle order: the storages the format reader must supply.
    private(set) var storageReferences: [StorageReference] = []

    /// Deepest nesting of containers (and of MARKs) accepted. State dicts nest 4 deep, Lightning
    /// checkpoints about 8; each level costs stack frames when a value is released or converted.
    static let maxDepth = 100
    /// Bounds on the stack and the memo: far above any model file (a large state dict memoises a
    /// few values per tensor) and low enough that a hostile file cannot exhaust memory through them.
    static let maxStack = 1 << 22
    static let maxMemo = 1 << 22
    /// Longest LONG4 integer, in bytes. Python ints that long never occur in a state dict.
    static let maxLongBytes = 1 << 12
    /// Longest GLOBAL line (a dotted module path or name).
    static let maxLineLength = 1 << 10

    /// Reads the pickle in `bytes[start..<end]`.
    init(bytes: [UInt8], range: Range<Int>, file: String, origin: Int) {
        self.bytes = bytes
        self.file = file
        self.origin = origin
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    func fail(_ what: String) -> ModelFormatError {
        ModelFormatError(file: file, "pickle offset \(opcodeOffset - origin): \(what)")
    }

    /// Runs to STOP and returns the value it leaves; `position` is then just past the STOP.
    mutating func run() throws -> PickleValue {
        while position < end {
            opcodeOffset = position
            let byte = bytes[position]
            position += 1
            guard let opcode = PickleOpcode(rawValue: byte) else {
                throw fail("unknown pickle opcode 0x\(String(byte, radix: 16)) (a damaged file, or not a pickle)")
            }
            if opcode == .stop {
                guard let top = stack.last else { throw fail("STOP with an empty stack") }
                return top
            }
            try execute(opcode)
            guard stack.count <= Self.maxStack else { throw fail("more than \(Self.maxStack) values on the pickle stack") }
        }
        throw ModelFormatError(file: file, "pickle offset \(position - origin): the pickle ends without STOP (truncated file?)")
    }

    private mutating func execute(_ opcode: PickleOpcode) throws {
        switch opcode {
        case .proto:
            let version = try byte()
            guard version <= 5 else { throw fail("pickle protocol \(version), expected 2 to 5") }
        case .frame: _ = try take(8)  // framing only groups opcodes; they are read the same either way
        case .mark:
            guard marks.count < Self.maxDepth else { throw fail("MARKs nest more than \(Self.maxDepth) deep") }
            marks.append(stack.count)
        case .pop: _ = try pop()
        case .popMark: _ = try popToMark()
        case .dup: push(try top())
        case .none: push(.none)
        case .newTrue: push(.bool(true))
        case .newFalse: push(.bool(false))
        case .binInt: push(.int(Int(Int32(bitPattern: try uint32()))))
        case .binInt1: push(.int(Int(try byte())))
        case .binInt2: push(.int(Int(try uint16())))
        case .long1: push(Self.integer(try take(Int(try byte()))))
        case .long4:
            let n = Int(Int32(bitPattern: try uint32()))
            guard n >= 0, n <= Self.maxLongBytes else { throw fail("LONG4 of \(n) bytes, expected 0 to \(Self.maxLongBytes)") }
            push(Self.integer(try take(n)))
        case .binFloat:
            // The one big-endian field of the format.
            let raw = try take(8)
            push(.float(Double(bitPattern: raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })))
        case .binUnicode: push(.string(try utf8(try take(Int(try uint32())))))
        case .shortBinUnicode: push(.string(try utf8(try take(Int(try byte())))))
        case .binUnicode8: push(.string(try utf8(try take(try length64()))))
        case .binString:
            let n = Int(Int32(bitPattern: try uint32()))
            guard n >= 0 else { throw fail("BINSTRING of negative length \(n)") }
            push(.string(Self.python2String(try take(n))))
        case .shortBinString: push(.string(Self.python2String(try take(Int(try byte())))))
        case .binBytes: push(.bytes(Array(try take(Int(try uint32())))))
        case .shortBinBytes: push(.bytes(Array(try take(Int(try byte())))))
        case .binBytes8, .byteArray8: push(.bytes(Array(try take(try length64()))))
        case .emptyDict: push(.node(PickleNode(.dict)))
        case .emptyList: push(.node(PickleNode(.list)))
        case .emptyTuple: push(.node(PickleNode(.tuple)))
        case .emptySet: push(.node(PickleNode(.set)))
        case .tuple: push(try makeTuple(try popToMark()))
        case .tuple1: push(try makeTuple(try pop(1)))
        case .tuple2: push(try makeTuple(try pop(2)))
        case .tuple3: push(try makeTuple(try pop(3)))
        case .list:
            let list = PickleNode(.list)
            try add(try popToMark(), to: list)
            push(.node(list))
        case .dict:
            let dict = PickleNode(.dict)
            try setItems(try popToMark(), in: dict)
            push(.node(dict))
        case .frozenSet:
            let items = try popToMark()
            try items.forEach(seal)
            let set = PickleNode(.frozenSet, items: items)
            try checkDepth(set)
            push(.node(set))
        case .append:
            let item = try pop()
            try add([item], to: try container(.list, for: opcode))
        case .appends:
            let items = try popToMark()
            try add(items, to: try container(.list, for: opcode))
        case .addItems:
            let items = try popToMark()
            try add(items, to: try container(.set, for: opcode))
        case .setItem:
            let pair = try pop(2)
            try setItems(pair, in: try container(.dict, for: opcode))
        case .setItems:
            let items = try popToMark()
            try setItems(items, in: try container(.dict, for: opcode))
        case .binPut: try memoize(at: Int(try byte()))
        case .longBinPut: try memoize(at: Int(try uint32()))
        case .put: try memoize(at: try decimalLine())
        case .memoize: try memoize(at: memo.count)
        case .binGet: push(try recall(Int(try byte())))
        case .longBinGet: push(try recall(Int(try uint32())))
        case .get: push(try recall(try decimalLine()))
        case .global:
            let module = try line()
            let name = try line()
            push(.global(try allowedGlobal(module: module, name: name)))
        case .stackGlobal:
            let parts = try pop(2)
            guard case .string(let module) = parts[0], case .string(let name) = parts[1] else {
                throw fail("STACK_GLOBAL expects two strings, found \(parts[0].kindName) and \(parts[1].kindName)")
            }
            push(.global(try allowedGlobal(module: module, name: name)))
        case .reduce:
            let arguments = try pop()
            let callable = try pop()
            push(try call(callable, arguments, opcode: opcode))
        case .newObj:
            let arguments = try pop()
            let cls = try pop()
            push(try call(cls, arguments, opcode: opcode))
        case .build:
            let state = try pop()
            try PickleCalls.build(try top(), state: state, machine: self)
        case .binPersId:
            let reference = try PickleCalls.storageReference(try pop(), machine: self)
            storageReferences.append(reference)
            push(.storage(reference))
        case .stop, .float, .int, .long, .string, .unicode, .persId, .inst, .obj, .ext1, .ext2, .ext4,
             .newObjEx, .nextBuffer, .readonlyBuffer:
            throw fail("opcode \(opcode.name) (0x\(String(opcode.rawValue, radix: 16))) is not used by torch.save files and is not read")
        }
    }

    // MARK: Containers

    /// Makes `value` final before it becomes an item or an argument (see `PickleNode.sealed`).
    private func seal(_ value: PickleValue) throws {
        guard case .node(let node) = value else { return }
        node.sealed = true
    }

    private func checkDepth(_ node: PickleNode) throws {
        guard node.depth <= Self.maxDepth else { throw fail("values nest more than \(Self.maxDepth) deep") }
    }

    private func makeTuple(_ items: [PickleValue]) throws -> PickleValue {
        try items.forEach(seal)
        let tuple = PickleNode(.tuple, items: items)
        try checkDepth(tuple)
        return .node(tuple)
    }

    /// The unsealed container of `kind` that `opcode` adds to: the top of the stack after its operands.
    private func container(_ kind: PickleNode.Kind, for opcode: PickleOpcode) throws -> PickleNode {
        let target = try top()
        guard case .node(let node) = target, node.kind == kind else {
            throw fail("\(opcode.name) adds to \(target.kindName), expected a \(kind.rawValue)")
        }
        guard !node.sealed else { throw fail("\(opcode.name) changes a \(kind.rawValue) that is already inside another value") }
        return node
    }

    private func add(_ items: [PickleValue], to node: PickleNode) throws {
        for item in items {
            if case .node(let n) = item, n === node { throw fail("a \(node.kind.rawValue) cannot contain itself") }
            try seal(item)
            node.depth = max(node.depth, item.depth + 1)
        }
        try checkDepth(node)
        node.items.append(contentsOf: items)
    }

    private func setItems(_ items: [PickleValue], in node: PickleNode) throws {
        guard items.count % 2 == 0 else { throw fail("\(items.count) values for dict items, expected key-value pairs") }
        for i in stride(from: 0, to: items.count, by: 2) {
            for item in items[i...(i + 1)] {
                if case .node(let n) = item, n === node { throw fail("a dict cannot contain itself") }
                try seal(item)
                node.depth = max(node.depth, item.depth + 1)
            }
            node.entries.append((items[i], items[i + 1]))
        }
        try checkDepth(node)
    }

    // MARK: Globals and calls

    private func allowedGlobal(module: String, name: String) throws -> TorchGlobal {
        guard let global = TorchGlobal(module: module, name: name) else {
            throw ModelFormatError(file: file, "pickle offset \(opcodeOffset - origin) names the global \((module + "." + name).printable()), which a tensor state dict never needs; refusing to read it (\(TorchGlobal.allowedSummary))")
        }
        return global
    }

    private func call(_ callable: PickleValue, _ arguments: PickleValue, opcode: PickleOpcode) throws -> PickleValue {
        guard case .global(let global) = callable else { throw fail("\(opcode.name) calls \(callable.kindName), expected an allowed global") }
        guard case .node(let tuple) = arguments, tuple.kind == .tuple else {
            throw fail("\(opcode.name) of \(global.name) with \(arguments.kindName) as arguments, expected a tuple")
        }
        let result = try PickleCalls.call(global, tuple.items, newObject: opcode == .newObj, machine: self)
        if case .node(let node) = result { try checkDepth(node) }
        return result
    }

    // MARK: Stack and memo

    private mutating func push(_ value: PickleValue) { stack.append(value) }

    private mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.popLast() else { throw fail("pops an empty stack") }
        return value
    }

    private mutating func pop(_ n: Int) throws -> [PickleValue] {
        guard stack.count - (marks.last ?? 0) >= n else { throw fail("needs \(n) values on the stack") }
        let values = Array(stack[(stack.count - n)...])
        stack.removeLast(n)
        return values
    }

    private func top() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.last else { throw fail("reads an empty stack") }
        return value
    }

    private mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("no MARK to pop to") }
        let values = Array(stack[mark...])
        stack.removeLast(stack.count - mark)
        return values
    }

    private mutating func memoize(at index: Int) throws {
        let value = try top()
        guard memo[index] != nil || memo.count < Self.maxMemo else { throw fail("more than \(Self.maxMemo) memo entries") }
        memo[index] = value
    }

    private func recall(_ index: Int) throws -> PickleValue {
        guard let value = memo[index] else { throw fail("memo entry \(index) was never stored") }
        return value
    }

    // MARK: Operands

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= end - position else {
            throw fail("operand of \(n) bytes, but only \(end - position) remain (truncated file?)")
        }
        defer { position += n }
        return bytes[position..<(position + n)]
    }

    private mutating func byte() throws -> UInt8 { try take(1).first! }
    private mutating func uint16() throws -> UInt16 { try take(2).reversed().reduce(0) { $0 << 8 | UInt16($1) } }
    private mutating func uint32() throws -> UInt32 { try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }

    private mutating func length64() throws -> Int {
        let raw = try take(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard let n = Int(exactly: raw) else { throw fail("length \(raw) beyond any file") }
        return n
    }

    /// A newline-terminated operand (GLOBAL, PUT, GET), without the newline.
    private mutating func line() throws -> String {
        let limit = min(end, position + Self.maxLineLength)
        guard let newline = bytes[position..<limit].firstIndex(of: 0x0a) else {
            throw fail("operand without a newline within \(Self.maxLineLength) bytes")
        }
        defer { position = newline + 1 }
        return try utf8(bytes[position..<newline])
    }

    private mutating func decimalLine() throws -> Int {
        let text = try line()
        guard let n = Int(text), n >= 0 else { throw fail("memo index \"\(text.printable())\", expected a decimal number") }
        return n
    }

    private func utf8(_ raw: ArraySlice<UInt8>) throws -> String {
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("string of \(raw.count) bytes that is not UTF-8") }
        return s
    }

    /// Python 2 `str` is bytes; text in model files is ASCII or UTF-8, anything else is read as Latin-1.
    private static func python2String(_ raw: ArraySlice<UInt8>) -> String {
        String(validating: raw, as: UTF8.self) ?? String(raw.map { Character(Unicode.Scalar($0)) })
    }

    /// LONG1/LONG4 operands: little-endian two's complement, `Int` when it fits.
    static func integer(_ raw: ArraySlice<UInt8>) -> PickleValue {
        let bytes = Array(raw)
        guard let last = bytes.last else { return .int(0) }
        let fill: UInt8 = last & 0x80 != 0 ? 0xff : 0
        // Bytes beyond the eighth must only repeat the sign for the value to fit in 64 bits.
        if bytes.count > 8 && !(bytes[8...].allSatisfy { $0 == fill } && (bytes[7] & 0x80 != 0) == (fill == 0xff)) {
            return .largeInteger(bytes)
        }
        var value: UInt64 = 0
        for i in (0..<8).reversed() { value = value << 8 | UInt64(i < bytes.count ? bytes[i] : fill) }
        return .int(Int(Int64(bitPattern: value)))
    }
}
