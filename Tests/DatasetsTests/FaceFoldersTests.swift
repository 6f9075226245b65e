import Foundation
import Testing
import Datasets

@Suite struct FaceFoldersTests {
    private func put(_ dir: TempDir, _ rel: String, _ bytes: Data = fakeJPEG(1)) {
        let path = dir.file(rel)
        try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: bytes)
    }

    /// Classes in byte-wise order of folder names (uppercase before lowercase, "Z10" before "Z9",
    /// non-ASCII last), images by extension in any case, hidden entries and other files skipped.
    @Test func identityFoldersFollowImageFolderOrder() throws {
        let dir = TempDir()
        defer { dir.remove() }
        for rel in ["b/1.jpg", "B/1.png", "Z9/1.jpg", "Z10/1.jpg", "é/1.jpeg", ".hidden/1.jpg", "a/2.JPG", "a/10.jpeg",
                    "a/x.png", "a/sub/1.jpg", "a/.DS_Store", "a/readme.txt", "notes.txt"] {
            put(dir, rel, fakeJPEG(UInt64(rel.utf8.count)))
        }
        _ = dir.mkdir("empty")
        let f = try IdentityFolders(root: dir.path)
        #expect(f.classNames == ["B", "Z10", "Z9", "a", "b", "empty", "é"])
        #expect(f.images.map(\.path) == ["B/1.png", "Z10/1.jpg", "Z9/1.jpg", "a/10.jpeg", "a/2.JPG", "a/sub/1.jpg", "a/x.png", "b/1.jpg", "é/1.jpeg"])
        #expect(f.images.map(\.label) == [0, 1, 2, 3, 3, 3, 3, 4, 6])
        #expect(f.skippedFiles == ["a/readme.txt"])
        #expect(try f.imageBytes(at: 4) == fakeJPEG(UInt64("a/2.JPG".utf8.count)))
    }

    @Test func identityFolderWriterRoundTrip() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let root = dir.file("out")
        let w = try IdentityFolderWriter(root: root)
        try w.write(imageBytes: fakeJPEG(1), identity: "m.0001", fileName: "0001.jpg")
        try w.write(imageBytes: fakeJPEG(2), identity: "m.0002", fileName: "0001.jpg")
        try w.write(imageBytes: fakeJPEG(3), identity: "m.0001", fileName: "0002.jpg")
        #expect(!FileManager.default.fileExists(atPath: root))   // nothing visible before finish
        try w.finish()
        let f = try IdentityFolders(root: root)
        #expect(f.classNames == ["m.0001", "m.0002"])
        #expect(f.images == [IdentityImage(path: "m.0001/0001.jpg", label: 0), IdentityImage(path: "m.0001/0002.jpg", label: 0),
                             IdentityImage(path: "m.0002/0001.jpg", label: 1)])
        #expect(try (0..<3).map { try f.imageBytes(at: $0) } == [fakeJPEG(1), fakeJPEG(3), fakeJPEG(2)])
        #expect(errorMessage { try w.write(imageBytes: Data(), identity: "../x", fileName: "a.jpg") }
                == "\(root): '../x' is not a plain visible file or folder name")
    }

    /// RecordIO → folders → RecordIO keeps every image's bytes and class.
    @Test func convertRecordIOThroughFoldersAndBack() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let labels = [0, 0, 1, 2, 2, 2, 10, 11]
        let payloads = labels.indices.map { fakeJPEG(UInt64($0), width: 96, height: 80) }
        let w = try RecordIOWriter(directory: dir.file("rec"), labelForm: .array)
        for (p, l) in zip(payloads, labels) { try w.append(imageBytes: p, label: l) }
        try w.finish()
        let s1 = try FaceConversion.recordIOToFolders(from: dir.file("rec"), to: dir.file("folders"))
        #expect(s1.images == 8 && s1.skipped.isEmpty)
        let f = try IdentityFolders(root: dir.file("folders"))
        // Zero-padded names keep numeric order under ImageFolder's lexicographic numbering.
        #expect(f.classNames == ["00", "01", "02", "10", "11"])
        #expect(f.images.first?.path == "00/1.jpg")
        var seen = 0
        let s2 = try FaceConversion.foldersToRecordIO(from: dir.file("folders"), to: dir.file("back")) { done, total in
            seen = done
            #expect(total == 8)
        }
        #expect(seen == 8 && s2.identities == 5)
        let back = try RecordIOReader(directory: dir.file("back"))
        #expect(back.property == RecordIOProperty(classes: 5, height: 80, width: 96))
        #expect(try (0..<8).map { try back.record(at: $0).imageBytes } == payloads)
        #expect(try (0..<8).map { try back.record(at: $0).label } == [0, 0, 1, 2, 2, 2, 3, 4])
    }

    @Test func lfwPairsFileToBin() throws {
        let dir = TempDir()
        defer { dir.remove() }
        for name in ["Abel_Pacheco", "Bob"] { for n in 1...2 { put(dir, "lfw/\(name)/\(name)_000\(n).jpg", fakeJPEG(UInt64(name.count * 10 + n))) } }
        let pairsFile = dir.file("pairs.txt")
        try DataFile.write(Array("2\t1\nAbel_Pacheco\t1\t2\nAbel_Pacheco\t1\tBob\t1\nBob\t1\t2\nBob\t2\tAbel_Pacheco\t2\n".utf8), to: pairsFile)
        let pairs = try LFWPairs(path: pairsFile)
        #expect(pairs.folds == 2 && pairs.pairsPerFold == 2)
        #expect(pairs.pairs[1] == LFWPair(first: "Abel_Pacheco/Abel_Pacheco_0001.jpg", second: "Bob/Bob_0001.jpg", isSame: false, line: 3))
        _ = try FaceConversion.lfwPairsToBin(pairs: pairsFile, images: dir.file("lfw"), to: dir.file("lfw.bin"))
        let bin = try VerificationBin(path: dir.file("lfw.bin"))
        #expect(bin.isSame == [true, false, true, false])
        #expect(bin.images[0] == fakeJPEG(121) && bin.images[1] == fakeJPEG(122) && bin.images[3] == fakeJPEG(31) && bin.images[7] == fakeJPEG(122))

        try FileManager.default.removeItem(atPath: dir.file("lfw/Bob/Bob_0002.jpg"))
        #expect(errorMessage { _ = try pairs.verificationBin(imageFolder: dir.file("lfw")) }
                == "\(pairsFile): line 4: image \(dir.file("lfw"))/Bob/Bob_0002.jpg does not exist")
        try DataFile.write(Array("10\t300\nBob\t1\t2\n".utf8), to: pairsFile)
        #expect(errorMessage { _ = try LFWPairs(path: pairsFile) }
                == "\(pairsFile): line 2: the header announces 10 folds × (300 matched + 300 mismatched) = 6000 pairs, found 1 lines")
    }

    /// The official Testing_Set layout and AdaFace's aligned copy, with labels from file names.
    @Test func tinyFaceBothLayouts() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let ts = "tinyface/Testing_Set"
        for rel in ["Probe/1_1.jpg", "Probe/2_1.jpg", "Gallery_Match/1_2.jpg", "Gallery_Match/1_3.jpg", "Gallery_Match/2_2.jpg",
                    "Gallery_Distractor/0_a_b.jpg", "Gallery_Distractor/sub/x.png", "Gallery_Distractor/readme.txt"] {
            put(dir, "\(ts)/\(rel)")
            put(dir, "\(TinyFace.alignedFolderName)/\(rel)")
        }
        func cell(_ names: [String]) -> MATValue { .cell(shape: [names.count, 1], elements: names.map { .char(rows: [$0]) }) }
        try MATWriter.write([("probe_set", cell(["1_1.jpg", "2_1.jpg"])), ("probe_ids", .numeric(shape: [2, 1], values: [1, 2]))],
                            to: dir.file("\(ts)/probe_img_ID_pairs.mat"))
        try MATWriter.write([("gallery_set", cell(["1_2.jpg", "1_3.jpg", "2_2.jpg"])), ("gallery_ids", .numeric(shape: [3, 1], values: [1, 1, 7]))],
                            to: dir.file("\(ts)/gallery_match_img_ID_pairs.mat"), compressed: false)

        let official = try TinyFace(root: dir.path, layout: .official)
        #expect(official.testingSet == dir.file(ts))
        #expect(official.probes == [TinyFaceImage(path: dir.file("\(ts)/Probe/1_1.jpg"), label: 1),
                                    TinyFaceImage(path: dir.file("\(ts)/Probe/2_1.jpg"), label: 2)])
        #expect(official.galleryMatch.map(\.label) == [1, 1, 2])
        #expect(official.distractors == [TinyFaceImage(path: dir.file("\(ts)/Gallery_Distractor/0_a_b.jpg"), label: -100),
                                         TinyFaceImage(path: dir.file("\(ts)/Gallery_Distractor/sub/x.png"), label: -100)])
        #expect(official.gallery.count == 5)
        #expect(official.problems == ["gallery_match_img_ID_pairs.mat: 2_2.jpg has id 7.0 but file-name label 2"])

        let aligned = try TinyFace(root: dir.path)
        #expect(aligned.layout == .aligned)
        #expect(aligned.probes[0].path == dir.file("\(TinyFace.alignedFolderName)/Probe/1_1.jpg"))
        #expect(aligned.distractors.count == 2)
        // The Testing_Set folder itself is accepted too (official layout, no aligned copy beside it).
        #expect(try TinyFace(root: dir.file(ts)).layout == .official)

        try FileManager.default.removeItem(atPath: dir.file("\(ts)/probe_img_ID_pairs.mat"))
        try MATWriter.write([("probe_set", cell(["1_1.jpg"]))], to: dir.file("\(ts)/probe_img_ID_pairs.mat"))
        #expect(errorMessage { _ = try TinyFace(root: dir.path) }
                == "\(dir.file(ts))/probe_img_ID_pairs.mat: no variable 'probe_ids' (variables present: probe_set)")
    }
}
