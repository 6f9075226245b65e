import CZlib

/// Whole-buffer gzip compression and decompression through zlib. Data-set files are small enough
/// (tens of MB) to be held in memory, so there is no streaming interface.
public enum Gzip {
    /// True when `bytes` starts with the gzip magic 1f 8b (the file name is never consulted).
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Inflates a gzip (or zlib) stream; concatenated gzip members are joined, as `gunzip` does.
    /// `file` only names the source in error messages.
    public static func decompress(_ input: [UInt8], file: String = "<memory>") throws -> [UInt8] {
        var strm = z_stream()
        // windowBits 15 + 32: accept both gzip and zlib headers, detected automatically.
        guard inflateInit2_(&strm, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError.corruptGzip(file: file, offset: 0, reason: "zlib could not initialise (\(zlibMessage(strm)))")
        }
        defer { inflateEnd(&strm) }

        // The gzip trailer's ISIZE (uncompressed size mod 2^32) sizes the output in one go when plausible.
        var capacity = max(4 * input.count, 1024)
        if input.count >= 18 {
            let n = input.count
            let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            // Deflate expands at most ~1032:1; a larger value means a damaged or cut trailer.
            if isize >= input.count / 2 && isize <= input.count * 1032 { capacity = isize + 64 }
        }
        var out = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        var consumed = 0

        try input.withUnsafeBufferPointer { inBuf in
            guard let inBase = inBuf.baseAddress else {
                throw DatasetError.corruptGzip(file: file, offset: 0, reason: "empty input (expected a gzip header)")
            }
            while true {
                if produced == out.count { out.append(contentsOf: repeatElement(0, count: out.count)) }
                let inChunk = min(input.count - consumed, Int(UInt32.max))
                strm.next_in = UnsafeMutablePointer(mutating: inBase + consumed)
                strm.avail_in = UInt32(inChunk)
                var outChunk = 0
                let ret: Int32 = out.withUnsafeMutableBufferPointer { ob in
                    outChunk = min(ob.count - produced, Int(UInt32.max))
                    strm.next_out = ob.baseAddress! + produced
                    strm.avail_out = UInt32(outChunk)
                    return inflate(&strm, Z_NO_FLUSH)
                }
                consumed += inChunk - Int(strm.avail_in)
                produced += outChunk - Int(strm.avail_out)
                switch ret {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    if consumed == input.count { return }
                    let rest = inBuf[consumed...]
                    if rest.count >= 2 && rest[consumed] == 0x1f && rest[consumed + 1] == 0x8b {
                        inflateReset(&strm)          // another gzip member follows
                        continue
                    }
                    if rest.allSatisfy({ $0 == 0 }) { return }   // zero padding after the stream (tape tools)
                    throw DatasetError.corruptGzip(file: file, offset: consumed,
                                                   reason: "\(rest.count) unexpected bytes after the end of the gzip stream")
                case Z_BUF_ERROR:
                    if strm.avail_out == 0 { continue }          // output full: grow on the next turn
                    throw DatasetError.corruptGzip(
                        file: file, offset: consumed,
                        reason: "stream ends early (file has \(input.count) compressed bytes, \(produced) decompressed so far; expected more data)")
                case Z_NEED_DICT:
                    throw DatasetError.corruptGzip(file: file, offset: consumed, reason: "stream needs a preset dictionary")
                case Z_MEM_ERROR:
                    throw DatasetError.corruptGzip(file: file, offset: consumed, reason: "out of memory")
                default:
                    throw DatasetError.corruptGzip(file: file, offset: consumed, reason: zlibMessage(strm))
                }
            }
        }
        out.removeSubrange(produced...)
        return out
    }

    /// Deflates `input` into a single gzip member, or a zlib stream when `zlibWrapper` (MAT files'
    /// compressed elements are zlib streams).
    public static func compress(_ input: [UInt8], level: Int32 = 6, zlibWrapper: Bool = false) throws -> [UInt8] {
        var strm = z_stream()
        // windowBits 15 + 16 writes a gzip wrapper, plain 15 a zlib one.
        guard deflateInit2_(&strm, level, Z_DEFLATED, zlibWrapper ? 15 : 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError.io(file: "<memory>", reason: "zlib deflateInit2 failed (\(zlibMessage(strm)))")
        }
        defer { deflateEnd(&strm) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&strm, uLong(input.count))) + 64)
        var produced = 0
        var consumed = 0
        try input.withUnsafeBufferPointer { inBuf in
            let inBase = inBuf.baseAddress ?? UnsafePointer(bitPattern: 1)!   // zlib never reads it when avail_in is 0
            while true {
                if produced == out.count { out.append(contentsOf: repeatElement(0, count: out.count)) }
                let inChunk = min(input.count - consumed, Int(UInt32.max))
                let last = consumed + inChunk == input.count
                strm.next_in = UnsafeMutablePointer(mutating: inBase + consumed)
                strm.avail_in = UInt32(inChunk)
                var outChunk = 0
                let ret: Int32 = out.withUnsafeMutableBufferPointer { ob in
                    outChunk = min(ob.count - produced, Int(UInt32.max))
                    strm.next_out = ob.baseAddress! + produced
                    strm.avail_out = UInt32(outChunk)
                    return deflate(&strm, last ? Z_FINISH : Z_NO_FLUSH)
                }
                consumed += inChunk - Int(strm.avail_in)
                produced += outChunk - Int(strm.avail_out)
                if ret == Z_STREAM_END { return }
                if ret != Z_OK && ret != Z_BUF_ERROR {
                    throw DatasetError.io(file: "<memory>", reason: "zlib deflate failed (\(zlibMessage(strm)))")
                }
            }
        }
        out.removeSubrange(produced...)
        return out
    }
}

private func zlibMessage(_ strm: z_stream) -> String {
    if let m = strm.msg { return String(cString: m) }
    return "unknown zlib error"
}
