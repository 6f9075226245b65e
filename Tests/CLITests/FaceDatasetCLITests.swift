import Foundation
import Testing
import Datasets

/// `facenas dataset info` on every face kind and `dataset convert` round trips, through the binary.
@Suite struct FaceDatasetCLITests {
    /// An encoded-looking image: JPEG SOI, a frame header of `side`×`side`, distinct bytes, EOI.
    static func image(_ i: Int, side: Int = 112) -> Data {
        Data([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, UInt8(side), 0, UInt8(side), 1, 1, 0x11, 0]
             + (0..<20).map { UInt8(truncatingIfNeeded: $0 * 7 + i * 13) }
             + [0x0a, 0x23, 0xd7, 0xce, 0xff, 0xd9])   // a magic word inside: split records
    }

    static func writeRecordIO(_ path: String, labels: [Int]) throws {
        let w = try RecordIOWriter(directory: path, labelForm: .array)
        for (i, l) in labels.enumerated() { try w.append(imageBytes: image(i), label: l) }
        try w.finish()
    }

    @Test func infoDescribesRecordIOAndItsProblems() throws {
        let dir = CLI.temporaryDirectory("info-rec")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeRecordIO(dir + "/rec", labels: [0, 0, 1, 2, 2, 2])
        let r = try CLI.run(["dataset", "info", dir + "/rec"])
        #expect(r.status == 0, "\(r.stderr)")
        for line in ["kind: recordio", "images: 6", "identities: 3 (header record)", "image size: 112x112 (property: 3,112,112)",
                     "index: train.idx", "first image: jpeg 112x112, 41 bytes", "problems: none"] {
            #expect(r.stdout.contains(line + "\n") || r.stdout.hasSuffix(line), "missing '\(line)' in:\n\(r.stdout)")
        }
        try DataFile.write(Array("4,112,112\n".utf8), to: dir + "/rec/property")
        let spec = try CLI.run(["dataset", "info", "recordio:" + dir + "/rec"])
        #expect(spec.status == 0, "\(spec.stderr)")
        #expect(spec.stdout.contains("problems: 1\n  - property says 4 classes but the data has 3 identities (header record)"), "\(spec.stdout)")
    }

