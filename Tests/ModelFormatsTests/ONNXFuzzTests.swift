import ModelFormats
import Testing

/// Damaged files must either read or throw `ModelFormatError`: never trap, never hang. A trap
/// would end the test process, so reaching the counts at all is most of the check.
struct ONNXFuzzTests {
    enum Outcome { case read, threw }

    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// Reads `bytes` and, when that works, decodes every tensor it can reach, as an importer would.
    func outcome(_ bytes: [UInt8]) -> Outcome {
        do {
            let model = try ONNXModel.read(bytes: bytes, name: "fuzz.onnx")
            let g = model.graph
            let tensors = g.initializers + g.nodes.flatMap { n in n.outputs.compactMap { g.constant(named: $0) } }
            for t in tensors {
                for decode in [{ _ = try t.floats() }, { _ = try t.int64s() }] {
                    do { try decode() } catch let e as ModelFormatError {
                        #expect(e.file == "fuzz.onnx")
                    } catch { Issue.record("decoding threw \(error)") }
                }
            }
            for n in g.nodes { _ = (g.producer(of: n.outputs.first ?? ""), g.consumers(of: n.inputs.first ?? "")) }
            return .read
        } catch let e as ModelFormatError {
            #expect(e.file == "fuzz.onnx" && !e.message.isEmpty)
            return .threw
        } catch {
            Issue.record("threw \(error), not ModelFormatError")
            return .threw
        }
    }

    @Test func everyTruncationReadsOrThrows() {
        let bytes = ONNXFixture.smallModel().bytes
        var counts: [Outcome: Int] = [:]
        for length in 0..<bytes.count { counts[outcome(Array(bytes[..<length])), default: 0] += 1 }
        print("ONNX truncations of \(bytes.count) bytes: \(counts[.read] ?? 0) read, \(counts[.threw] ?? 0) threw")
        #expect(outcome(bytes) == .read)
        #expect(counts[.read, default: 0] > 0 && counts[.threw, default: 0] > 0)
    }

    @Test func seededMutationsReadOrThrow() {
        let fixture = ONNXFixture.smallModel()
        let original = fixture.bytes
        var rng = SplitMix64(state: 20_240_611)
        var counts: [Outcome: Int] = [:]
        var kinds = [Int](repeating: 0, count: 6)
        for _ in 0..<1000 {
            var bytes = original
            let steps = rng.below(4) == 0 ? 2 + rng.below(3) : 1
            for _ in 0..<steps {
                let kind = rng.below(6)
                kinds[kind] += 1
                mutate(&bytes, kind: kind, lengthOffsets: fixture.lengthOffsets, original: original, rng: &rng)
            }
            counts[outcome(bytes), default: 0] += 1
        }
        print("ONNX mutations: \(counts[.read] ?? 0) read, \(counts[.threw] ?? 0) threw; mutation kinds \(kinds)")
        #expect(counts[.read, default: 0] > 0 && counts[.threw, default: 0] > 0)
    }

    /// One damage of kind 0 bit flip, 1 byte overwrite with a boundary value, 2 inserted byte,
    /// 3 deleted byte, 4 a length prefix set huge, 5 a length prefix set just past its message.
    func mutate(_ bytes: inout [UInt8], kind: Int, lengthOffsets: [Int], original: [UInt8], rng: inout SplitMix64) {
        guard !bytes.isEmpty else { return }
        let at = rng.below(bytes.count)
        switch kind {
        case 0: bytes[at] ^= UInt8(1) << UInt8(rng.below(8))
        case 1: bytes[at] = [0x00, 0x7f, 0x80, 0xff][rng.below(4)]
        case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
        case 3: bytes.remove(at: at)
        default:
            // Length offsets refer to the unmutated layout; use them only while it still holds.
            guard bytes.count == original.count, let offset = lengthOffsets.randomElement(using: &rng) else {
                bytes[at] = 0xff
                return
            }
            var end = offset
            var old: UInt64 = 0
            while end < bytes.count {
                old |= UInt64(bytes[end] & 0x7f) << UInt64(7 * (end - offset))
                if bytes[end] & 0x80 == 0 { break }
                end += 1
            }
            let replacement: [UInt8] = kind == 4
                ? [[0xff, 0xff, 0xff, 0xff, 0x0f], [UInt8](repeating: 0xff, count: 9) + [0x01]][rng.below(2)]
                : ProtoBytes.varint(old + 1 + UInt64(rng.below(3)))
            bytes.replaceSubrange(offset...min(end, bytes.count - 1), with: replacement)
        }
    }
}

extension ONNXFuzzTests.SplitMix64: RandomNumberGenerator {}
