/// Writes pickle opcodes by hand, so the tests can build legacy torch files (valid ones and
/// hostile ones) without Python. Opcode values are those of `pickletools`.
struct PickleWriter {
    var bytes: [UInt8] = []

    mutating func op(_ code: UInt8, _ operand: [UInt8] = []) { bytes.append(code); bytes += operand }
    mutating func proto(_ v: UInt8 = 2) { op(0x80, [v]) }
    mutating func stop() { op(0x2e) }
    mutating func mark() { op(0x28) }
    mutating func none() { op(0x4e) }
    mutating func bool(_ b: Bool) { op(b ? 0x88 : 0x89) }
    mutating func int(_ i: Int32) { op(0x4a, le(UInt32(bitPattern: i), 4)) }
    mutating func long(_ i: Int64) { op(0x8a, [8] + le(UInt64(bitPattern: i), 8)) }
    mutating func string(_ s: String) { op(0x58, le(UInt32(s.utf8.count), 4) + Array(s.utf8)) }
    mutating func global(_ module: String, _ name: String) { op(0x63, Array("\(module)\n\(name)\n".utf8)) }
    mutating func tuple() { op(0x74) }
    mutating func emptyTuple() { op(0x29) }
    mutating func emptyDict() { op(0x7d) }
    mutating func emptyList() { op(0x5d) }
    mutating func setItems() { op(0x75) }
    mutating func appends() { op(0x65) }
    mutating func reduce() { op(0x52) }
    mutating func binPersId() { op(0x51) }
    mutating func put(_ i: UInt8) { op(0x71, [i]) }
    mutating func get(_ i: UInt8) { op(0x68, [i]) }

    func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
    func le(_ v: UInt32, _ n: Int) -> [UInt8] { le(UInt64(v), n) }

    /// `_rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), offset, shape, strides, False, OrderedDict())`.
    mutating func tensor(key: String, numel: Int32, offset: Int64, shape: [Int64], strides: [Int64]) {
        global("torch._utils", "_rebuild_tensor_v2")
        mark()
        mark(); string("storage"); global("torch", "FloatStorage"); string(key); string("cpu"); int(numel); tuple(); binPersId()
        long(offset)
        mark(); shape.forEach { long($0) }; tuple()
        mark(); strides.forEach { long($0) }; tuple()
        bool(false)
        global("collections", "OrderedDict"); emptyTuple(); reduce()
        tuple()
        reduce()
    }

    /// A whole legacy-format file: magic, protocol 1001, sys_info, `main` (opcodes between PROTO
    /// and STOP), the key list and each storage's count and float32 bytes.
    static func legacyFile(main: PickleWriter, storages: [(key: String, values: [Float])], littleEndian: Bool = true) -> [UInt8] {
        var w = PickleWriter()
        w.proto(); w.op(0x8a, [10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]); w.stop()
        w.proto(); w.op(0x4d, [0xe9, 0x03]); w.stop()
        w.proto(); w.emptyDict(); w.mark(); w.string("protocol_version"); w.int(1001); w.string("little_endian"); w.bool(littleEndian); w.setItems(); w.stop()
        w.proto(); w.bytes += main.bytes; w.stop()
        w.proto(); w.emptyList(); w.mark(); storages.forEach { w.string($0.key) }; w.appends(); w.stop()
        for s in storages {
            w.bytes += w.le(UInt64(s.values.count), 8)
            for v in s.values { w.bytes += w.le(v.bitPattern, 4) }
        }
        return w.bytes
    }

    /// An OrderedDict state dict of `w` (2×3, storage "0" of 6) and `b` (3, storage "1" of 3).
    static func smallStateDict() -> PickleWriter {
        var m = PickleWriter()
        m.global("collections", "OrderedDict"); m.emptyTuple(); m.reduce(); m.put(0)
        m.mark()
        m.string("w"); m.tensor(key: "0", numel: 6, offset: 0, shape: [2, 3], strides: [3, 1])
        m.string("b"); m.tensor(key: "1", numel: 3, offset: 0, shape: [3], strides: [1])
        m.setItems()
        return m
    }

    static let smallStorages: [(key: String, values: [Float])] = [("0", [1, -2, 3.5, 0, .infinity, -0.25]), ("1", [7, 8, 9])]
}

/// SplitMix64: small, seeded and the same on every platform.
struct SeededRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}
