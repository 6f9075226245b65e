import TestSupport
import Foundation
import NN
import Tensor
import XCTest

final class SafetensorsTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "safetensors-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: Helpers

    private func bits(_ t: Tensor) -> [UInt32] { t.array.map(\.bitPattern) }

    private func littleEndianBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { v -> [UInt8] in
            let b = v.bitPattern
            return [UInt8(b & 0xff), UInt8(b >> 8 & 0xff), UInt8(b >> 16 & 0xff), UInt8(b >> 24)]
        }
    }

    /// A file made of a declared header length, the header text and the buffer.
    @discardableResult
    private func makeFile(_ name: String, header: [UInt8], buffer: [UInt8] = [], declaredLength: UInt64? = nil) throws -> String {
        let length = declaredLength ?? UInt64(header.count)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
        bytes += header + buffer
        let path = "\(dir)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func makeFile(_ name: String, json: String, buffer: [UInt8] = []) throws -> String {
        try makeFile(name, header: Array(json.utf8), buffer: buffer)
    }

    /// Asserts that reading `path` fails with a one-line message naming the file and containing `fragments`.
    private func assertReadFails(_ path: String, _ fragments: String..., metadataToo: Bool = true,
                                 file: StaticString = #filePath, line: UInt = #line) {
        var readers: [(String, () throws -> Void)] = [("read", { _ = try Safetensors.read(path) })]
        if metadataToo { readers.append(("readMetadata", { _ = try Safetensors.readMetadata(path) })) }
        for (what, reader) in readers {
            do {
                try reader()
                XCTFail("\(what) accepted \(path)", file: file, line: line)
            } catch let error as SafetensorsError {
                let message = error.description
                XCTAssertTrue(message.hasPrefix(path + ": "), "\(what): message does not start with the file: \(message)", file: file, line: line)
                XCTAssertFalse(message.contains("\n"), "\(what): message is not one line: \(message)", file: file, line: line)
                for fragment in fragments {
                    XCTAssertTrue(message.contains(fragment), "\(what): \(message.debugDescription) lacks \(fragment.debugDescription)", file: file, line: line)
                }
            } catch {
                XCTFail("\(what): unexpected error type \(type(of: error)): \(error)", file: file, line: line)
            }
        }
    }

    /// Issue 18: a FIFO given as a checkpoint is refused at once (opening it used to block until a
    /// writer appeared); shapes whose sizes overflow, or that are empty with huge dimensions, are
    /// checked before anything is allocated.
    func testFIFOAndOverflowingShapesAreRefusedWithoutBlocking() throws {
        let fifo = "\(dir)/pipe.safetensors"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        assertReadFails(fifo, "not a regular file")
        let huge = 1 << 40
        assertReadFails(try makeFile("o.safetensors", json: "{\"w\":{\"dtype\":\"F32\",\"shape\":[\(huge),\(huge),0],\"data_offsets\":[0,0]}}"),
                        "tensor \"w\"", "has too many elements")
        let empty = try makeFile("e.safetensors", json: "{\"w\":{\"dtype\":\"F32\",\"shape\":[0,\(huge),\(huge)],\"data_offsets\":[0,0]}}")
        XCTAssertEqual(try Safetensors.read(empty).tensors["w"]?.count, 0)
    }

    private func tempFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
    }

    // MARK: Round trip

    private func sampleTensors() -> [(name: String, tensor: Tensor)] {
        let scalar = Tensor(shape: [], values: [3.14159])
        let vector = Tensor(shape: [7], values: [
            0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
            Float(bitPattern: 0x7fc0_1234),  // NaN with a payload
        ])
        let conv = Tensor(shape: [2, 3, 2, 2], values: (0..<24).map { Float($0) * 0.37 - 4 })
        let empty = Tensor(zeros: [0])
        return [("stem.conv.weight", conv), ("head.scale", scalar), ("bn.running_mean", vector),
                ("blocks.0.empty", empty)]
    }

    private let sampleMetadata: [String: String] = [
        "format": "facenas-checkpoint-v1",
        "architecture": #"{"stages": [[3, 16, 1], [5, 32, 2]], "name": "net \"a\"\n/b", "ok": true}"#,
        "unicode": "héllo ✓ 日本",
        "empty": "",
    ]

    func testRoundTripIsBitIdentical() throws {
        let path = "\(dir)/model.safetensors"
        let tensors = sampleTensors()
        try Safetensors.write(tensors, metadata: sampleMetadata, to: path)

        let loaded = try Safetensors.read(path)
        XCTAssertEqual(loaded.order, tensors.map(\.name))
        XCTAssertEqual(loaded.metadata, sampleMetadata)
        XCTAssertEqual(try Safetensors.readMetadata(path), sampleMetadata)
        XCTAssertEqual(Set(loaded.tensors.keys), Set(tensors.map(\.name)))
        for (name, tensor) in tensors {
            let back = try XCTUnwrap(loaded.tensors[name])
            XCTAssertEqual(back.shape, tensor.shape, name)
            XCTAssertEqual(bits(back), bits(tensor), name)
        }
        XCTAssertEqual(loaded.tensors["head.scale"]?.shape, [])
        XCTAssertEqual(loaded.tensors["blocks.0.empty"]?.count, 0)

        // The layout on disk: padded header, then the F32 data in the given order, little-endian.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let n = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        XCTAssertEqual(n % 8, 0)
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{"))
        XCTAssertEqual(header.trimmingCharacters(in: .whitespaces).last, "}")
        let positions = tensors.map { header.range(of: "\"\($0.name)\"")!.lowerBound }
        XCTAssertEqual(positions, positions.sorted(), "header lists tensors in the given order")
        XCTAssertEqual(Array(bytes[(8 + n)...]), littleEndianBytes(tensors.flatMap { $0.tensor.array }))

        // Deterministic: the same input gives the same bytes.
        let again = "\(dir)/again.safetensors"
        try Safetensors.write(tensors, metadata: sampleMetadata, to: again)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: again)), Data(bytes))
        XCTAssertEqual(try tempFiles(), [])
    }

    func testNoTensorsAndNoMetadata() throws {
        let path = "\(dir)/empty.safetensors"
        try Safetensors.write([], metadata: [:], to: path)
        let loaded = try Safetensors.read(path)
        XCTAssertTrue(loaded.tensors.isEmpty)
        XCTAssertEqual(loaded.order, [])
        XCTAssertEqual(loaded.metadata, [:])
    }

    func testWriteRefusesDuplicateAndReservedNames() throws {
        let path = "\(dir)/bad.safetensors"
        let t = Tensor(shape: [1], values: [1])
        XCTAssertThrowsError(try Safetensors.write([("a.w", t), ("a.w", t)], metadata: [:], to: path)) {
            XCTAssertTrue("\($0)".contains(#"tensor "a.w": duplicate tensor name"#), "\($0)")
        }
        XCTAssertThrowsError(try Safetensors.write([("__metadata__", t)], metadata: [:], to: path)) {
            XCTAssertTrue("\($0)".contains("reserved"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertEqual(try tempFiles(), [])
    }

    // MARK: Foreign dtypes

    func testReadsF16BF16AndF64() throws {
        let half: [UInt16] = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555]
        let halfExpected: [Float] = [1, -2.5, 65504, 0x1p-24, 1023 * 0x1p-24, -0.0, .infinity, -.infinity, .nan,
                                     0.333251953125]
        let brain: [UInt16] = [0x3f80, 0xc0a0, 0x7f80]
        let brainExpected: [Float] = [1, -5, .infinity]
        let doubles: [Double] = [1.0 / 3.0, -1e300, 2.5, 0]
        let doublesExpected: [Float] = [Float(1.0 / 3.0), -.infinity, 2.5, 0]

        var buffer: [UInt8] = []
        for h in half { buffer += [UInt8(h & 0xff), UInt8(h >> 8)] }
        let halfEnd = buffer.count
        for b in brain { buffer += [UInt8(b & 0xff), UInt8(b >> 8)] }
        let brainEnd = buffer.count
        for d in doubles { buffer += (0..<8).map { UInt8(truncatingIfNeeded: d.bitPattern >> (8 * UInt64($0))) } }
        let json = """
            {"h":{"dtype":"F16","shape":[2,5],"data_offsets":[0,\(halfEnd)]},\
            "b":{"dtype":"BF16","shape":[3],"data_offsets":[\(halfEnd),\(brainEnd)]},\
            "d":{"dtype":"F64","shape":[2,2],"data_offsets":[\(brainEnd),\(buffer.count)]}}
            """
        let loaded = try Safetensors.read(try makeFile("foreign.safetensors", json: json, buffer: buffer))
        XCTAssertEqual(loaded.order, ["h", "b", "d"])
        let h = try XCTUnwrap(loaded.tensors["h"])
        XCTAssertEqual(h.shape, [2, 5])
        for (got, want) in zip(h.array, halfExpected) {
            if want.isNaN { XCTAssertTrue(got.isNaN) } else { XCTAssertEqual(got.bitPattern, want.bitPattern, "\(got) vs \(want)") }
        }
        XCTAssertEqual(loaded.tensors["b"]?.array, brainExpected)
        XCTAssertEqual(loaded.tensors["d"]?.shape, [2, 2])
        XCTAssertEqual(loaded.tensors["d"]?.array, doublesExpected)
    }

    // MARK: Malformed files

    private let f32Entry = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#

    func testMalformedFiles() throws {
        let four: [UInt8] = [0, 0, 128, 63]

        assertReadFails("\(dir)/missing.safetensors", "cannot open")
        assertReadFails(try makeFile("zero", header: []), "file byte 0: header length is 0")
        try Data().write(to: URL(fileURLWithPath: "\(dir)/nothing"))
        assertReadFails("\(dir)/nothing", "file is 0 bytes, shorter than the 8-byte header length")
        try Data([1, 2, 3, 4, 5]).write(to: URL(fileURLWithPath: "\(dir)/short"))
        assertReadFails("\(dir)/short", "file is 5 bytes, shorter than the 8-byte header length")
        assertReadFails(try makeFile("long", header: Array("{}      ".utf8), declaredLength: 1000),
                        "file byte 0: header length 1000 runs past the end of the file (16 bytes, so at most 8)")
        assertReadFails(try makeFile("huge", header: Array("{}      ".utf8), declaredLength: .max),
                        "header length 18446744073709551615 runs past the end of the file")
        assertReadFails(try makeFile("utf8", header: [0x7b, 0xff, 0xfe, 0x7d]), "header is not valid UTF-8")
        assertReadFails(try makeFile("notjson", json: "{not json}"), "header is not valid JSON")
        assertReadFails(try makeFile("truncjson", json: #"{"a": {"dtype": "#), "header is not valid JSON")
        assertReadFails(try makeFile("array", json: "[1, 2, 3]"), "header is JSON but not an object")
        assertReadFails(try makeFile("string", json: #""hello""#), "header is JSON but not an object")

        assertReadFails(try makeFile("entry", json: #"{"w": 3}"#),
                        #"tensor "w": expected an object with dtype, shape and data_offsets, found the integer 3"#)
        assertReadFails(try makeFile("nodtype", json: #"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, buffer: four),
                        #"tensor "w": missing "dtype""#)
        assertReadFails(try makeFile("noshape", json: #"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, buffer: four),
                        #"tensor "w": missing "shape""#)
        assertReadFails(try makeFile("nooffsets", json: #"{"w":{"dtype":"F32","shape":[1]}}"#, buffer: four),
                        #"tensor "w": missing "data_offsets""#)
        assertReadFails(try makeFile("dtypetype", json: #"{"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}"#, buffer: four),
                        #"tensor "w": "dtype" must be a string, found the integer 4"#)
        assertReadFails(try makeFile("i64", json: #"{"step.ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#,
                                     buffer: [UInt8](repeating: 0, count: 8)),
                        #"tensor "step.ids": dtype "I64" is not supported; FaceNAS reads F32, F16, BF16 and F64"#)
        assertReadFails(try makeFile("negshape", json: #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, buffer: four),
                        #"tensor "w": "shape" must hold non-negative integers, found the integer -1"#)
        assertReadFails(try makeFile("fracshape", json: #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, buffer: four),
                        #"tensor "w": "shape" must hold non-negative integers, found the number 1.5"#)
        assertReadFails(try makeFile("boolshape", json: #"{"w":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#, buffer: four),
                        #"tensor "w": "shape" must hold non-negative integers, found true"#)
        assertReadFails(try makeFile("shapeobj", json: #"{"w":{"dtype":"F32","shape":{},"data_offsets":[0,4]}}"#, buffer: four),
                        #"tensor "w": "shape" must be an array of non-negative integers, found an object"#)
        assertReadFails(try makeFile("threeoffsets", json: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, buffer: four),
                        #"tensor "w": "data_offsets" must be [begin, end], found 3 numbers"#)
        assertReadFails(try makeFile("backwards", json: #"{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, buffer: four),
                        #"tensor "w": data_offsets [4, 0] end before they begin"#)
        assertReadFails(try makeFile("size", json: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, buffer: four),
                        #"tensor "w": data_offsets [0, 4] span 4 bytes but shape [2] of F32 needs 8"#)
        assertReadFails(try makeFile("size16", json: #"{"w":{"dtype":"F16","shape":[3],"data_offsets":[0,4]}}"#, buffer: four),
                        #"tensor "w": data_offsets [0, 4] span 4 bytes but shape [3] of F16 needs 6"#)
        assertReadFails(try makeFile("range", json: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, buffer: four),
                        #"tensor "w": data_offsets [0, 8] run past the end of the data buffer (4 bytes)"#)
        assertReadFails(try makeFile("overflow", json: #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, buffer: four),
                        #"tensor "w": shape [4611686018427387904, 4] has too many elements"#)

        let eight = [UInt8](repeating: 0, count: 8)
        let twelve = [UInt8](repeating: 0, count: 12)
        assertReadFails(try makeFile("overlap", json: """
            {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}
            """, buffer: twelve),
                        #"tensor "b": data_offsets [4, 12] overlap tensor "a", which ends at buffer byte 8"#)
        assertReadFails(try makeFile("gap", json: """
            {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}
            """, buffer: twelve),
                        #"tensor "b": gap in the data buffer: bytes 4..<8"#, "expected data_offsets to start at 4")
        let gapFirst = try makeFile("gapfirst", json: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, buffer: eight)
        assertReadFails(gapFirst, #"tensor "a": gap in the data buffer: bytes 0..<4"#)
        // The stray bytes start after the 8-byte length, the header and the 4 bytes of "a".
        let trailingJSON = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let trailing = try makeFile("trailing", json: trailingJSON, buffer: eight)
        assertReadFails(trailing, "file byte \(8 + trailingJSON.utf8.count + 4): data buffer is 8 bytes but the tensors cover only 4")

        let dupJSON = #"{"w":\#(f32Entry), "w":\#(f32Entry)}"#
        let secondKey = dupJSON.utf8.count - f32Entry.utf8.count - 5  // where the second "w" starts
        assertReadFails(try makeFile("dup", json: dupJSON, buffer: four),
                        #"tensor "w" at file byte \#(8 + secondKey): duplicate tensor name"#)
        assertReadFails(try makeFile("dupescaped", json: #"{"w.x":\#(f32Entry), "\u0077.x":\#(f32Entry)}"#, buffer: four),
                        #"tensor "w.x""#, "duplicate tensor name")
        assertReadFails(try makeFile("dupmeta", json: #"{"__metadata__":{},"__metadata__":{}}"#),
                        "duplicate __metadata__ entry")
        assertReadFails(try makeFile("metaint", json: #"{"__metadata__":{"epoch":3}}"#),
                        #"__metadata__: value of key "epoch" is the integer 3; metadata values must be strings"#)
        assertReadFails(try makeFile("metaarray", json: #"{"__metadata__":["a"]}"#),
                        "__metadata__: expected an object of string values, found an array")
    }

    func testNamesWithDotsAndEscapesAndDuplicatesInsideValuesAreFine() throws {
        // Keys equal to tensor names inside nested objects are not duplicates.
        let json = #"{"__metadata__":{"w":"x","a\"b":"y"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
            + #""layer.0/w\n":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}"#
        let path = try makeFile("fine", json: json, buffer: littleEndianBytes([1.5, -2]))
        let loaded = try Safetensors.read(path)
        XCTAssertEqual(loaded.order, ["w", "layer.0/w\n"])
        XCTAssertEqual(loaded.tensors["layer.0/w\n"]?.array, [-2])
        XCTAssertEqual(loaded.metadata, ["w": "x", "a\"b": "y"])
        // A padded header with null metadata is accepted.
        let padded = try makeFile("padded", json: #"{"__metadata__":null}      "#)
        XCTAssertEqual(try Safetensors.readMetadata(padded), [:])
    }

    // MARK: Atomic write

    private static func version(_ v: Int, count: Int = 1 << 16) -> [(name: String, tensor: Tensor)] {
        [("v", Tensor(shape: [count], repeating: Float(v))), ("w", Tensor(shape: [3], repeating: Float(-v)))]
    }

    func testOverwriteReplacesAndLeavesNoTemporaryFile() throws {
        let path = "\(dir)/ckpt.safetensors"
        try Safetensors.write(Self.version(1), metadata: ["version": "1"], to: path)
        // A stale temporary file from an interrupted earlier run is replaced, then renamed away.
        let tmp = "\(path).tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try Data("junk".utf8).write(to: URL(fileURLWithPath: tmp))
        try Safetensors.write(Self.version(2), metadata: ["version": "2"], to: path)
        let loaded = try Safetensors.read(path)
        XCTAssertEqual(loaded.metadata, ["version": "2"])
        XCTAssertEqual(loaded.tensors["w"]?.array, [-2, -2, -2])
        XCTAssertEqual(try tempFiles(), [])
    }

    func testFailedWriteKeepsTheOldFile() throws {
        let path = "\(dir)/ckpt.safetensors"
        try Safetensors.write(Self.version(1), metadata: ["version": "1"], to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        // The temporary file cannot be created (a directory is in the way).
        let tmp = "\(path).tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: false)
        XCTAssertThrowsError(try Safetensors.write(Self.version(2), metadata: ["version": "2"], to: path)) {
            XCTAssertTrue("\($0)".hasPrefix(path + ": cannot create temporary file"), "\($0)")
        }
        try FileManager.default.removeItem(atPath: tmp)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)

        // The rename fails after the data was written (the target is a non-empty directory):
        // the temporary file is removed.
        let blocked = "\(dir)/blocked"
        try FileManager.default.createDirectory(atPath: blocked + "/inside", withIntermediateDirectories: true)
        XCTAssertThrowsError(try Safetensors.write(Self.version(2), metadata: [:], to: blocked)) {
            XCTAssertTrue("\($0)".contains("cannot rename"), "\($0)")
        }
        XCTAssertEqual(try tempFiles(), [])

        // Invalid input is refused before anything is touched.
        XCTAssertThrowsError(try Safetensors.write(Self.version(3) + Self.version(3), metadata: [:], to: path))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try tempFiles(), [])
    }

    func testConcurrentReaderSeesOldOrNewNeverPartial() throws {
        let path = "\(dir)/ckpt.safetensors"
        try Safetensors.write(Self.version(0), metadata: ["version": "0"], to: path)
        let writes = 60
        let writerError = ErrorBox()
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) {
            do {
                for v in 1...writes { try Safetensors.write(Self.version(v), metadata: ["version": "\(v)"], to: path) }
            } catch {
                writerError.set(error)
            }
        }
        var reads = 0
        repeat {
            let loaded = try Safetensors.read(path)
            let v = try XCTUnwrap(Int(try XCTUnwrap(loaded.metadata["version"])))
            let values = try XCTUnwrap(loaded.tensors["v"]).array
            XCTAssertTrue(values.allSatisfy { $0 == Float(v) }, "read \(reads) mixes versions")
            XCTAssertEqual(loaded.tensors["w"]?.array, [Float(-v), Float(-v), Float(-v)])
            reads += 1
        } while done.wait(timeout: .now()) == .timedOut
        XCTAssertNil(writerError.get())
        XCTAssertEqual(try Safetensors.readMetadata(path), ["version": "\(writes)"])
        XCTAssertEqual(try tempFiles(), [])
        XCTAssertGreaterThan(reads, 1)
    }

    // MARK: Interop with the reference implementation

    func testInteropWithPythonSafetensors() throws {
        guard InteropPython.available(for: "the safetensors interop test"), let python = InteropPython.executable else {
            throw XCTSkip("FACENAS_PYTHON is not set to an executable Python")
        }
        let probe = try InteropPython.execute(["-c", "import numpy, safetensors"])
        guard probe.status == 0 else {
            print("note: skipping safetensors interop test: \(python) cannot import numpy and safetensors")
            throw XCTSkip("\(python) lacks numpy or safetensors: \(probe.output)")
        }

        let ours = "\(dir)/ours.safetensors"
        let theirs = "\(dir)/theirs.safetensors"
        let theirsInt = "\(dir)/theirs-int.safetensors"
        let tensors: [(name: String, tensor: Tensor)] = [
            ("features.0.conv.weight", Tensor(shape: [2, 3, 2, 2], values: (0..<24).map { Float($0) * 0.5 - 3 })),
            ("head.scale", Tensor(shape: [], values: [7.25])),
            ("features.1.empty", Tensor(zeros: [0])),
            ("bn.special", Tensor(shape: [3], values: [1e-30, -0.0, .infinity])),
        ]
        let metadata = ["format": "facenas", "architecture": #"{"stages": [1, 2], "name": "a\"b"}"#, "unicode": "é✓"]
        try Safetensors.write(tensors, metadata: metadata, to: ours)

        let script = #"""
        import json, sys
        import numpy as np
        from safetensors import safe_open
        from safetensors.numpy import load_file, save_file
        ours, theirs, theirs_int = sys.argv[1:4]

        t = load_file(ours)
        assert sorted(t) == sorted(["features.0.conv.weight", "head.scale", "features.1.empty", "bn.special"]), sorted(t)
        w = t["features.0.conv.weight"]
        assert w.dtype == np.float32 and w.shape == (2, 3, 2, 2), (w.dtype, w.shape)
        assert np.array_equal(w, (np.arange(24, dtype=np.float32) * 0.5 - 3).reshape(2, 3, 2, 2)), w
        s = t["head.scale"]
        assert s.shape == () and s.dtype == np.float32 and float(s) == 7.25, s
        assert t["features.1.empty"].shape == (0,), t["features.1.empty"].shape
        sp = t["bn.special"]
        assert sp[0] == np.float32(1e-30) and sp[1] == 0 and np.signbit(sp[1]) and np.isposinf(sp[2]), sp
        with safe_open(ours, framework="np") as f:
            md = f.metadata()
        assert md == {"format": "facenas", "architecture": '{"stages": [1, 2], "name": "a\\"b"}', "unicode": "é✓"}, md
        assert json.loads(md["architecture"]) == {"stages": [1, 2], "name": 'a"b'}

        save_file({
            "h16": np.array([[1.0, -2.5, 65504.0], [2.0 ** -24, -0.0, np.inf]], dtype=np.float16),
            "f32.weight": (np.arange(6, dtype=np.float32) / 4).reshape(2, 3),
            "f64": np.array([1.0 / 3.0], dtype=np.float64),
            "empty": np.zeros((0, 3), dtype=np.float32),
        }, theirs, metadata={"framework": "np", "note": '{"x": 1}'})
        save_file({"ids": np.arange(3, dtype=np.int64), "ok": np.ones(2, dtype=np.float32)}, theirs_int)
        print("python ok")
        """#
        let run = try InteropPython.execute(["-c", script, ours, theirs, theirsInt])
        XCTAssertEqual(run.status, 0, "python failed: \(run.output)")
        XCTAssertTrue(run.output.contains("python ok"), run.output)

        let loaded = try Safetensors.read(theirs)
        XCTAssertEqual(loaded.metadata, ["framework": "np", "note": #"{"x": 1}"#])
        XCTAssertEqual(Set(loaded.order), ["h16", "f32.weight", "f64", "empty"])
        let h = try XCTUnwrap(loaded.tensors["h16"])
        XCTAssertEqual(h.shape, [2, 3])
        XCTAssertEqual(bits(h), bits(Tensor(shape: [2, 3], values: [1, -2.5, 65504, 0x1p-24, -0.0, .infinity])))
        XCTAssertEqual(loaded.tensors["f32.weight"]?.shape, [2, 3])
        XCTAssertEqual(loaded.tensors["f32.weight"]?.array, [0, 0.25, 0.5, 0.75, 1, 1.25])
        XCTAssertEqual(loaded.tensors["f64"]?.array, [Float(1.0 / 3.0)])
        XCTAssertEqual(loaded.tensors["empty"]?.shape, [0, 3])
        XCTAssertEqual(try Safetensors.readMetadata(theirs), loaded.metadata)

        XCTAssertThrowsError(try Safetensors.read(theirsInt)) {
            XCTAssertTrue("\($0)".contains(#"tensor "ids": dtype "I64" is not supported"#), "\($0)")
        }
    }
}

/// An error handed from a writer thread to the test.
private final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func set(_ e: any Error) { lock.lock(); error = e; lock.unlock() }
    func get() -> (any Error)? { lock.lock(); defer { lock.unlock() }; return error }
}
