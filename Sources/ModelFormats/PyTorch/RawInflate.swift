import CZlib

/// Inflates a raw deflate stream (a ZIP entry with method 8: no zlib header, hence window bits
/// -15) into exactly `size` bytes. `torch.save` stores its entries uncompressed; compressed ones
/// appear when an archive was repacked by another tool.
enum RawInflate {
    /// Deflate expands at most about 1032:1, so a larger claimed size is a lie that would only
    /// reserve memory.
    static let maxRatio = 1032

    static func inflate(_ input: ArraySlice<UInt8>, size: Int, file: String, entry: String) throws -> [UInt8] {
        func fail(_ what: String) -> ModelFormatError { ModelFormatError(file: file, "ZIP entry \(entry): \(what)") }
        let (bound, overflow) = input.count.multipliedReportingOverflow(by: maxRatio)
        guard size >= 0, overflow || size <= bound + 64 else {
            throw fail("claims \(size) bytes inflated from \(input.count), more than deflate can produce")
        }
        guard !input.isEmpty else { throw fail("empty deflate stream") }
        guard input.count <= Int(UInt32.max), size <= Int(UInt32.max) else { throw fail("deflated entry larger than 4 GiB") }
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not initialise")
        }
        defer { inflateEnd(&stream) }
        // One spare byte shows a stream that would inflate to more than its entry claims.
        var output = [UInt8](repeating: 0, count: size + 1)
        let status: Int32 = input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw fail(status == Z_BUF_ERROR || status == Z_OK ? "deflate stream does not end within its \(size) bytes" : "corrupt deflate stream (zlib status \(status))")
        }
        guard Int(stream.total_out) == size else { throw fail("inflates to \(stream.total_out) bytes, the directory says \(size)") }
        output.removeLast()
        return output
    }
}
