import CJPEG
import CPNG
import ImageIO
import Testing

@Suite struct CodecTests {
    @Test(arguments: [(1, 1), (37, 23), (112, 112)])
    func pngRoundTripIsExact(size: (Int, Int)) throws {
        let im = noiseImage(width: size.0, height: size.1, seed: 7)
        let bytes = try encodePNG(im)
        #expect(ImageFormat(sniffing: bytes) == .png)
        #expect(try decodePNG(bytes) == im)
        #expect(try decodeImage(bytes) == im)
    }

    /// Quality 95 on a smooth image: mean absolute error per channel value below 1.0 grey level with
    /// 4:2:0 chroma (measured 0.64) and below 0.8 without subsampling (measured 0.56).
    @Test func jpegRoundTripIsClose() throws {
        let im = smoothImage(width: 112, height: 96)
        for (subsampling, bound) in [(JPEGSubsampling.halfBoth, 1.0), (.none, 0.8)] {
            let bytes = try encodeJPEG(im, quality: 95, subsampling: subsampling)
            #expect(ImageFormat(sniffing: bytes) == .jpeg)
            let back = try decodeImage(bytes)
            #expect(back.width == im.width && back.height == im.height)
            let mae = zip(back.pixels, im.pixels).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(im.pixels.count)
            print("JPEG q95 \(subsampling) mean abs error: \(mae)")
            #expect(mae < bound, "mean abs error \(mae) for \(subsampling)")
        }
    }

    @Test func grayscaleJPEGBecomesRGB() throws {
        let w = 16, h = 8
        let gray = (0..<w * h).map { UInt8($0 * 2 % 256) }
        let bytes = try tjEncode(gray, width: w, height: h, format: TJPF_GRAY, sampling: TJSAMP_GRAY)
        let im = try decodeJPEG(bytes)
        #expect(im.width == w && im.height == h)
        for i in 0..<w * h {
            let (r, g, b) = (im.pixels[3 * i], im.pixels[3 * i + 1], im.pixels[3 * i + 2])
            #expect(r == g && g == b)
            #expect(abs(Int(r) - Int(gray[i])) <= 3)
        }
    }

