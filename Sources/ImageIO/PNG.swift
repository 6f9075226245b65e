import CPNG

/// Decodes a PNG into RGB8 with libpng's simplified API, which converts every PNG colour type:
/// grey is replicated, palettes are expanded, 16-bit samples are reduced to 8 bits and alpha is
/// composited onto black (the same black that alignment and cropping use for missing pixels).
/// libpng's internal longjmp never leaves the library: failures come back as a zero return.
public func decodePNG(_ data: [UInt8]) throws -> RGBImage {
    // libpng keeps the input pointer from begin_read until finish_read, so both run inside one
    // pinning closure.
    try data.withUnsafeBytes { raw in
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
            throw pngError(&image, stage: "header")
        }
        let w = Int(image.width), h = Int(image.height)
        do { try checkDimensions(w, h, format: "PNG") } catch { png_image_free(&image); throw error }
        image.format = UInt32(PNG_FORMAT_RGB)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        var black = png_color(red: 0, green: 0, blue: 0)
        let done = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, &black, $0.baseAddress, Int32(w * 3), nil) }
        guard done != 0 else { throw pngError(&image, stage: "data") }
        return RGBImage(width: w, height: h, pixels: pixels)
    }
}

/// Encodes RGB8 as an 8-bit RGB PNG (lossless).
public func encodePNG(_ image: RGBImage) throws -> [UInt8] {
    guard image.width > 0, image.height > 0 else { throw ImageIOError("cannot encode an empty \(image.width)x\(image.height) image as PNG") }
    var png = png_image()
    png.version = UInt32(PNG_IMAGE_VERSION)
    png.width = UInt32(image.width)
    png.height = UInt32(image.height)
    png.format = UInt32(PNG_FORMAT_RGB)
    let stride = Int32(image.width * 3)
    var size = 0
    // First pass measures, second writes: the simplified API has no growable output buffer.
    let measured = image.pixels.withUnsafeBytes { png_image_write_to_memory(&png, nil, &size, 0, $0.baseAddress, stride, nil) }
    guard measured != 0, size > 0 else { throw pngError(&png, stage: "encode") }
    var out = [UInt8](repeating: 0, count: size)
    let written = image.pixels.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { png_image_write_to_memory(&png, $0.baseAddress, &size, 0, src.baseAddress, stride, nil) }
    }
    guard written != 0 else { throw pngError(&png, stage: "encode") }
    return Array(out[0..<size])
}

private func pngError(_ image: inout png_image, stage: String) -> ImageIOError {
    let message = withUnsafeBytes(of: image.message) { raw -> String in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
    png_image_free(&image)
    return ImageIOError("invalid PNG (\(stage)): \(message.isEmpty ? "unknown error" : message)")
}
