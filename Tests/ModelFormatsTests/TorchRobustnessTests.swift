import Foundation
import ModelFormats
import Testing
import TestSupport

/// Reads `bytes` the way a caller would (state dict, then every tensor's values): true when that
/// works, false on a `ModelFormatError`; any other error is recorded as a failure.
func readsCleanly(_ bytes: [UInt8], name: String) -> Bool {
    do {
        let file = try TorchFile.read(bytes: bytes, name: name)
        if let sd = try? file.stateDict() {
            for (_, t) in sd { _ = try t.floats() }
        }
        return true
    } catch let error as ModelFormatError {
        if "\(error)".contains("\n") { Issue.record("\(name): a message of several lines: \(error)") }
        return false
    } catch {
        Issue.record("\(name): not a ModelFormatError: \(error)")
        return false
    }
}

/// The error message reading `bytes` gives, or nil when it reads.
func errorMessage(_ bytes: [UInt8]) -> String? {
    do { _ = try TorchFile.read(bytes: bytes, name: "x.pt"); return nil } catch { return "\(error)" }
}

@Suite struct TorchRobustnessTests {
    @Test func handWrittenLegacyFileReads() throws {
        let bytes = PickleWriter.legacyFile(main: .smallStateDict(), storages: PickleWriter.smallStorages)
        let file = try TorchFile.read(bytes: bytes, name: "small.pt")
        #expect(file.format == .legacy)
        let sd = try file.stateDict()
        #expect(sd.map(\.key) == ["w", "b"])
        #expect(sd[0].tensor.shape == [2, 3])
        #expect(try sd[0].tensor.floats() == [1, -2, 3.5, 0, .infinity, -0.25])
        #expect(try sd[1].tensor.floats() == [7, 8, 9])
    }

