import Foundation

/// Reads and decodes an image file; errors are one line starting with the path.
public func readImageFile(_ path: String) throws -> RGBImage {
    let data: [UInt8]
    switch FileSafety.readRegular(path) {
    case let .success(bytes): data = bytes
    case let .failure(e):
        throw ImageIOError("\(path): cannot read (\(FileManager.default.fileExists(atPath: path) ? e.reason : "no such file"))")
    }
    do { return try decodeImage(data) } catch let e as ImageIOError { throw ImageIOError("\(path): \(e.message)") }
}

/// Encodes by extension — .jpg/.jpeg (any case) as JPEG at `jpegQuality`, everything else as PNG —
/// and writes atomically, creating missing parent folders.
public func writeImageFile(_ image: RGBImage, to path: String, jpegQuality: Int = 95) throws {
    let ext = (path as NSString).pathExtension.lowercased()
    let bytes: [UInt8]
    do { bytes = ext == "jpg" || ext == "jpeg" ? try encodeJPEG(image, quality: jpegQuality) : try encodePNG(image) } catch let e as ImageIOError {
        throw ImageIOError("\(path): \(e.message)")
    }
    let url = URL(fileURLWithPath: path)
    do {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    } catch {
        throw ImageIOError("\(path): cannot write (\(error.localizedDescription))")
    }
}