    /// A CMYK JPEG of a flat colour decodes to the RGB libjpeg-turbo's inverted-CMYK convention gives.
    @Test func cmykJPEGBecomesRGB() throws {
        let w = 16, h = 16
        let cmyk = [UInt8]((0..<w * h).flatMap { _ in [UInt8(200), 100, 255, 180] })
        let bytes = try tjEncode(cmyk, width: w, height: h, format: TJPF_CMYK, sampling: TJSAMP_444)
        let im = try decodeJPEG(bytes)
        let expected = [200 * 180 / 255, 100 * 180 / 255, 255 * 180 / 255]
        for c in 0..<3 { #expect(abs(Int(im.pixels[(8 * w + 8) * 3 + c]) - expected[c]) <= 3, "channel \(c): \(im.pixels[(8 * w + 8) * 3 + c])") }
    }

    @Test func grayAlphaAnd16BitPNGBecomeRGB8() throws {
        // 8-bit grey: replicated exactly.
        let gray: [UInt8] = [0, 17, 128, 255]
        var im = try decodePNG(pngEncode(gray, width: 2, height: 2, format: UInt32(PNG_FORMAT_GRAY)))
        #expect(im.pixels == gray.flatMap { [$0, $0, $0] })
        // RGBA: opaque pixels keep their colour, transparent ones become black.
        let rgba: [UInt8] = [10, 200, 30, 255, 90, 90, 90, 0]
        im = try decodePNG(pngEncode(rgba, width: 2, height: 1, format: UInt32(PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA)))
        #expect(im.pixels == [10, 200, 30, 0, 0, 0])
        // 16-bit (linear) grey: the extremes map to 0 and 255, all channels equal, order preserved.
        let wide: [UInt16] = [0, 1000, 30000, 65535]
        let bytes = try wide.withUnsafeBytes { try pngEncode(Array($0), width: 4, height: 1, format: UInt32(PNG_FORMAT_LINEAR_Y)) }
        im = try decodePNG(bytes)
        let reds: [UInt8] = (0..<4).map { im.pixels[3 * $0] }
        #expect(reds.first == 0 && reds.last == 255 && reds == reds.sorted())
        for i in 0..<4 {
            let (r, g, b) = im[i, 0]
            #expect(r == g && g == b)
        }
    }

    @Test func truncatedAndGarbageJPEGThrow() throws {
        let bytes = try encodeJPEG(smoothImage(width: 64, height: 64), quality: 90)
        // Cut inside the entropy-coded data: libjpeg only warns ("premature end"), we must throw.
        for cut in [bytes.count / 2, bytes.count - 8, 20] {
            #expect(throws: ImageIOError.self, "cut at \(cut) of \(bytes.count)") { try decodeImage(Array(bytes.prefix(cut))) }
        }
        do {
            _ = try decodeJPEG(Array(bytes.prefix(bytes.count / 2)))
        } catch let e as ImageIOError {
            print("truncated JPEG: \(e)")
            #expect(e.message.hasPrefix("corrupt JPEG data"), "the truncation should arrive through the warning rule: \(e)")
        }
        var garbage = Array(bytes.prefix(3)) + [UInt8](repeating: 0x5A, count: 500)
        #expect(throws: ImageIOError.self) { try decodeImage(garbage) }
        // Entropy data overwritten in the middle of the scan.
        garbage = bytes
        for i in stride(from: bytes.count / 3, to: bytes.count / 3 + 200, by: 1) { garbage[i] = 0xFF }
        #expect(throws: ImageIOError.self) { try decodeJPEG(garbage) }
    }

    @Test func truncatedAndGarbagePNGThrow() throws {
        let bytes = try encodePNG(noiseImage(width: 40, height: 40, seed: 3))
        for cut in [bytes.count / 2, bytes.count - 13, 8, 30] {
            #expect(throws: ImageIOError.self, "cut at \(cut) of \(bytes.count)") { try decodeImage(Array(bytes.prefix(cut))) }
        }
        var corrupt = bytes
        corrupt[bytes.count / 2] ^= 0xFF   // IDAT CRC no longer matches
        #expect(throws: ImageIOError.self) { try decodePNG(corrupt) }
    }

    @Test func unknownBytesNameTheExpectedFormats() {
        do {
            _ = try decodeImage([0x47, 0x49, 0x46, 0x38, 0x39])
            Issue.record("a GIF header decoded")
        } catch let e as ImageIOError {
            #expect(e.message.contains("47 49 46 38") && e.message.contains("expected JPEG (FF D8 FF) or PNG (89 50 4E 47)"), "\(e)")
        } catch { Issue.record("\(error)") }
        #expect(throws: ImageIOError.self) { try decodeImage([]) }
    }
}

private func tjEncode(_ pixels: [UInt8], width: Int, height: Int, format: TJPF, sampling: TJSAMP) throws -> [UInt8] {
    let handle = try #require(tjInitCompress())
    defer { tjDestroy(handle) }
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size: UInt = 0
    let status = pixels.withUnsafeBufferPointer {
        tjCompress2(handle, $0.baseAddress, Int32(width), 0, Int32(height), Int32(format.rawValue), &out, &size, Int32(sampling.rawValue), 95, 0)
    }
    defer { tjFree(out) }
    try #require(status == 0)
    return Array(UnsafeBufferPointer(start: out, count: Int(size)))
}

private func pngEncode(_ bytes: [UInt8], width: Int, height: Int, format: UInt32) throws -> [UInt8] {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    image.width = UInt32(width); image.height = UInt32(height); image.format = format
    var size = 0
    _ = bytes.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
    var out = [UInt8](repeating: 0, count: size)
    let ok = bytes.withUnsafeBytes { src in out.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, src.baseAddress, 0, nil) } }
    try #require(ok != 0)
    return Array(out.prefix(size))
}
