import TestSupport
import Foundation
import Testing
import Datasets

@Suite struct FaceRecordIOTests {
    static let magicBytes: [UInt8] = [0x0a, 0x23, 0xd7, 0xce]

    /// The split of dmlc-core's WriteRecord, worked out by hand: a magic at data offset 4 cuts the
    /// record (first part 4 bytes, cflag 1; last part 5 bytes, cflag 3, padded to 8); a magic at an
    /// unaligned offset is left alone.
    @Test func frameSplitsOnlyAtAlignedMagicWords() {
        let data: [UInt8] = [1, 2, 3, 4] + Self.magicBytes + [5, 6, 7, 8, 9]
        let expected: [UInt8] = Self.magicBytes + [4, 0, 0, 0x20] + [1, 2, 3, 4]
            + Self.magicBytes + [5, 0, 0, 0x60] + [5, 6, 7, 8, 9, 0, 0, 0]
        #expect(RecordIO.frame(data) == expected)
        let unaligned: [UInt8] = [1] + Self.magicBytes + [2, 3, 4]
        #expect(RecordIO.frame(unaligned) == Self.magicBytes + [8, 0, 0, 0] + unaligned)
        // Two magic words in a row leave an empty middle part (cflag 2).
        let twice = Self.magicBytes + Self.magicBytes
        #expect(RecordIO.frame(twice) == Self.magicBytes + [0, 0, 0, 0x20] + Self.magicBytes + [0, 0, 0, 0x40]
                + Self.magicBytes + [0, 0, 0, 0x60])
    }

    /// Payloads that contain the magic word (aligned, unaligned, back to back, at the end).
    static func trickyPayloads() -> [Data] {
        [
            fakeJPEG(1),
            Data(Self.magicBytes + [0xff, 0xd8] + Self.magicBytes.dropLast()),
            Data([0xff, 0xd8, 0, 0] + Self.magicBytes + Self.magicBytes + [7, 7, 7] + Self.magicBytes),
            Data([0xff, 0xd8, 1] + Self.magicBytes + [2]),
            fakeJPEG(5, extra: 0),
            Data(),
        ]
    }

    @Test(arguments: [RecordIOWriter.LabelForm.scalar, .array])
    func roundTripWithHeaderAndIdentities(form: RecordIOWriter.LabelForm) throws {
        let dir = TempDir()
        defer { dir.remove() }
        let out = dir.file("set")
        let payloads = Self.trickyPayloads()
        let labels = [0, 0, 1, 3, 3, 3]   // class 2 has no images
        let writer = try RecordIOWriter(directory: out, imageSize: (112, 96), labelForm: form)
        for (p, l) in zip(payloads, labels) { try writer.append(imageBytes: p, label: l) }
        try writer.finish(classes: 5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["set"])   // no temporary left

        let reader = try RecordIOReader(directory: out)
        #expect(reader.count == 6)
        #expect(reader.identities == 5)
        #expect(reader.keys == Array(1...6))
        #expect(reader.property == RecordIOProperty(classes: 5, height: 112, width: 96))
        #expect(String(decoding: try DataFile.readRaw(out + "/property"), as: UTF8.self) == "5,112,96\n")
        for i in 0..<6 {
            let r = try reader.record(at: i)
            #expect(r.label == labels[i])
            #expect(r.imageBytes == payloads[i])
            #expect(r.key == i + 1)
        }
        #expect(try reader.identityRanges() == [1..<3, 3..<4, 4..<4, 4..<7, 7..<7])
        let meta = try reader.packet(key: 0)
        #expect(meta.header.label == .array([7, 12]))
        let first = try reader.packet(key: 1)
        #expect(first.header.label == (form == .scalar ? .scalar(0) : .array([0, 1])))
        #expect(first.header.flag == (form == .scalar ? 0 : 2))

        // Without train.idx the offsets come from a sequential scan; the records are the same.
        try FileManager.default.removeItem(atPath: out + "/train.idx")
        let scanned = try RecordIOReader(directory: out)
        #expect(!scanned.hasIndex)
        #expect(scanned.keys == Array(1...6))
        #expect(try (0..<6).map { try scanned.record(at: $0).imageBytes } == payloads)
    }

    @Test func roundTripWithoutHeaderRecord() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let writer = try RecordIOWriter(directory: dir.file("plain"), writesHeader: false)
        try writer.append(imageBytes: fakeJPEG(1), label: 4)
        try writer.append(imageBytes: fakeJPEG(2), label: 9)
        try writer.finish()
        let reader = try RecordIOReader(directory: dir.file("plain"))
        #expect(reader.identities == nil)
        #expect(reader.keys == [0, 1])
        #expect(try reader.record(at: 1).label == 9)
        #expect(try reader.record(at: 0).imageBytes == fakeJPEG(1))
        #expect(try reader.identityRanges() == [])
    }

    @Test func writerRefusesDescendingLabelsAndExistingFolders() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let writer = try RecordIOWriter(directory: dir.file("w"))
        try writer.append(imageBytes: fakeJPEG(1), label: 2)
        #expect(errorMessage { try writer.append(imageBytes: fakeJPEG(2), label: 1) }
                == "\(dir.file("w")): image 1: label 1 after 2, expected images grouped by class in ascending order")
        _ = dir.mkdir("full/x")
        #expect(errorMessage { _ = try RecordIOWriter(directory: dir.file("full")) }
                == "\(dir.file("full")): already exists and is not an empty folder (refusing to overwrite)")
    }

    /// A packer written in Python from the format description (struct 'IfQQ', dmlc framing),
    /// independent of RecordIOWriter: array labels, multi-part records, keys in shuffled `.idx`
    /// order; and an im2rec-style file with scalar labels, no header record and no `.idx`.
    @Test(.enabled(if: InteropPython.available())) func readsRecordsPackedByPython() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let script = #"""
        import json, os, random, struct, sys
        MAGIC = 0xced7230a
        root = sys.argv[1]

        def frame(data):
            parts, start = [], 0
            for i in range(0, len(data) - 3, 4):
                if struct.unpack_from('<I', data, i)[0] == MAGIC:
                    parts.append(data[start:i]); start = i + 4
            parts.append(data[start:])
            out = b''
            for k, p in enumerate(parts):
                cflag = 0 if len(parts) == 1 else 1 if k == 0 else 3 if k == len(parts) - 1 else 2
                out += struct.pack('<II', MAGIC, cflag << 29 | len(p)) + p
            return out + b'\0' * (-len(parts[-1]) % 4), len(parts)

        def pack(label, key, payload):
            if isinstance(label, list):
                return struct.pack('<IfQQ', len(label), 0.0, key, 0) + struct.pack('<%df' % len(label), *label) + payload
            return struct.pack('<IfQQ', 0, label, key, 0) + payload

        rng = random.Random(7)
        m = struct.pack('<I', MAGIC)
        payloads = [b'\xff\xd8' + bytes(rng.randrange(256) for _ in range(30)) + b'\xff\xd9',
                    b'\xff\xd8\x00\x00' + m + b'abc' + m + b'\xff\xd9',   # aligned magic inside
                    m + m + b'\xff\xd8xy',                                # two at the start
                    b'\xff\xd8' + bytes(rng.randrange(256) for _ in range(1001)),
                    b'\xff\xd8zz' + m]                                    # at the very end
        labels = [0, 0, 1, 2, 2]
        n, c = len(payloads), 3
        records = [(0, [float(n + 1), float(n + 1 + c)], b'')]
        records += [(i + 1, [float(labels[i]), 1.0], payloads[i]) for i in range(n)]
        starts = [labels.index(k) + 1 for k in range(c)] + [n + 1]
        records += [(n + 1 + k, [float(starts[k]), float(starts[k + 1])], b'') for k in range(c)]

        os.makedirs(root + '/meta')
        split = 0
        offsets = {}
        with open(root + '/meta/train.rec', 'wb') as f:
            for key, label, payload in records:
                offsets[key] = f.tell()
                data, parts = frame(pack(label, key, payload))
                split += parts > 1
                f.write(data)
        keys = list(offsets); rng.shuffle(keys)
        with open(root + '/meta/train.idx', 'w') as f:
            for k in keys: f.write('%d\t%d\n' % (k, offsets[k]))
        with open(root + '/meta/property', 'w') as f: f.write('%d,112,112' % c)
        assert split == 3, split

        os.makedirs(root + '/plain')
        with open(root + '/plain/train.rec', 'wb') as f:
            for i, p in enumerate(payloads):
                f.write(frame(pack(float(10 + i), i, p))[0])
        json.dump({'labels': labels, 'payloads': [p.hex() for p in payloads]}, open(root + '/manifest.json', 'w'))
        """#
        try InteropPython.run(script, [dir.path])
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("manifest.json")))) as! [String: Any]
        let labels = manifest["labels"] as! [Int]
        let payloads = (manifest["payloads"] as! [String]).map(hexData)

        let meta = try RecordIOReader(directory: dir.file("meta"))
        #expect(meta.count == 5)
        #expect(meta.identities == 3)
        #expect(meta.keys == [1, 2, 3, 4, 5])
        for i in 0..<5 {
            let r = try meta.record(at: i)
            #expect(r.label == labels[i])
            #expect(r.imageBytes == payloads[i], "record \(i)")
        }
        #expect(try meta.identityRanges() == [1..<3, 3..<4, 4..<6])

        let plain = try RecordIOReader(directory: dir.file("plain"))
        #expect(!plain.hasIndex)
        #expect(plain.identities == nil && plain.property == nil)
        #expect(plain.keys == [0, 1, 2, 3, 4])
        #expect(try (0..<5).map { try plain.record(at: $0).label } == [10, 11, 12, 13, 14])
        #expect(try (0..<5).map { try plain.record(at: $0).imageBytes } == payloads)
    }

    /// A damaged record is reported with its key and byte offset; the others stay readable, so a
    /// loader can skip and count it.
    @Test func truncatedRecordAndBadMagic() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let out = dir.file("set")
        let writer = try RecordIOWriter(directory: out)
        for i in 0..<4 { try writer.append(imageBytes: fakeJPEG(UInt64(i), extra: 100), label: i) }
        try writer.finish()
        let rec = out + "/train.rec"
        let reader = try RecordIOReader(directory: out)
        let offset2 = try #require(reader.offset(ofKey: 2)), offset3 = try #require(reader.offset(ofKey: 3))
        var bytes = try DataFile.readRaw(rec)

        // Bad magic at the start of key 2.
        var damaged = bytes
        damaged.replaceSubrange(offset2..<offset2 + 4, with: [0xde, 0xad, 0xbe, 0xef])
        try DataFile.write(damaged, to: rec)
        let bad = try RecordIOReader(directory: out)
        #expect(errorMessage { _ = try bad.record(at: 1) }
                == "\(rec): record 2 at byte \(offset2): bad magic 0xefbeadde, expected 0xced7230a (start of a RecordIO record)")
        #expect(try bad.record(at: 2).imageBytes == fakeJPEG(2, extra: 100))

        // Cut in the middle of key 3's payload (the .idx still lists the later records).
        let length = Int(bytes[offset3 + 4]) | Int(bytes[offset3 + 5]) << 8
        bytes.removeSubrange((offset3 + 8 + 50)...)
        try DataFile.write(bytes, to: rec)
        let short = try RecordIOReader(directory: out)
        #expect(errorMessage { _ = try short.record(at: 2) }
                == "\(rec): record 3 at byte \(offset3): truncated: expected \(length) payload bytes, the file ends after 50")
        #expect(try short.record(at: 0).label == 0)
        let offset4 = try #require(short.offset(ofKey: 4))
        #expect(errorMessage { _ = try short.record(at: 3) }
                == "\(rec): record 4 at byte \(offset4): truncated: expected an 8-byte record header (magic, length), the file ends after 0 bytes")
    }
}

func hexData(_ s: String) -> Data {
    var out = Data()
    var it = s.makeIterator()
    while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
    return out
}
