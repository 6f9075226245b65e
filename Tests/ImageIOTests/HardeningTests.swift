import Foundation
import Testing
import ImageIO
#if canImport(Glibc)
import Glibc
#endif

/// Issue 18: images whose header claims a huge size, FIFOs, and landmark lines that lead out of the
/// images folder (which once made `align` overwrite an input).
@Suite struct ImageHardeningTests {
    private let template = [Point2D(x: 38.29, y: 51.70), Point2D(x: 73.53, y: 51.50), Point2D(x: 56.03, y: 71.74),
                            Point2D(x: 41.55, y: 92.37), Point2D(x: 70.73, y: 92.20)]

    private func tempDir() -> String {
        let p = NSTemporaryDirectory() + "facenas-imageio-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    private func write(_ bytes: [UInt8], _ path: String) {
        try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    private func read(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }

    private func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    private func be(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    /// A 16000×16000 header is refused before the 768 MB pixel buffer is allocated.
    @Test func hugeJPEGAndPNGHeadersAreRefusedBeforeDecoding() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var jpeg = try encodeJPEG(smoothImage(width: 16, height: 16))
        let sof = try #require((0..<jpeg.count - 1).first { jpeg[$0] == 0xff && jpeg[$0 + 1] == 0xc0 })
        jpeg.replaceSubrange(sof + 5..<sof + 9, with: be(16000, 2) + be(16000, 2))
        write(jpeg, dir + "/big.jpg")
        let expected = "JPEG header claims 16000x16000 = 256000000 pixels, more than the limit of 67108864 (maxImagePixels, at most 65536 a side); refused before decoding"
        #expect(throws: ImageIOError("\(dir)/big.jpg: \(expected)")) { _ = try readImageFile(dir + "/big.jpg") }

        var png = try encodePNG(smoothImage(width: 16, height: 16))
        png.replaceSubrange(16..<24, with: be(16000, 4) + be(16000, 4))
        png.replaceSubrange(29..<33, with: be(Int(crc32(png[12..<29])), 4))
        #expect(throws: ImageIOError("PNG header claims 16000x16000 = 256000000 pixels, more than the limit of 67108864 (maxImagePixels, at most 65536 a side); refused before decoding")) {
            _ = try decodeImage(png)
        }
        #expect(maxImagePixels == 1 << 26)
    }

    @Test func imageFIFOIsRefused() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/pipe.jpg", 0o644) == 0)
        #expect(throws: ImageIOError("\(dir)/pipe.jpg: cannot read (is a FIFO, expected a regular file)")) { _ = try readImageFile(dir + "/pipe.jpg") }
        #expect(mkfifo(dir + "/lm.txt", 0o644) == 0)
        #expect(throws: ImageIOError("\(dir)/lm.txt: cannot read the landmark file (is a FIFO, expected a regular file)")) { _ = try readLandmarkFile(dir + "/lm.txt") }
    }

    @Test func landmarkLinesLeavingTheImagesFolderAreRefused() throws {
        let numbers = " 1 2 3 4 5 6 7 8 9 10"
        #expect(throws: ImageIOError("lm.txt:2: '../x.jpg' has a '..' component, expected a path inside the images folder")) {
            _ = try parseLandmarks("a.jpg" + numbers + "\n../x.jpg" + numbers + "\n", file: "lm.txt")
        }
        #expect(throws: ImageIOError("lm.txt:1: '/etc/x.jpg' is an absolute path, expected a path inside the images folder")) {
            _ = try parseLandmarks("/etc/x.jpg" + numbers, file: "lm.txt")
        }
        #expect(try parseLandmarks("../x.jpg" + numbers, file: "lm.txt", allowOutside: true).map(\.path) == ["../x.jpg"])
        #expect(alignedName("../x.jpg") == "_parent_/x.jpg" && alignedName("/etc/x.jpg") == "etc/x.jpg" && alignedName("a/b.bmp") == "a/b.png")
    }

    /// `align --images A/imgs --out A/out` with a line naming `../x.png` once read A/x.png and wrote
    /// the crop over it.
    @Test func alignNeverWritesOverAnInput() throws {
        let a = tempDir()
        defer { try? FileManager.default.removeItem(atPath: a) }
        let photo = try encodePNG(smoothImage(width: 112, height: 112))
        write(photo, a + "/x.png")
        write(photo, a + "/imgs/y.png")
        try FileManager.default.createSymbolicLink(atPath: a + "/imgs/link", withDestinationPath: a)
        let entries = [LandmarkEntry(path: "../x.png", landmarks: template), LandmarkEntry(path: "link/x.png", landmarks: template),
                       LandmarkEntry(path: "y.png", landmarks: template)]

        let s = alignFolder(entries: entries, imagesFolder: a + "/imgs", outputFolder: a + "/out")
        #expect(s.aligned == 1)
        #expect(s.failures.count == 2, "\(s.failures)")
        #expect(s.failures.first == "\(a)/imgs/../x.png: refused: '../x.png' has a '..' component, expected a path inside \(a)/imgs")
        #expect(s.failures.last?.hasPrefix("\(a)/imgs/link/x.png: refused: 'link/x.png' leads out of \(a)/imgs through a symbolic link") == true)
        #expect(read(a + "/x.png") == photo && read(a + "/imgs/y.png") == photo)
        #expect(FileManager.default.fileExists(atPath: a + "/out/y.png"))

        // Allowed on request, the output still lands inside the output folder.
        let allowed = alignFolder(entries: [entries[0]], imagesFolder: a + "/imgs", outputFolder: a + "/out2", allowOutside: true)
        #expect(allowed.aligned == 1 && read(a + "/x.png") == photo)
        #expect(FileManager.default.fileExists(atPath: a + "/out2/_parent_/x.png"))

        // Output folders that are, lie inside or contain the images folder align nothing.
        for (out, relation) in [(a + "/imgs", "is"), (a + "/imgs/out", "lies inside"), (a, "contains"), (a + "/imgs/link/imgs", "is")] {
            let r = alignFolder(entries: [entries[2]], imagesFolder: a + "/imgs", outputFolder: out)
            #expect(r.aligned == 0 && r.failures.count == 1)
            #expect(r.failures.first?.hasPrefix("\(out): the output folder \(relation) the images folder \(a)/imgs (") == true, "\(r.failures)")
            #expect(throws: ImageIOError.self) { try checkAlignmentFolders(imagesFolder: a + "/imgs", outputFolder: out) }
        }
        #expect(read(a + "/imgs/y.png") == photo)
    }
}