    /// Every cut of the file and 500 seeded mutations (bit flips, boundary bytes, inserts, deletes,
    /// 4- and 8-byte boundary values) either read or throw ModelFormatError; never a crash or hang.
    func mutationOutcomes(_ seed: [UInt8], name: String, salt: UInt64) -> (reads: Int, refusals: Int) {
        var reads = 0, refusals = 0
        func run(_ b: [UInt8], _ what: String) { if readsCleanly(b, name: "\(name) \(what)") { reads += 1 } else { refusals += 1 } }
        for n in 0..<seed.count { run(Array(seed[0..<n]), "cut at \(n)") }
        var rng = SeededRandom(state: 0x5eed ^ salt)
        let boundaries: [[UInt8]] = [[0xff], [0x00], [0x7f], [0x80], [0xff, 0xff, 0xff, 0xff], [0xff, 0xff, 0xff, 0x7f],
                                     [0, 0, 0, 0x80], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]
        for i in 0..<500 {
            var b = seed
            let at = rng.below(b.count)
            switch rng.below(5) {
            case 0: b[at] ^= UInt8(1 << rng.below(8))
            case 1:
                let v = boundaries[rng.below(boundaries.count)]
                for (k, x) in v.enumerated() where at + k < b.count { b[at + k] = x }
            case 2: b.insert(contentsOf: boundaries[rng.below(boundaries.count)], at: at)
            case 3: b.removeSubrange(at..<min(b.count, at + 1 + rng.below(8)))
            default: b[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            run(b, "mutation \(i) at \(at)")
        }
        return (reads, refusals)
    }

    @Test func handWrittenLegacyFileSurvivesMutation() {
        let seed = PickleWriter.legacyFile(main: .smallStateDict(), storages: PickleWriter.smallStorages)
        let (reads, refusals) = mutationOutcomes(seed, name: "small.pt", salt: 1)
        print("hand-written legacy file (\(seed.count) bytes): \(reads) read, \(refusals) refused")
        #expect(reads > 0 && refusals > 0)
    }

    @Test(arguments: ["tiny_zip.pt", "tiny_legacy.pt", "f32_zip64_deflated.pt"])
    func torchWrittenFileSurvivesMutation(_ name: String) throws {
        guard TorchFixtures.folder != nil else { return }
        let seed = try #require(FileManager.default.contents(atPath: TorchFixtures.path(name))).map { $0 }
        let (reads, refusals) = mutationOutcomes(seed, name: name, salt: UInt64(name.utf8.count))
        print("\(name) (\(seed.count) bytes): \(reads) read, \(refusals) refused")
        #expect(reads > 0 && refusals > 0)
    }

    /// Random programs of the opcodes torch files use (allowed globals, calls, persistent ids,
    /// memo, containers) with random operands, as the main pickle of a legacy file: each reads or
    /// is refused, however the calls and containers are mismatched.
    @Test func randomOpcodeProgramsReadOrAreRefused() {
        let globals: [(String, String)] = [("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2"),
                                           ("torch._utils", "_rebuild_tensor"), ("torch._utils", "_rebuild_parameter"),
                                           ("torch", "FloatStorage"), ("torch", "HalfStorage"), ("_codecs", "encode"),
                                           ("__builtin__", "set"), ("builtins", "frozenset"), ("torch.torch_version", "TorchVersion"),
                                           ("argparse", "Namespace"), ("__builtin__", "bytes")]
        let strings = ["storage", "cpu", "0", "1", "latin1", "w", "", "é"]
        var rng = SeededRandom(state: 0xfeed)
        var reads = 0, refusals = 0
        for program in 0..<3000 {
            var w = PickleWriter()
            // The storages the program's tensors name (first element count wins), so that the
            // key list after the pickle matches it when the program is well formed.
            var used: [String: Int32] = [:]
            // A few values and MARKs first, so that most programs get past stack underflow.
            for _ in 0..<rng.below(4) {
                w.mark()
                switch rng.below(4) {
                case 0: w.emptyDict()
                case 1: w.string(strings[rng.below(strings.count)])
                case 2: w.emptyList()
                default: w.int(Int32(rng.below(5)))
                }
            }
            for _ in 0..<(1 + rng.below(30)) {
                switch rng.below(34) {
                case 0: w.mark()
                case 1: w.emptyDict()
                case 2: w.emptyList()
                case 3: w.emptyTuple()
                case 4: w.op(0x8f)                                    // EMPTY_SET
                case 5: w.tuple()
                case 6: w.op(0x85 + UInt8(rng.below(3)))              // TUPLE1/2/3
                case 7: w.op(0x6c)                                    // LIST
                case 8: w.op(0x64)                                    // DICT
                case 9: w.op(0x91)                                    // FROZENSET
                case 10: w.op(0x73)                                   // SETITEM
                case 11: w.setItems()
                case 12: w.op(0x61)                                   // APPEND
                case 13: w.appends()
                case 14: w.op(0x90)                                   // ADDITEMS
                case 15: w.put(UInt8(rng.below(4)))
                case 16: w.get(UInt8(rng.below(4)))
                case 17: w.op(0x94)                                   // MEMOIZE
                case 18: w.op([0x30, 0x31, 0x32][rng.below(3)])       // POP, POP_MARK, DUP
                case 19: w.op(0x4b, [UInt8(rng.below(256))])          // BININT1
                case 20: w.long(Int64(bitPattern: rng.next()) >> rng.below(64))
                case 21: w.op(0x47, (0..<8).map { _ in UInt8(rng.below(256)) })   // BINFLOAT
                case 22: w.none()
                case 23: w.bool(rng.below(2) == 0)
                case 24, 25: w.string(strings[rng.below(strings.count)])
                case 26, 27: let g = globals[rng.below(globals.count)]; w.global(g.0, g.1)
                case 28: w.reduce()
                case 29: w.op(0x81)                                   // NEWOBJ
                case 30: w.op(0x62)                                   // BUILD
                case 31: w.binPersId()
                case 32:
                    let key = ["0", "1", "2"][rng.below(3)], numel = Int32(rng.below(8))
                    if used[key] == nil { used[key] = numel }
                    w.tensor(key: key, numel: numel, offset: Int64(rng.below(4)),
                             shape: (0..<rng.below(3)).map { _ in Int64(rng.below(4)) }, strides: (0..<rng.below(3)).map { _ in Int64(rng.below(4)) })
                default:
                    if used["1"] == nil { used["1"] = 3 }
                    w.string("k"); w.tensor(key: "1", numel: 3, offset: 0, shape: [3], strides: [1])
                }
            }
            let storages = used.sorted { $0.key < $1.key }.map { (key: $0.key, values: [Float](repeating: 1.5, count: Int($0.value))) }
            if readsCleanly(PickleWriter.legacyFile(main: w, storages: storages), name: "program \(program)") {
                reads += 1
            } else {
                refusals += 1
            }
        }
        print("random opcode programs: \(reads) read, \(refusals) refused")
        #expect(reads > 0 && refusals > 0)
    }

    // MARK: Hostile pickles, one defence each

    func legacy(_ body: (inout PickleWriter) -> Void, storages: [(key: String, values: [Float])] = []) -> [UInt8] {
        var w = PickleWriter()
        body(&w)
        return PickleWriter.legacyFile(main: w, storages: storages)
    }

    @Test func deepNestingIsRefused() {
        let bytes = legacy { w in w.emptyTuple(); for _ in 0..<100_000 { w.op(0x85) } }  // TUPLE1 a hundred thousand times
        #expect(errorMessage(bytes)?.contains("nest more than 100 deep") == true)
        let marks = legacy { w in for _ in 0..<1000 { w.mark() } }
        #expect(errorMessage(marks)?.contains("MARKs nest more than 100 deep") == true)
    }

    @Test func memoisedRepetitionCannotExplode() {
        // t(i+1) = (t(i), t(i)): 60 levels expand to 2^60 values from a few hundred bytes.
        let bytes = legacy { w in
            w.emptyTuple(); w.put(0)
            for i in 0..<60 { w.get(UInt8(i)); w.get(UInt8(i)); w.op(0x86); w.put(UInt8(i + 1)) }
        }
        #expect(errorMessage(bytes)?.contains("expand to more than") == true)
    }

    @Test func cyclesAndLateMutationAreRefused() {
        let selfAppend = legacy { w in w.emptyList(); w.put(0); w.get(0); w.op(0x61) }
        #expect(errorMessage(selfAppend)?.contains("cannot contain itself") == true)
        let late = legacy { w in
            w.emptyDict(); w.put(0); w.emptyList(); w.get(0); w.op(0x61)   // [d]
            w.get(0); w.op(0x4b, [1]); w.op(0x4b, [2]); w.op(0x73)         // d[1] = 2 after d is inside the list
        }
        #expect(errorMessage(late)?.contains("already inside another value") == true)
    }

    @Test func lengthsBeyondTheFileAreRefused() {
        let long4 = legacy { w in w.op(0x8b, [0xff, 0xff, 0xff, 0x7f]) }
        #expect(errorMessage(long4)?.contains("LONG4 of 2147483647 bytes") == true)
        let unicode = legacy { w in w.op(0x58, [0xff, 0xff, 0xff, 0xff, 0x41]) }
        #expect(errorMessage(unicode)?.contains("operand of 4294967295 bytes") == true)
        let bytes8 = legacy { w in w.op(0x8e, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) }
        #expect(errorMessage(bytes8)?.contains("beyond any file") == true)
    }

    @Test func unknownOpcodesAndGlobalsAreNamed() {
        let unknown = legacy { w in w.op(0xff) }
        #expect(errorMessage(unknown)?.contains("unknown pickle opcode 0xff") == true)
        let inst = legacy { w in w.op(0x69, Array("os\nsystem\n".utf8)) }
        #expect(errorMessage(inst)?.contains("opcode INST (0x69)") == true)
        let eval = legacy { w in w.global("builtins", "eval") }
        let message = errorMessage(eval) ?? ""
        #expect(message.contains("names the global builtins.eval, which a tensor state dict never needs; refusing to read it (only"))
        // The refusal comes at the GLOBAL, whose offset in the file follows the three header pickles.
        let header = PickleWriter.legacyFile(main: PickleWriter(), storages: []).count - 2 - 5   // minus main's STOP and the key list
        #expect(message.contains("pickle offset \(header) names"), "\(message)")
    }

    @Test func tensorsOutsideTheirStorageAreRefused() {
        let cases: [(offset: Int64, shape: [Int64], strides: [Int64], expect: String)] = [
            (0, [3, 3], [3, 1], "reach element 8 of storage 0, which has 6"),
            (6, [1], [1], "reach element 6"),
            (-1, [2], [1], "negative storage offset"),
            (0, [2], [-1], "expected both ≥ 0"),
            (0, [65536, 65536, 2], [0, 0, 0], "more than 2147483648 elements"),
            (0, [2, 2], [Int64(Int32.max), Int64(Int32.max)], "reach element"),
            (0, [2, 2], [Int64.max, 1], "overflows"),
            (Int64.max, [1], [1], "reach element"),
            (0, [Int64.max, 2], [0, 0], "more than 2147483648 elements"),
            (0, [2, 3], [3], "2 sizes but 1 strides"),
        ]
        for c in cases {
            let bytes = legacy({ w in
                w.global("collections", "OrderedDict"); w.emptyTuple(); w.reduce(); w.mark()
                w.string("t"); w.tensor(key: "0", numel: 6, offset: c.offset, shape: c.shape, strides: c.strides)
                w.setItems()
            }, storages: [("0", [1, 2, 3, 4, 5, 6])])
            let message = errorMessage(bytes) ?? "read"
            #expect(message.contains(c.expect), "\(c): \(message)")
        }
    }

    /// A size-1 dimension may carry any stride; walking the view must never add it.
    @Test func hugeStrideOfASizeOneDimensionReads() throws {
        let bytes = legacy({ w in
            w.global("collections", "OrderedDict"); w.emptyTuple(); w.reduce(); w.mark()
            w.string("t"); w.tensor(key: "0", numel: 6, offset: 1, shape: [2, 1, 2], strides: [1, Int64.max, 2])
            w.setItems()
        }, storages: [("0", [1, 2, 3, 4, 5, 6])])
        let t = try TorchFile.read(bytes: bytes, name: "stride.pt").stateDict()[0].tensor
        #expect(try t.floats() == [2, 4, 3, 5])
    }

    @Test func storageCountMustMatchThePickle() {
        let bytes = PickleWriter.legacyFile(main: .smallStateDict(), storages: [("0", [1, 2, 3, 4, 5]), ("1", [7, 8, 9])])
        #expect(errorMessage(bytes)?.contains("storage 0 holds 5 elements, the pickle says 6") == true)
    }

    @Test func bigEndianFilesAreRefused() throws {
        let legacy = PickleWriter.legacyFile(main: .smallStateDict(), storages: PickleWriter.smallStorages, littleEndian: false)
        #expect(errorMessage(legacy)?.contains("written on a big-endian machine") == true)
        guard TorchFixtures.folder != nil else { return }
        let error = try #require(throws: ModelFormatError.self) { try TorchFile.read(TorchFixtures.path("big_endian_zip.pt")) }
        #expect(error.message == "tiny_zip/byteorder says big-endian; only little-endian files (every x86 and ARM machine's) are read")
    }

    @Test func notATorchFileIsNamed() throws {
        #expect(errorMessage([])?.contains("empty file") == true)
        #expect(errorMessage(Array("hello".utf8))?.contains("not a torch.save file") == true)
        var plain = PickleWriter(); plain.proto(); plain.emptyDict(); plain.stop()
        #expect(errorMessage(plain.bytes)?.contains("does not start with the magic number") == true)
        let missing = try #require(throws: ModelFormatError.self) { try TorchFile.read("/nonexistent/x.pt") }
        #expect(missing.message.hasPrefix("cannot be opened"))
        #expect(throws: ModelFormatError.self) { try TorchFile.read(temporaryDirectory("torch-folder")) }
    }
}
