import TestSupport
import Foundation
import Testing
import Datasets

@Suite struct FaceBinTests {
    static let accepted = "a verification .bin holds a tuple of a list of bytes or numpy uint8 arrays and a list of bools"

    static func sample(pairs: Int) -> VerificationBin {
        // Sizes on both sides of 255 bytes exercise SHORT_BINBYTES and BINBYTES.
        let images = (0..<2 * pairs).map { fakeJPEG(UInt64($0), extra: $0 % 7 == 0 ? 400 : $0 % 50) }
        return VerificationBin(images: images, isSame: (0..<pairs).map { $0 % 3 != 1 })
    }

    @Test func roundTrip() throws {
        let dir = TempDir()
        defer { dir.remove() }
        // Over 1000 elements: the lists are appended in several batches.
        let bin = Self.sample(pairs: 520)
        try bin.write(to: dir.file("x.bin"))
        let back = try VerificationBin(path: dir.file("x.bin"))
        #expect(back == bin)
        #expect(back.pairCount == 520)
        let empty = VerificationBin(images: [], isSame: [])
        #expect(try VerificationBin.decode(empty.encoded(), file: "e") == empty)
    }

    /// `.bin` files written by Python's own pickle with every element kind insightface's packers
    /// produced: Python 3 bytes and numpy uint8 arrays at protocols 2–5 (protocol 5 with numpy is
    /// the `_frombuffer` + BYTEARRAY8 form), and Python 2 `str` (BINSTRING opcodes, also as the
    /// raw data of numpy arrays) at protocol 2, which Python 3 reads with `encoding='bytes'`.
    @Test(.enabled(if: InteropPython.available())) func readsPicklesWrittenByPython() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let script = #"""
        import json, pickle, pickletools, random, struct, sys
        import numpy as np
        out = sys.argv[1]
        rng = random.Random(3)
        images = [b'\xff\xd8' + bytes(rng.randrange(256) for _ in range(rng.choice([5, 300, 70000]) if i < 6 else rng.randrange(2, 600))) + b'\xff\xd9'
                  for i in range(2 * 510)]
        issame = [rng.random() < 0.5 for _ in range(510)]

        class Py2Pickler(pickle._Pickler):
            """Writes bytes as Python 2 str (SHORT_BINSTRING / BINSTRING), as pickle under Python 2 did."""
            dispatch = dict(pickle._Pickler.dispatch)
            def save_py2_str(self, obj):
                n = len(obj)
                self.write((pickle.SHORT_BINSTRING + bytes([n]) if n < 256 else pickle.BINSTRING + struct.pack('<i', n)) + obj)
                self.memoize(obj)
            dispatch[bytes] = save_py2_str

        def arrays(shape1):
            return [np.frombuffer(b, dtype=np.uint8).copy().reshape((-1, 1) if shape1 else (-1,)) for b in images]

