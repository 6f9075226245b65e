import CJPEG

/// Chroma subsampling of an encoded JPEG.
public enum JPEGSubsampling: Sendable {
    /// Full-resolution colour (largest files, smallest colour error).
    case none
    /// Colour at half resolution in both directions: what OpenCV and PIL write by default, so
    /// files we write look like the ones users' packers produced.
    case halfBoth
}

/// Decodes a JPEG into RGB8. Grayscale input is replicated into the three channels; CMYK/YCCK input
/// is converted with libjpeg-turbo's convention for Adobe (inverted) CMYK: r = c·k/255.
///
/// Rule for bad data: TurboJPEG reports recoverable damage (a truncated file, a corrupt entropy
/// segment) as a *warning* and still fills the rest of the image with grey. Every warning is
/// thrown as an error here: a half-grey face would silently poison training data, whereas a thrown
/// error is skipped, counted and reported by the caller.
public func decodeJPEG(_ data: [UInt8]) throws -> RGBImage {
    guard let handle = tjInitDecompress() else { throw ImageIOError("cannot start the JPEG decoder") }
    defer { tjDestroy(handle) }
    var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
    let header = data.withUnsafeBufferPointer {
        tjDecompressHeader3(handle, $0.baseAddress, UInt(data.count), &width, &height, &subsampling, &colorspace)
    }
    if header != 0 { throw jpegError(handle, stage: "header") }
    try checkDimensions(Int(width), Int(height), format: "JPEG")
    let w = Int(width), h = Int(height)
    let isCMYK = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
    let channels = isCMYK ? 4 : 3
    var buffer = [UInt8](repeating: 0, count: w * h * channels)
    let format = isCMYK ? TJPF_CMYK : TJPF_RGB
    let status = data.withUnsafeBufferPointer { src in
        buffer.withUnsafeMutableBufferPointer { dst in
            tjDecompress2(handle, src.baseAddress, UInt(data.count), dst.baseAddress, width, 0, height,
                          Int32(format.rawValue), TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING)
        }
    }
    if status != 0 { throw jpegError(handle, stage: "data") }
    guard isCMYK else { return RGBImage(width: w, height: h, pixels: buffer) }
    var rgb = [UInt8](repeating: 0, count: w * h * 3)
    buffer.withUnsafeBufferPointer { src in
        rgb.withUnsafeMutableBufferPointer { dst in cmykToRGB(src.baseAddress!, dst.baseAddress!, count: w * h) }
    }
    return RGBImage(width: w, height: h, pixels: rgb)
}

/// Encodes RGB8 as a baseline JPEG at `quality` (1...100).
public func encodeJPEG(_ image: RGBImage, quality: Int = 95, subsampling: JPEGSubsampling = .halfBoth) throws -> [UInt8] {
    guard (1...100).contains(quality) else { throw ImageIOError("JPEG quality \(quality) is outside 1...100") }
    guard image.width > 0, image.height > 0 else { throw ImageIOError("cannot encode an empty \(image.width)x\(image.height) image as JPEG") }
    guard let handle = tjInitCompress() else { throw ImageIOError("cannot start the JPEG encoder") }
    defer { tjDestroy(handle) }
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size: UInt = 0
    let sampling = subsampling == .none ? TJSAMP_444 : TJSAMP_420
    let status = image.pixels.withUnsafeBufferPointer {
        tjCompress2(handle, $0.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                    &out, &size, Int32(sampling.rawValue), Int32(quality), TJFLAG_ACCURATEDCT)
    }
    defer { if let out { tjFree(out) } }
    if status != 0 { throw jpegError(handle, stage: "encode") }
    guard let out else { throw ImageIOError("JPEG encoder returned no data") }
    return Array(UnsafeBufferPointer(start: out, count: Int(size)))
}

private func jpegError(_ handle: tjhandle, stage: String) -> ImageIOError {
    let text = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
    let kind = tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue) ? "corrupt JPEG data" : "invalid JPEG"
    return ImageIOError("\(kind) (\(stage)): \(text)")
}

/// The largest image `decodeJPEG`, `decodePNG` and `decodeImage` accept: 2^26 = 67,108,864 pixels
/// (64 Mi, e.g. 8192×8192; decoding it takes 192 MiB of RGB, 256 MiB for CMYK JPEG). Face photos
/// are far smaller; a header claiming more is refused before any pixel buffer is allocated, so a
/// corrupt or hostile file cannot make the decoder allocate gigabytes. Each side is also at most 65,536.
public let maxImagePixels = 1 << 26

/// Refuses sizes whose pixel buffer would be absurd; a corrupt header must not allocate gigabytes.
func checkDimensions(_ width: Int, _ height: Int, format: String) throws {
    guard width > 0, height > 0 else {
        throw ImageIOError("\(format) header gives an empty size \(width)x\(height) (expected a positive width and height; the header is truncated or broken)")
    }
    guard width <= 1 << 16, height <= 1 << 16, width * height <= maxImagePixels else {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        throw ImageIOError("\(format) header claims \(width)x\(height) = \(overflow ? "too many" : "\(pixels)") pixels, more than the limit of \(maxImagePixels) (maxImagePixels, at most 65536 a side); refused before decoding")
    }
}

/// src: count×4 CMYK bytes (Adobe inverted) → dst: count×3 RGB bytes.
func cmykToRGB(_ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<UInt8>, count: Int) {
    for i in 0..<count {
        let k = UInt32(src[4 * i + 3])
        for c in 0..<3 { dst[3 * i + c] = UInt8((UInt32(src[4 * i + c]) * k + 127) / 255) }
    }
}
