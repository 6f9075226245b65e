import Foundation
import Testing
import ImageIO
import Datasets
#if canImport(Glibc)
import Glibc
#endif

/// Issue 18: each class of bad file that trapped, hung, exhausted memory or was silently misread,
/// rebuilt byte by byte, now gives one line naming the file and where, or a counted skip.
@Suite struct HardeningTests {
    // MARK: RecordIO

    /// `train.rec` (and `property` when given) from packets; no `.idx`, so the reader scans.
    private func writeRecordIO(_ dir: String, _ packets: [RecordIOPacket], property: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try DataFile.write(packets.flatMap { RecordIO.frame(RecordIO.pack($0)) }, to: dir + "/train.rec")
        if let property { try DataFile.write(Array(property.utf8), to: dir + "/property") }
    }

    private func image(_ key: UInt64, label: Float) -> RecordIOPacket {
        RecordIOPacket(header: RecordIOHeader(label: .scalar(label), id: key), payload: fakeJPEG(key))
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity, 1e12, 1e20, -3])
    func recordIOHeaderLabelThatIsNoWholeNumber(value: Float) throws {
        let dir = TempDir()
        defer { dir.remove() }
        let set = dir.file("set")
        try writeRecordIO(set, [RecordIOPacket(header: RecordIOHeader(label: .array([value, 3]), id: 0), payload: Data()),
                                image(1, label: 0), image(2, label: 0)])
        #expect(errorMessage { _ = try RecordIOReader(directory: set) }
                == "\(set)/train.rec: record 0 at byte 0: header record label [\(value), 3.0], expected [N+1, N+1+C] (images are keys 1...N, identities N+1..<N+1+C)")
        // The end of the identity range, too.
        try writeRecordIO(set, [RecordIOPacket(header: RecordIOHeader(label: .array([3, value]), id: 0), payload: Data()),
                                image(1, label: 0), image(2, label: 0)])
        #expect(errorMessage { _ = try RecordIOReader(directory: set) }?.hasPrefix("\(set)/train.rec: record 0 at byte 0: header record label [3.0, \(value)]") == true)
    }

    /// An identity record whose range is NaN, or lies outside the image keys.
    @Test func recordIOIdentityRecordRangeIsChecked() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let set = dir.file("set")
        for bad: [Float] in [[.nan, 2], [1, 1e20], [1, 9]] {
            try writeRecordIO(set, [RecordIOPacket(header: RecordIOHeader(label: .array([3, 4]), id: 0), payload: Data()),
                                    image(1, label: 0), image(2, label: 0),
                                    RecordIOPacket(header: RecordIOHeader(label: .array(bad), id: 3), payload: Data())])
            let reader = try RecordIOReader(directory: set)
            let msg = errorMessage { _ = try reader.identityRanges() } ?? ""
            #expect(msg.hasPrefix("\(set)/train.rec: record 3 at byte ") && msg.hasSuffix("expected [start_key, end_key) within the image keys 1..<3"), "\(msg)")
        }
    }

    /// A header record announcing more images than the file holds records is refused before the
    /// key list is allocated.
    @Test func recordIOHeaderAnnouncingMillionsOfImages() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let set = dir.file("set")
        try writeRecordIO(set, [RecordIOPacket(header: RecordIOHeader(label: .array([16_000_000, 16_000_001]), id: 0), payload: Data()),
                                image(1, label: 0)])
        #expect(errorMessage { _ = try RecordIOReader(directory: set) }
                == "\(set)/train.rec: record 0 at byte 0: header record announces 15999999 images and 1 identities, but the file has only 2 records")
    }

    /// Image labels beyond the identities the header record announces: one line naming the record.
    @Test func recordIOLabelBeyondHeaderIdentities() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let set = dir.file("set")
        let packets = [RecordIOPacket(header: RecordIOHeader(label: .array([3, 5]), id: 0), payload: Data()),
                       image(1, label: 0), image(2, label: 7),
                       RecordIOPacket(header: RecordIOHeader(label: .array([1, 2]), id: 3), payload: Data()),
                       RecordIOPacket(header: RecordIOHeader(label: .array([2, 3]), id: 4), payload: Data())]
        try writeRecordIO(set, packets)
        let offset2 = RecordIO.frame(RecordIO.pack(packets[0])).count + RecordIO.frame(RecordIO.pack(packets[1])).count
        #expect(errorMessage { _ = try RecordIOReader(directory: set) }
                == "\(set)/train.rec: record 0 at byte 0: header record announces 2 identities, labels reach 8 (record 2 at byte \(offset2) has label 7)")
        // `dataset info` still describes the set, and a reader that skips the check refuses the record.
        let lenient = try RecordIOReader(directory: set, checkLabels: false)
        #expect(errorMessage { _ = try lenient.encodedImage(at: 1) }
                == "\(set)/train.rec: record 2 at byte \(offset2): label 7, expected 0..<2 (the identities of the set)")
        #expect(try lenient.encodedImage(at: 0).label == 0)
    }

    /// A `property` whose class count is below the labels (an easy mistake) or absurd.
    @Test func recordIOPropertyDisagreeingWithLabels() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let set = dir.file("set")
        let packets = (0..<5).map { image(UInt64($0), label: Float($0)) }
        let offset4 = packets.prefix(4).reduce(0) { $0 + RecordIO.frame(RecordIO.pack($1)).count }
        try writeRecordIO(set, packets, property: "2,112,112\n")
        #expect(errorMessage { _ = try RecordIOReader(directory: set) }
                == "\(set)/property: property says 2 classes, labels reach 5 (record 4 at byte \(offset4) has label 4); expected classes ≥ 5")
        try writeRecordIO(set, packets, property: "1000000000,112,112\n")
        #expect(errorMessage { _ = try RecordIOReader(directory: set) }
                == "\(set)/property: property says 1000000000 classes, labels reach 5 and the set has 5 images; expected at most 5 classes")
        try writeRecordIO(set, packets, property: "5,112,112\n")
        #expect(try RecordIOReader(directory: set).classes == 5)
        // Labels that are not class numbers stay per-record errors, skipped by the loader.
        try writeRecordIO(set, packets + [image(5, label: .nan), image(6, label: 1e20)], property: "5,112,112\n")
        let reader = try RecordIOReader(directory: set)
        #expect(errorMessage { _ = try reader.record(at: 5) }?.hasSuffix("label scalar(nan), expected a whole non-negative class number") == true)
        #expect(errorMessage { _ = try reader.record(at: 6) }?.hasSuffix("label scalar(1e+20), expected a whole non-negative class number") == true)
    }

    /// A FIFO named `train.rec` is refused instead of blocking the open forever.
    @Test func recordIOFIFOIsRefused() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let set = dir.mkdir("set")
        #expect(mkfifo(set + "/train.rec", 0o644) == 0)
        #expect(errorMessage { _ = try RecordIOReader(directory: set) } == "\(set)/train.rec: is a FIFO, expected a regular file")
        #expect(errorMessage { _ = try DataFile.readRaw(set + "/train.rec") } == "\(set)/train.rec: is a FIFO, expected a regular file")
    }

    // MARK: pickles

    @Test func pickleOf100000NestedTuplesOrListsIsRefused() {
        let n = 100_000
        let tuples: [UInt8] = [0x80, 2, 0x29] + Array(repeating: 0x85, count: n) + [0x2e]
        #expect(errorMessage { _ = try VerificationBin.decode(tuples, file: "t.bin") }
                == "t.bin: at byte 102: pickle opcode 0x85 TUPLE1: lists and tuples nested more than 100 deep (a .bin nests at most 4)")
        let lists: [UInt8] = [0x80, 2] + Array(repeating: 0x28, count: n) + [0x5d] + Array(repeating: 0x6c, count: n) + [0x2e]
        #expect(errorMessage { _ = try VerificationBin.decode(lists, file: "l.bin") }
                == "l.bin: at byte \(2 + n + 100): pickle opcode 0x6c LIST: lists and tuples nested more than 100 deep (a .bin nests at most 4)")
    }

    /// A list already inside another container cannot grow (its depth could no longer be tracked).
    @Test func pickleAppendToContainedListIsRefused() {
        // A = [], memo 0; B = [A]; then GET A and append to it.
        let bytes: [UInt8] = [0x80, 2, 0x5d, 0x71, 0, 0x5d, 0x68, 0, 0x61, 0x68, 0, 0x29, 0x61, 0x2e]
        #expect(errorMessage { _ = try VerificationBin.decode(bytes, file: "a.bin") }
                == "a.bin: at byte 12: pickle opcode 0x61 APPEND: appends to a list that is already inside another list or tuple (not how a .bin is pickled)")
    }

    /// `_frombuffer` with a shape whose product overflows Int.
    @Test func pickleFrombufferShapeOverflow() {
        func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
        func long8(_ v: Int) -> [UInt8] { [0x8a, 8] + (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        var p: [UInt8] = [0x80, 2, 0x5d]                                    // the image list
        p += global("numpy.core.numeric", "_frombuffer") + [0x28]            // callable, MARK
        p += [0x43, 4] + Array("abcd".utf8)                                  // buffer
        p += global("numpy", "dtype") + [0x8c, 2] + Array("u1".utf8) + [0x85, 0x52]   // dtype('u1')
        p += long8(1 << 62) + long8(1 << 62) + [0x86]                        // shape (2^62, 2^62)
        p += [0x8c, 1, UInt8(ascii: "C"), 0x74]                              // order, TUPLE
        let reduceOffset = p.count
        p += [0x52, 0x61, 0x5d, 0x86, 0x2e]                                  // REDUCE, APPEND, [], TUPLE2, STOP
        #expect(errorMessage { _ = try VerificationBin.decode(p, file: "f.bin") }
                == "f.bin: record 0 at byte \(reduceOffset): numpy array of shape [4611686018427387904, 4611686018427387904] holds 4 bytes, expected more than Int.max (the shape overflows)")
    }

    // MARK: MAT

    /// A tagged element: type, size, data padded to 8 bytes.
    private func matElement(_ type: UInt32, _ data: [UInt8], pad: Bool = true) -> [UInt8] {
        var out = le32(type) + le32(UInt32(data.count)) + data
        if pad { out += Array(repeating: 0, count: (8 - data.count % 8) % 8) }
        return out
    }

    private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    /// The flags, dimensions and name of a miMATRIX (without its tag).
    private func matHeader(cls: UInt8, dims: [Int32], name: String) -> [UInt8] {
        matElement(6, [cls, 0, 0, 0, 0, 0, 0, 0]) + matElement(5, dims.flatMap { le32(UInt32(bitPattern: $0)) })
            + matElement(1, Array(name.utf8))
    }

    private func matFile(_ elements: [UInt8]) -> [UInt8] {
        var header = Array("MATLAB 5.0 MAT-file".utf8)
        header += Array(repeating: 0x20, count: 124 - header.count)
        return header + [0, 1, 0x49, 0x4d] + elements
    }

    @Test(arguments: [(UInt8(6), "numeric"), (4, "char"), (1, "cell")])
    func matDimensionsWhoseProductOverflows(cls: UInt8, kind: String) throws {
        let dims: [Int32] = [65536, 65536, 65536, 65536]
        let body = matHeader(cls: cls, dims: dims, name: "x") + (cls == 6 ? matElement(9, []) : cls == 4 ? matElement(16, []) : [])
        let mat = try MATFile(bytes: matFile(matElement(14, body)), file: "o.mat")
        #expect(errorMessage { _ = try mat.variable(named: "x") }
                == "o.mat: at byte 136: variable 'x': dimensions [65536, 65536, 65536, 65536] describe more elements than the \(cls == 1 ? 0 : 8) bytes of the array can hold")
    }

    @Test func matCharArrayOfBillionsOfEmptyRows() throws {
        let body = matHeader(cls: 4, dims: [2_147_483_647, 0], name: "x") + matElement(16, [])
        let mat = try MATFile(bytes: matFile(matElement(14, body)), file: "r.mat")
        #expect(errorMessage { _ = try mat.variable(named: "x") }
                == "r.mat: at byte 136: variable 'x': dimensions [2147483647, 0] describe more rows than the 56 bytes of the array can hold")
    }

    /// 50,000 cells nested one in another (built from the inside out without copying).
    @Test func matDeeplyNestedCells() throws {
        let depth = 50_000
        let innermost = matElement(14, matHeader(cls: 6, dims: [0, 0], name: "") + matElement(9, []))
        var prefixes: [[UInt8]] = []
        var size = innermost.count
        for level in 0..<depth {
            let header = matHeader(cls: 1, dims: [1, 1], name: level == depth - 1 ? "x" : "")
            prefixes.append(le32(14) + le32(UInt32(header.count + size)) + header)
            size += 8 + header.count
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        for p in prefixes.reversed() { bytes += p }
        bytes += innermost
        let mat = try MATFile(bytes: matFile(bytes), file: "n.mat")
        #expect(errorMessage { _ = try mat.variable(named: "x") }?.hasSuffix("cell arrays nested more than 100 deep") == true)
    }

    /// A compressed element is inflated no further than the element inside declares, and one that
    /// declares more than `MATFile.maxInflatedBytes` is refused after its first 8 bytes.
    @Test func matCompressedElementIsBounded() throws {
        let huge = le32(14) + le32(1 << 30) + Array(repeating: 0, count: 1 << 20)
        let z1 = try Gzip.compress(huge, zlibWrapper: true)
        #expect(errorMessage { _ = try MATFile(bytes: matFile(matElement(15, z1, pad: false)), file: "z.mat") }
                == "z.mat: at byte 128: compressed element declares 1073741824 bytes of data, more than the 268435456-byte limit (MATFile.maxInflatedBytes)")
        // Declares 64 bytes, inflates to 4 MiB.
        let liar = le32(14) + le32(64) + Array(repeating: 0, count: 4 << 20)
        let z2 = try Gzip.compress(liar, zlibWrapper: true)
        #expect(errorMessage { _ = try MATFile(bytes: matFile(matElement(15, z2, pad: false)), file: "z.mat") }
                == "z.mat: gzip stream inflates to more than 80 bytes (the element inside declares 64 bytes of data)")
    }

    // MARK: npy

    @Test(arguments: ["(4611686018427387904, 4)", "(4611686018427387904, 4611686018427387904)", "(9223372036854775807,)"])
    func npyShapeWhoseSizeOverflows(shape: String) {
        let header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }\n".utf8)
        let bytes = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + header + [0, 0, 0, 0]
        #expect(errorMessage { _ = try NPY.decode(bytes, file: "e.npy") }
                == "e.npy: at byte 10: shape \(shape) × 4-byte values is more than Int.max bytes (the file has 4 data bytes)")
    }

    // MARK: gzip

    /// A cut `.gz` ends in 4 bytes of compressed data, not the size trailer: the buffer allocated up
    /// front stays below `Gzip.maxPreallocation` whatever they say.
    @Test func gzipTrailerDoesNotSizeTheBuffer() throws {
        var cut = [UInt8](repeating: 0x55, count: 5 << 20)
        cut.replaceSubrange(cut.count - 4..<cut.count, with: [0, 0, 0, 0xb0])   // "2.95 GB"
        #expect(Gzip.initialCapacity(compressed: cut, limit: Gzip.maxDecompressedBytes) == Gzip.maxPreallocation)
        #expect(Gzip.initialCapacity(compressed: cut, limit: 1000) == 1001)

        // End to end: an IDX .gz missing its last bytes is one line.
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("train-images-idx3-ubyte.gz")
        let whole = try Gzip.compress(IDX.encode(IDXArray(dims: [50, 28, 28], bytes: randomBytes(50 * 784, seed: 3))))
        try DataFile.write(Array(whole.dropLast(12)), to: path)
        let msg = errorMessage { _ = try IDX.read(path, rank: 3) } ?? ""
        #expect(msg.hasPrefix("\(path): corrupt gzip at compressed byte ") && msg.contains("stream ends early"), "\(msg)")
    }

    /// A `.gz` whose IDX header declares 3 images but which inflates to far more stops at the
    /// declared size (plus a small slack), not at the trailer's or the stream's.
    @Test func gzipIDXBoundedByTheHeader() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("train-images-idx3-ubyte.gz")
        let header = IDX.encode(IDXArray(dims: [3, 28, 28], bytes: Array(repeating: 0, count: 3 * 784)))
        try DataFile.write(header + Array(repeating: 0, count: 64 << 20), to: path, gzip: true)
        #expect(errorMessage { _ = try IDX.read(path, rank: 3) }
                == "\(path): gzip stream inflates to more than \(16 + 2352 + 65536) bytes (its IDX header declares 3 images of 28x28 = 16+2352 bytes)")
        // A few extra bytes are still reported exactly.
        try DataFile.write(header + [1, 2], to: path, gzip: true)
        #expect(errorMessage { _ = try IDX.read(path, rank: 3) }
                == "\(path): 2 unexpected bytes after byte 2368 (expected the file to end after 3 images of 28x28)")
        // And any stream stops at the stated limit.
        let big = try Gzip.compress(Array(repeating: 0, count: 3 << 20))
        #expect(errorMessage { _ = try Gzip.decompress(big, file: "b.gz", limit: 1 << 20) }
                == "b.gz: gzip stream inflates to more than 1048576 bytes (the limit of 1048576 bytes)")
    }

    // MARK: folders

    private func put(_ path: String, _ bytes: [UInt8] = [0xff, 0xd8, 0xff]) {
        try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! DataFile.write(bytes, to: path)
    }

    /// A symlink to the parent folder and a FIFO in an images folder: the walk ends and counts both.
    @Test func imageFolderWithSymlinkLoopAndFIFO() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let imgs = dir.file("imgs")
        put(imgs + "/a.jpg")
        put(imgs + "/sub/b.png")
        try FileManager.default.createSymbolicLink(atPath: imgs + "/sub/loop", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: imgs + "/up", withDestinationPath: "../..")
        try FileManager.default.createSymbolicLink(atPath: imgs + "/again", withDestinationPath: "sub")
        #expect(mkfifo(imgs + "/c.jpg", 0o644) == 0)
        let list = try ImageFileList(argument: imgs)
        // `again` and `sub` are one folder: whichever is met first is walked, the other skipped.
        #expect(list.paths == ["a.jpg", "sub/b.png"] || list.paths == ["a.jpg", "again/b.png"], "\(list.paths)")
        #expect(list.skipped.count == 4, "\(list.skipped)")
        #expect(list.skipped.contains("\(imgs)/c.jpg: a FIFO, not a regular file (skipped)"))
        #expect(list.skipped.contains { $0.contains("/loop: symbolic link to ") && $0.hasSuffix("(a loop) (skipped)") })
        #expect(list.skipped.contains { $0.hasPrefix("\(imgs)/up: symbolic link to ") })
    }

    /// `Gallery_Distractor/loop -> ..` must not make the probes distractors.
    @Test func tinyFaceDistractorLoop() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let ts = dir.file("Testing_Set")
        for rel in ["Probe/1_1.jpg", "Gallery_Match/1_2.jpg", "Gallery_Distractor/0_a.jpg"] { put(ts + "/" + rel) }
        func cell(_ names: [String]) -> MATValue { .cell(shape: [names.count, 1], elements: names.map { .char(rows: [$0]) }) }
        try MATWriter.write([("probe_set", cell(["1_1.jpg"])), ("probe_ids", .numeric(shape: [1, 1], values: [1]))],
                            to: ts + "/probe_img_ID_pairs.mat")
        try MATWriter.write([("gallery_set", cell(["1_2.jpg"])), ("gallery_ids", .numeric(shape: [1, 1], values: [1]))],
                            to: ts + "/gallery_match_img_ID_pairs.mat")
        try FileManager.default.createSymbolicLink(atPath: ts + "/Gallery_Distractor/loop", withDestinationPath: "..")
        let t = try TinyFace(root: ts)
        #expect(t.distractors.map(\.path) == [ts + "/Gallery_Distractor/0_a.jpg"])
        #expect(t.problems.count == 1 && t.problems[0].hasPrefix("\(ts)/Gallery_Distractor/loop: symbolic link to "), "\(t.problems)")

        // Names in the .mat files stay inside their folder.
        try MATWriter.write([("probe_set", cell(["../Gallery_Match/1_2.jpg"])), ("probe_ids", .numeric(shape: [1, 1], values: [1]))],
                            to: ts + "/probe_img_ID_pairs.mat")
        try FileManager.default.removeItem(atPath: ts + "/Gallery_Distractor/loop")
        #expect(errorMessage { _ = try TinyFace(root: ts) }
                == "\(ts)/probe_img_ID_pairs.mat: entry 1 of 'probe_set': '../Gallery_Match/1_2.jpg' has a '..' component, expected a path inside \(ts)/Probe")
        #expect(try TinyFace(root: ts, allowOutside: true).probes.count == 1)
    }

    /// An identity folder whose name is not UTF-8 is reported, not dropped with "problems: none";
    /// FIFOs and loops inside identities are counted too.
    @Test func identityFoldersReportWhatTheySkip() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let root = dir.file("ids")
        put(root + "/alice/1.jpg")
        put(root + "/bob/1.png")
        let name: [UInt8] = Array((root + "/caf").utf8) + [0xe9, 0]
        #expect(name.withUnsafeBufferPointer { mkdir(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), 0o755) } == 0)
        #expect(mkfifo(root + "/bob/2.jpg", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: root + "/bob/loop", withDestinationPath: "../..")
        let f = try IdentityFolders(root: root)
        #expect(f.classNames == ["alice", "bob"])
        #expect(f.images.map(\.path) == ["alice/1.jpg", "bob/1.png"])
        #expect(f.skippedEntries.count == 3, "\(f.skippedEntries)")
        #expect(f.skippedEntries.contains("\(root)/caf\\xe9: name is not valid UTF-8 (skipped)"))
        #expect(f.skippedEntries.contains("\(root)/bob/2.jpg: a FIFO, not a regular file (skipped)"))
        let info = try describeData(.folders(root))
        #expect(info.contains("problems: 1\n  - 3 entries skipped (symbolic link loops, non-regular files, names not valid UTF-8): "), "\(info)")
    }

    // MARK: list files

    @Test func imageListPathsStayInsideTheListFolder() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let lists = dir.mkdir("lists")
        put(dir.file("secret.jpg"))
        put(lists + "/in/a.jpg")
        try FileManager.default.createSymbolicLink(atPath: lists + "/out", withDestinationPath: dir.path)
        for (entry, reason) in [("../secret.jpg", "'../secret.jpg' has a '..' component, expected a path inside \(lists)"),
                                (dir.file("secret.jpg"), "'\(dir.file("secret.jpg"))' is an absolute path, expected a path inside \(lists)")] {
            try DataFile.write(Array("in/a.jpg\n\(entry)\n".utf8), to: lists + "/l.txt")
            #expect(errorMessage { _ = try ImageFileList(argument: lists + "/l.txt") } == "\(lists)/l.txt: line 2: \(reason)")
            #expect(try ImageFileList(argument: lists + "/l.txt", allowOutside: true).count == 2)
        }
        try DataFile.write(Array("# images\nout/secret.jpg\n".utf8), to: lists + "/l.txt")
        let msg = errorMessage { _ = try ImageFileList(argument: lists + "/l.txt") } ?? ""
        #expect(msg.hasPrefix("\(lists)/l.txt: line 2: 'out/secret.jpg' leads out of \(lists) through a symbolic link"), "\(msg)")
    }

    @Test func lfwPairsNamesStayInsideTheImageFolder() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let pairs = dir.file("pairs.txt")
        try DataFile.write(Array("1\t1\n..\t1\t2\nb\t1\tc\t1\n".utf8), to: pairs)
        let p = try LFWPairs(path: pairs)
        #expect(errorMessage { _ = try p.verificationBin(imageFolder: dir.file("lfw")) }
                == "\(pairs): line 2: '../.._0001.jpg' has a '..' component, expected a path inside \(dir.file("lfw"))")
        // Counts whose product overflows.
        try DataFile.write(Array("4611686018427387904\t4611686018427387904\n".utf8), to: pairs)
        #expect(errorMessage { _ = try LFWPairs(path: pairs) }
                == "\(pairs): line 1: the header announces 4611686018427387904 folds × (4611686018427387904 matched + 4611686018427387904 mismatched) pairs, more than Int.max (the file has 0 pair lines)")
    }

    // MARK: detection and values read back

    @Test func datasetInfoOnAPhotoSaysItIsNotADataSet() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let photo = dir.file("photo.jpg")
        try DataFile.write([UInt8](fakeJPEG(1)), to: photo)
        #expect(errorMessage { _ = try DetectedData(argument: photo) }
                == "\(photo): a JPEG image, not a data set facenas knows (expected a verification .bin, an LFW pairs file, or a RecordIO, TinyFace, identity-folder, synth, MNIST-family or CIFAR folder)")
        try DataFile.write([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], to: photo)
        #expect(errorMessage { _ = try DetectedData(argument: photo) }?.hasPrefix("\(photo): a PNG image, not a data set") == true)
        try DataFile.write([1, 2, 0, 3], to: photo)
        #expect(errorMessage { _ = try DetectedData(argument: photo) }?.hasPrefix("\(photo): binary data, not a data set") == true)
        // Text is still taken as a pairs file.
        try DataFile.write(Array("10\t300\n".utf8), to: photo)
        #expect(try DetectedData(argument: photo) == .lfwPairs(photo))
    }

    /// `synth.json`: counts must not be negative, verification files must stay in the folder, and a
    /// missing key is one readable line rather than Swift's `DecodingError` dump.
    @Test func synthManifestValuesAreChecked() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("synth.json")
        func manifest(identities: Int = 10, file: String = "lfw.bin") -> String {
            """
            {"generator": "g", "generatorVersion": 1, "seed": 1, "difficulty": 0.5, "size": 112, "identities": \(identities),
             "imagesPerIdentity": 5, "splits": {"train": [0], "verification": [1], "tinyface": [2], "distractors": [3]},
             "trainImages": 5, "verificationSets": [{"file": "\(file)", "describes": "d", "pairs": 10, "folds": 10, "rawPixelAccuracy": 0.5}],
             "tinyfaceProbes": 1, "tinyfaceGalleryMatches": 1, "tinyfaceDistractors": 1, "unalignedImages": 0}
            """
        }
        try DataFile.write(Array(manifest().utf8), to: path)
        #expect(try SyntheticDatasetManifest(path: path).identities == 10)
        try DataFile.write(Array(manifest(identities: -5).utf8), to: path)
        #expect(errorMessage { _ = try SyntheticDatasetManifest(path: path) } == "\(path): identities is -5, expected a count ≥ 0")
        try DataFile.write(Array(manifest(file: "../../x.bin").utf8), to: path)
        #expect(errorMessage { _ = try SyntheticDatasetManifest(path: path) }
                == "\(path): verification set file: '../../x.bin' has a '..' component, expected a path inside \(dir.path)")
        try DataFile.write(Array(manifest().replacingOccurrences(of: "\"seed\": 1, ", with: "").utf8), to: path)
        #expect(errorMessage { _ = try SyntheticDatasetManifest(path: path) } == "\(path): not a synth manifest (missing key 'seed')")
    }

    @Test func labelsFileRangeChecked() throws {
        #expect(try LabelsFile.parse("0\n7\n-100\n", file: "l.txt") == [0, 7, -100])
        #expect(errorMessage { _ = try LabelsFile.parse("0\n-5\n", file: "l.txt") }
                == "l.txt: line 2: label -5 is out of range (expected 0...2147483647, or -100 for a distractor)")
        #expect(errorMessage { _ = try LabelsFile.parse("99999999999999\n", file: "l.txt") }
                == "l.txt: line 1: label 99999999999999 is out of range (expected 0...2147483647, or -100 for a distractor)")
    }
}