        made = []
        for proto in (2, 3, 4, 5):
            for kind in ('bytes', 'numpy'):
                bins = images if kind == 'bytes' else arrays(proto % 2 == 0)
                data = pickle.dumps((bins, issame), protocol=proto)
                ops = [(op.name, arg) for op, arg, _ in pickletools.genops(data)]
                names = {n for n, _ in ops}
                if kind == 'numpy' and proto == 5:
                    assert 'BYTEARRAY8' in names and any(a == '_frombuffer' for _, a in ops), names
                if kind == 'numpy' and proto < 5:
                    assert any(isinstance(a, str) and '_reconstruct' in a for _, a in ops), ops[:8]
                if proto == 2:
                    assert any(a == '_codecs encode' for _, a in ops)
                name = 'p%d-%s.bin' % (proto, kind)
                open(out + '/' + name, 'wb').write(data)
                made.append(name)
        for kind in ('py2str', 'py2numpy'):
            bins = images if kind == 'py2str' else arrays(True)
            import io
            buf = io.BytesIO()
            Py2Pickler(buf, protocol=2).dump((bins, issame))
            data = buf.getvalue()
            names = {op.name for op, _, _ in pickletools.genops(data)}
            assert 'BINSTRING' in names and 'SHORT_BINSTRING' in names and 'BINBYTES' not in names, names
            back = pickle.loads(data, encoding='bytes')
            assert [bytes(np.asarray(b).tobytes()) for b in back[0]] == images and back[1] == issame
            name = 'p2-%s.bin' % kind
            open(out + '/' + name, 'wb').write(data)
            made.append(name)
        json.dump({'files': made, 'images': [b.hex() for b in images], 'issame': issame}, open(out + '/manifest.json', 'w'))
        """#
        try InteropPython.run(script, [dir.path])
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("manifest.json")))) as! [String: Any]
        let files = manifest["files"] as! [String]
        let expected = VerificationBin(images: (manifest["images"] as! [String]).map(hexData), isSame: manifest["issame"] as! [Bool])
        #expect(files.count == 10)
        for name in files {
            let bin = try VerificationBin(path: dir.file(name))
            #expect(bin.pairCount == 510, "\(name)")
            #expect(bin == expected, "\(name)")
        }
    }

    /// What our writer emits is a protocol-4 pickle Python loads as (list of bytes, list of bool).
    @Test(.enabled(if: InteropPython.available())) func pythonLoadsOurBins() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let bin = Self.sample(pairs: 1003)
        try bin.write(to: dir.file("ours.bin"))
        try DataFile.write(Array(bin.images.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n").utf8),
                           to: dir.file("images.txt"))
        let script = #"""
        import pickle, pickletools, sys
        path, images_txt = sys.argv[1:3]
        data = open(path, 'rb').read()
        assert data[:2] == b'\x80\x04', data[:2]
        pickletools.dis(data, out=open('/dev/null', 'w'))
        bins, issame = pickle.loads(data)
        expected = [bytes.fromhex(l) for l in open(images_txt).read().split('\n')]
        assert type(bins) is list and all(type(b) is bytes for b in bins)
        assert bins == expected, 'images differ'
        assert issame == [i % 3 != 1 for i in range(1003)], issame[:5]
        print('ok')
        """#
        #expect(try InteropPython.run(script, [dir.file("ours.bin"), dir.file("images.txt")]).contains("ok"))
    }

    @Test func refusesUnsupportedOpcodeNamingItAndItsOffset() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("evil.bin")
        // PROTO 2, EMPTY_LIST, MARK, then NEWOBJ (0x81), which no verification set contains.
        try DataFile.write([0x80, 2, 0x5d, 0x28, 0x81, 0x2e], to: path)
        #expect(errorMessage { _ = try VerificationBin(path: path) }
                == "\(path): at byte 4: unsupported pickle opcode 0x81 NEWOBJ (\(Self.accepted))")
        // A GLOBAL other than numpy's reconstruction is refused before anything else happens.
        try DataFile.write([0x80, 2] + Array("cos\nsystem\n".utf8) + [0x2e], to: path)
        #expect(errorMessage { _ = try VerificationBin(path: path) }
                == "\(path): at byte 2: pickle opcode 0x63 GLOBAL: refers to os.system; only numpy array reconstruction (numpy[._]core.multiarray._reconstruct, numpy[._]core.numeric._frombuffer, numpy.ndarray, numpy.dtype) and _codecs.encode are accepted, and nothing is ever called")
        // Protocol 0/1 text pickles do not start with PROTO.
        #expect(errorMessage { _ = try VerificationBin.decode(Array("(lp0\n.".utf8), file: "old.bin") }
                == "old.bin: at byte 0: starts with 0x28 MARK, expected PROTO 0x80 (a pickle of protocol 2 or later)")
    }

    @Test func reportsTruncationAndCountMismatch() throws {
        let bytes = Self.sample(pairs: 2).encoded()
        // Cut inside the third image (BINBYTES at a known offset: PROTO, EMPTY_LIST, MARK, then images).
        let cut = Array(bytes.prefix(120))
        let msg = try #require(errorMessage { _ = try VerificationBin.decode(cut, file: "cut.bin") })
        #expect(msg.hasPrefix("cut.bin: at byte "), "\(msg)")
        #expect(msg.contains("bytes of operand, the file ends after") && msg.hasSuffix("(truncated?)"), "\(msg)")

        var odd: [UInt8] = [0x80, 4, 0x5d, 0x28]
        for _ in 0..<3 { odd += [0x43, 2, 0xff, 0xd8] }
        odd += [0x65, 0x5d, 0x88, 0x61, 0x86, 0x2e]
        #expect(errorMessage { _ = try VerificationBin.decode(odd, file: "odd.bin") }
                == "odd.bin: 3 images but 1 is-same flags (expected 2 images per pair)")
        // An int where an image should be.
        let notImage: [UInt8] = [0x80, 4, 0x5d, 0x4b, 7, 0x61, 0x5d, 0x86, 0x2e]
        #expect(errorMessage { _ = try VerificationBin.decode(notImage, file: "int.bin") }
                == "int.bin: bins[0] is int, expected bytes, a Python 2 str or a numpy uint8 array")
    }
}