    @Test func infoDescribesBinFoldersAndTinyFace() throws {
        let dir = CLI.temporaryDirectory("info-face")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bin = VerificationBin(images: (0..<46).map { Self.image($0) }, isSame: (0..<23).map { $0 < 12 })
        try bin.write(to: dir + "/lfw.bin")
        let b = try CLI.run(["dataset", "info", dir + "/lfw.bin"])
        #expect(b.status == 0, "\(b.stderr)")
        for line in ["kind: bin", "pairs: 23 (12 same, 11 different)", "folds: 10 × 2 pairs (the first 3 folds get one more)",
                     "images: 46", "first image: jpeg 112x112, 41 bytes"] {
            #expect(b.stdout.contains(line), "missing '\(line)' in:\n\(b.stdout)")
        }

        let w = try IdentityFolderWriter(root: dir + "/ids")
        for (i, who) in ["ann", "ann", "bob", "cy", "cy", "cy"].enumerated() {
            try w.write(imageBytes: Self.image(i), identity: who, fileName: "\(i).jpg")
        }
        try w.finish()
        let f = try CLI.run(["dataset", "info", dir + "/ids"])
        #expect(f.status == 0, "\(f.stderr)")
        #expect(f.stdout.contains("kind: folders") && f.stdout.contains("identities: 3\nimages: 6 (1–3 per identity)"), "\(f.stdout)")

        let ts = dir + "/tf/Testing_Set"
        for rel in ["Probe/1_1.jpg", "Probe/2_1.jpg", "Probe/2_2.jpg", "Gallery_Match/1_2.jpg", "Gallery_Match/2_3.jpg",
                    "Gallery_Distractor/x_1.jpg", "Gallery_Distractor/y_1.jpg", "Gallery_Distractor/z_1.jpg"] {
            try FileManager.default.createDirectory(atPath: ts + "/" + (rel as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: ts + "/" + rel, contents: Self.image(0))
        }
        func cell(_ n: [String]) -> MATValue { .cell(shape: [n.count, 1], elements: n.map { .char(rows: [$0]) }) }
        try MATWriter.write([("probe_set", cell(["1_1.jpg", "2_1.jpg", "2_2.jpg"])), ("probe_ids", .numeric(shape: [3, 1], values: [1, 2, 2]))],
                            to: ts + "/probe_img_ID_pairs.mat")
        try MATWriter.write([("gallery_set", cell(["1_2.jpg", "2_3.jpg"])), ("gallery_ids", .numeric(shape: [2, 1], values: [1, 2]))],
                            to: ts + "/gallery_match_img_ID_pairs.mat")
        let t = try CLI.run(["dataset", "info", dir + "/tf"])
        #expect(t.status == 0, "\(t.stderr)")
        for line in ["kind: tinyface (official layout)", "probes: 3 (2 identities)", "gallery: 5 (2 matches + 3 distractors)", "problems: none"] {
            #expect(t.stdout.contains(line), "missing '\(line)' in:\n\(t.stdout)")
        }
    }

    @Test func convertRoundTripRecordIOFoldersRecordIO() throws {
        let dir = CLI.temporaryDirectory("convert")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let labels = [0, 1, 1, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 10]
        try Self.writeRecordIO(dir + "/rec", labels: labels)
        let a = try CLI.run(["dataset", "convert", "--from", "recordio:\(dir)/rec", "--to", "folders:\(dir)/ids"])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout.contains("wrote folders:\(dir)/ids: 15 images, 11 identities"), "\(a.stdout)")
        #expect(a.stderr.contains("converting ["), "progress lines on stderr: \(a.stderr)")
        let b = try CLI.run(["dataset", "convert", "--from", "folders:\(dir)/ids", "--to", "recordio:\(dir)/back"])
        #expect(b.status == 0, "\(b.stderr)")
        let original = try RecordIOReader(directory: dir + "/rec"), back = try RecordIOReader(directory: dir + "/back")
        #expect(back.count == 15 && back.identities == 11 && back.property == original.property)
        for i in 0..<15 {
            let x = try original.record(at: i), y = try back.record(at: i)
            #expect(x.label == y.label && x.imageBytes == y.imageBytes, "image \(i)")
        }
        let again = try CLI.run(["dataset", "convert", "--from", "folders:\(dir)/ids", "--to", "recordio:\(dir)/back"])
        #expect(again.status != 0)
        #expect(again.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                == "Error: \(dir)/back: already exists and is not an empty folder (refusing to overwrite)")
    }

    @Test func convertLFWPairsToBinAndRefuseBadPickles() throws {
        let dir = CLI.temporaryDirectory("convert-lfw")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["Ann", "Bo"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/lfw/\(name)", withIntermediateDirectories: true)
            for n in 1...2 { FileManager.default.createFile(atPath: "\(dir)/lfw/\(name)/\(name)_000\(n).jpg", contents: Self.image(n + name.count)) }
        }
        try DataFile.write(Array("1\nAnn 1 2\nAnn 2 Bo 1\n".utf8), to: dir + "/pairs.txt")
        let r = try CLI.run(["dataset", "convert", "--from", "lfw-pairs:\(dir)/pairs.txt", "--images", dir + "/lfw", "--to", "bin:\(dir)/x.bin"])
        #expect(r.status == 0, "\(r.stderr)")
        let bin = try VerificationBin(path: dir + "/x.bin")
        #expect(bin.isSame == [true, false] && bin.images == [Self.image(4), Self.image(5), Self.image(5), Self.image(3)])
        let missing = try CLI.run(["dataset", "convert", "--from", "lfw-pairs:\(dir)/pairs.txt", "--to", "bin:\(dir)/y.bin"])
        #expect(missing.status != 0 && missing.stderr.contains("--images DIR"), "\(missing.stderr)")

        try DataFile.write([0x80, 2, 0x5d, 0x28, 0x81, 0x2e], to: dir + "/evil.bin")
        let evil = try CLI.run(["dataset", "info", dir + "/evil.bin"])
        #expect(evil.status != 0)
        #expect(evil.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                == "Error: \(dir)/evil.bin: at byte 4: unsupported pickle opcode 0x81 NEWOBJ (a verification .bin holds a tuple of a list of bytes or numpy uint8 arrays and a list of bools)")
    }
}
