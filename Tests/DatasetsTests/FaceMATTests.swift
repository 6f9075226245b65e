import TestSupport
import Foundation
import Testing
import Datasets

@Suite struct FaceMATTests {
    static let variables: [(name: String, value: MATValue)] = [
        ("probe_set", .cell(shape: [3, 1], elements: [.char(rows: ["1_1.jpg"]), .char(rows: ["22_3.jpg"]), .char(rows: ["é_ü.png"])])),
        ("probe_ids", .numeric(shape: [3, 1], values: [1, 22, 5])),
        ("grid", .numeric(shape: [2, 3], values: [1, 4, 2, 5, 3, 6])),
        ("rows", .char(rows: ["ab", "cd"])),
        ("empty", .cell(shape: [0, 0], elements: [])),
    ]

    @Test(arguments: [false, true]) func roundTrip(compressed: Bool) throws {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("v.mat")
        try MATWriter.write(Self.variables, to: path, compressed: compressed)
        let mat = try MATFile(path: path)
        #expect(mat.names == Self.variables.map(\.name))
        for (name, value) in Self.variables { #expect(try mat.variable(named: name) == value, "\(name)") }
        #expect(try mat.variable(named: "probe_set").cellStrings == ["1_1.jpg", "22_3.jpg", "é_ü.png"])
    }

    /// `scipy.io.savemat` output (cells of miUTF8 char, small data elements, every integer and
    /// float class, logical) read back; and scipy's `loadmat` reads what MATWriter wrote.
    @Test(.enabled(if: InteropPython.available()), arguments: [false, true]) func interopWithScipy(compressed: Bool) throws {
        let dir = TempDir()
        defer { dir.remove() }
        let ours = dir.file("ours.mat"), theirs = dir.file("theirs.mat")
        try MATWriter.write(Self.variables, to: ours, compressed: compressed)
        let script = #"""
        import sys
        import numpy as np, scipy.io as sio
        ours, theirs, compress = sys.argv[1], sys.argv[2], sys.argv[3] == 'true'
        m = sio.loadmat(ours)
        assert [m['probe_set'][i, 0][0] for i in range(3)] == ['1_1.jpg', '22_3.jpg', 'é_ü.png'], m['probe_set']
        assert m['probe_ids'].shape == (3, 1) and m['probe_ids'][:, 0].tolist() == [1, 22, 5]
        assert m['grid'].tolist() == [[1, 2, 3], [4, 5, 6]], m['grid']
        assert m['rows'].tolist() == ['ab', 'cd'], m['rows']
        cell = np.empty((4, 1), dtype=object)
        for i, s in enumerate(['1_1.jpg', '1_2.jpg', '300_1.jpg', 'x']):
            cell[i, 0] = s
        arrays = {'names': cell, 'f64': np.array([[0.5], [-2.25], [1e300]]), 'f32': np.array([[1.5, -0.25]], dtype=np.float32)}
        for t in ('int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'):
            info = np.iinfo(t)
            arrays[t] = np.array([[info.min, 0, 7], [info.max, 1, 2]], dtype=t)
        arrays['tiny'] = np.array([[7, -3]], dtype=np.int8)     # 2 bytes: a small data element
        arrays['flags'] = np.array([[True, False, True]])
        arrays['word'] = 'hello'
        sio.savemat(theirs, arrays, do_compression=compress)
        print('ok')
        """#
        try InteropPython.run(script, [ours, theirs, compressed ? "true" : "false"])
        let mat = try MATFile(path: theirs)
        #expect(try mat.variable(named: "names").cellStrings == ["1_1.jpg", "1_2.jpg", "300_1.jpg", "x"])
        #expect(try mat.variable(named: "f64") == .numeric(shape: [3, 1], values: [0.5, -2.25, 1e300]))
        #expect(try mat.variable(named: "f32") == .numeric(shape: [1, 2], values: [1.5, -0.25]))
        let ranges: [(String, Double, Double)] = [
            ("int8", -128, 127), ("uint8", 0, 255), ("int16", -32768, 32767), ("uint16", 0, 65535),
            ("int32", -2_147_483_648, 2_147_483_647), ("uint32", 0, 4_294_967_295),
            ("int64", -9_223_372_036_854_775_808, 9_223_372_036_854_775_807), ("uint64", 0, 18_446_744_073_709_551_615),
        ]
        for (name, lo, hi) in ranges {
            // Column-major: [[min, 0, 7], [max, 1, 2]] is stored min, max, 0, 1, 7, 2.
            #expect(try mat.variable(named: name) == .numeric(shape: [2, 3], values: [lo, hi, 0, 1, 7, 2]), "\(name)")
        }
        #expect(try mat.variable(named: "tiny") == .numeric(shape: [1, 2], values: [7, -3]))
        #expect(try mat.variable(named: "flags") == .numeric(shape: [1, 3], values: [1, 0, 1]))
        #expect(try mat.variable(named: "word") == .char(rows: ["hello"]))
    }

    /// MATLAB stores a double array in the smallest integer type that holds it, data of at most
    /// 4 bytes in the small element form, and char data as UTF-16 (miUINT16); built byte by byte.
    @Test func doubleClassInSmallIntegerStorage() throws {
        var bytes = Array("MATLAB 5.0 MAT-file".utf8)
        bytes += Array(repeating: 0x20, count: 116 - bytes.count) + Array(repeating: 0, count: 8) + [0, 1, 0x49, 0x4d]
        let body: [UInt8] = [6, 0, 0, 0, 8, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]   // flags: class double
            + [5, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0]                  // dims 3×1
            + [1, 0, 3, 0, 0x69, 0x64, 0x73, 0]                                   // name "ids" (small element)
            + [2, 0, 3, 0, 9, 200, 4, 0]                                          // miUINT8 ×3, small element
        bytes += [14, 0, 0, 0, UInt8(body.count), 0, 0, 0] + body
        let text: [UInt8] = [6, 0, 0, 0, 8, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]   // flags: class char
            + [5, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]                  // dims 1×2
            + [1, 0, 1, 0, 0x73, 0, 0, 0]                                         // name "s"
            + [4, 0, 4, 0, 0x68, 0, 0xe9, 0]                                      // miUINT16 "hé", small element
        bytes += [14, 0, 0, 0, UInt8(text.count), 0, 0, 0] + text
        let mat = try MATFile(bytes: bytes, file: "m.mat")
        #expect(try mat.variable(named: "ids") == .numeric(shape: [3, 1], values: [9, 200, 4]))
        #expect(try mat.variable(named: "s") == .char(rows: ["hé"]))
    }

    @Test func missingVariableAndBigEndianAreOneClearLine() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("probe_img_ID_pairs.mat")
        try MATWriter.write([("probe_set", .cell(shape: [0, 1], elements: [])), ("other", .numeric(shape: [1, 1], values: [1]))], to: path)
        #expect(errorMessage { _ = try MATFile(path: path).variable(named: "probe_ids") }
                == "\(path): no variable 'probe_ids' (variables present: probe_set, other)")
        var bytes = try DataFile.readRaw(path)
        bytes[126] = 0x4d; bytes[127] = 0x49
        #expect(errorMessage { _ = try MATFile(bytes: bytes, file: "be.mat") }
                == "be.mat: at byte 126: big-endian MAT file (endian tag 'MI'); only little-endian files are supported, re-save it on a little-endian machine")
        let cut = Array(try MATWriter.encode(Self.variables, compressed: false).prefix(200))
        #expect(errorMessage { _ = try MATFile(bytes: cut, file: "cut.mat") }
                == "cut.mat: at byte 128: truncated: miMATRIX (14) element announces 256 bytes, 64 left")
    }
}
