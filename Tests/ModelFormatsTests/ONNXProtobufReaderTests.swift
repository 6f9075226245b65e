@testable import ModelFormats
import Testing

/// The wire decoder on hand-made bytes: values, limits, and the error line's file, path and offset.
struct ONNXProtobufReaderTests {
    func reader(_ bytes: [UInt8]) -> ProtobufReader { ProtobufReader(bytes: bytes, file: "t.onnx", path: "M") }

    func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as ModelFormatError { return e.description } catch { return "\(error)" }
    }

    @Test func varintsDecode() throws {
        var r = reader([0x96, 0x01, 0x00, 0x7f] + [UInt8](repeating: 0xff, count: 9) + [0x01])
        #expect(try r.varint() == 150)
        #expect(try r.varint() == 0)
        #expect(try r.varint() == 127)
        #expect(try r.varint() == UInt64.max)
        #expect(r.isAtEnd)
        // A negative int32 is written sign-extended to ten bytes.
        var n = reader(ProtoBytes.varint(UInt64(bitPattern: -5)))
        #expect(try n.int32() == -5)
    }

    @Test func malformedVarintsThrowWithTheirOffset() {
        var cut = reader([0x05, 0x80, 0x80])
        _ = try? cut.varint()
        #expect(message { _ = try cut.varint() } == "t.onnx: M: varint runs past the end at byte 1")
        var tenth = reader([UInt8](repeating: 0xff, count: 9) + [0x02])
        #expect(message { _ = try tenth.varint() } == "t.onnx: M: varint overflows 64 bits at byte 0")
        var eleven = reader([UInt8](repeating: 0xff, count: 10) + [0x01])
        #expect(message { _ = try eleven.varint() } == "t.onnx: M: varint overflows 64 bits at byte 0")
        var wide = reader(ProtoBytes.varint(1 << 40))
        #expect(message { _ = try wide.int32() }?.contains("int32 value 1099511627776 is out of range at byte 0") == true)
    }

    @Test func fixedWidthValuesAreLittleEndian() throws {
        var r = reader([0x78, 0x56, 0x34, 0x12, 1, 2, 3, 4, 5, 6, 7, 8, 0x00])
        #expect(try r.fixed32() == 0x1234_5678)
        #expect(try r.fixed64() == 0x0807_0605_0403_0201)
        #expect(message { _ = try r.fixed32() } == "t.onnx: M: fixed32 runs past the end at byte 12")
        #expect(message { _ = try r.fixed64() } == "t.onnx: M: fixed64 runs past the end at byte 12")
    }

    @Test func lengthsAreCheckedAgainstTheEnclosingMessage() throws {
        var r = reader([0x0a, 0x04, 0x08, 0x01, 0x22, 0x7f, 0x00, 0x00])
        _ = try r.nextField()
        var inner = try r.message("inner")
        #expect(inner.path == "M.inner")
        _ = try inner.nextField()
        #expect(try inner.varint() == 1)
        // The inner message ends at byte 6: a length there cannot reach into the outer bytes after it.
        _ = try inner.nextField()
        #expect(message { _ = try inner.lengthDelimited() } == "t.onnx: M.inner: length 127 runs past the end (0 bytes left) at byte 5")
        var huge = reader([0x0a] + ProtoBytes.varint(UInt64.max))
        _ = try huge.nextField()
        #expect(message { _ = try huge.lengthDelimited() }?.contains("runs past the end") == true)
    }

    @Test func unknownFieldsOfEveryWireTypeAreSkipped() throws {
        var p = ProtoBytes()
        p.int(100, -1)
        p.fixed64(101, 7)
        p.string(102, "skip me")
        p.fixed32(103, 9)
        p.int(1, 42)
        var r = reader(p.bytes)
        var seen: [Int] = []
        while let (field, type) = try r.nextField() {
            if field == 1 { seen.append(Int(try r.varint())) } else { try r.skip(type) }
        }
        #expect(seen == [42])
    }

    @Test func groupsAndInvalidWireTypesAreRefused() {
        for (key, expected) in [(UInt8(0x0b), "group"), (0x0c, "group"), (0x0e, "invalid wire type 6"), (0x0f, "invalid wire type 7"),
                                (0x00, "field number 0")] {
            var r = reader([key, 0x00])
            #expect(message { _ = try r.nextField() }?.contains(expected) == true, "key \(key)")
        }
    }

    @Test func repeatedScalarsReadPackedAndUnpacked() throws {
        var p = ProtoBytes()
        p.packedInts(1, [3, -1, 1 << 40])
        p.int(1, 7)
        p.packedFloats(2, [1.5, -0.25])
        p.float(2, 8)
        p.bytes(3, [1, 2, 3, 4, 5, 6, 7, 8])
        p.fixed64(3, 9)
        var r = reader(p.bytes)
        var ints: [Int64] = [], floats: [UInt32] = [], doubles: [UInt64] = []
        while let (field, type) = try r.nextField() {
            switch field {
            case 1: try r.repeatedVarints(type, "a", into: &ints)
            case 2: try r.repeatedFixed32(type, "b", into: &floats)
            default: try r.repeatedFixed64(type, "c", into: &doubles)
            }
        }
        #expect(ints == [3, -1, 1 << 40, 7])
        #expect(floats.map { Float(bitPattern: $0) } == [1.5, -0.25, 8])
        #expect(doubles == [0x0807_0605_0403_0201, 9])
    }

    @Test func packedRunsMustHoldWholeValues() throws {
        var p = ProtoBytes()
        p.bytes(1, [1, 2, 3, 4, 5])
        var r = reader(p.bytes)
        let (_, type) = try #require(try r.nextField())
        var values: [UInt32] = []
        #expect(message { try r.repeatedFixed32(type, "f", into: &values) }?.contains("not a whole number of 4-byte values") == true)
        var q = ProtoBytes()
        q.packedInts(1, [1])
        q.bytes = q.bytes.dropLast() + [0x80]   // the run's last varint is cut by the run's end
        var s = reader(q.bytes)
        let (_, t) = try #require(try s.nextField())
        var ints: [Int64] = []
        #expect(message { try s.repeatedVarints(t, "i", into: &ints) } == "t.onnx: M: varint runs past the end at byte 2")
    }

    @Test func aWireTypeThatDoesNotFitTheFieldIsRefused() throws {
        var p = ProtoBytes()
        p.string(1, "x")
        var r = reader(p.bytes)
        let (_, type) = try #require(try r.nextField())
        var ints: [Int64] = []
        // Length-delimited is the packed form, so this reads "x" as a packed varint 120.
        try r.repeatedVarints(type, "dims", into: &ints)
        #expect(ints == [120])
        var q = reader([0x0d, 0, 0, 0, 0])
        let (_, t) = try #require(try q.nextField())
        #expect(message { try q.repeatedVarints(t, "dims", into: &ints) } == "t.onnx: M: field dims has wire type fixed32, expected varint at byte 1")
    }

    @Test func nestingDeeperThanTheLimitIsRefused() throws {
        func nested(_ depth: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            for _ in 0..<depth {
                var p = ProtoBytes()
                p.bytes(1, bytes)
                bytes = p.bytes
            }
            return bytes
        }
        func descend(_ r: inout ProtobufReader) throws -> Int {
            guard try r.nextField() != nil else { return 0 }
            var inner = try r.message("m")
            return 1 + (try descend(&inner))
        }
        var ok = reader(nested(ProtobufReader.maximumDepth))
        #expect(try descend(&ok) == ProtobufReader.maximumDepth)
        var deep = reader(nested(ProtobufReader.maximumDepth + 1))
        #expect(message { _ = try descend(&deep) }?.contains("messages nest deeper than 64 levels") == true)
    }
}
