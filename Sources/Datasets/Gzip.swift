import CZlib

/// Whole-buffer gzip compression and decompression through zlib. Data-set files are small enough
/// (tens of MB) to be held in memory, so there is no streaming interface.
public enum Gzip {
    /// True when `bytes` starts with the gzip magic 1f 8b (the file name is never consulted).
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// The most bytes any stream may inflate to (1 GiB): the largest data set read whole (EMNIST
    /// Balanced, about 100 MB) is far below it, while a small damaged or hostile file could
    /// otherwise claim any amount of memory.
    public static let maxDecompressedBytes = 1 << 30
    /// The most output allocated up front from the gzip trailer's size field, which a cut or damaged
    /// file makes arbitrary; beyond it the buffer grows only as data actually arrives.
    public static let maxPreallocation = 64 << 20
    /// Output inflated before `declaredSize` has answered: enough for any header it needs to see.
    static let probeChunk = 1 << 16

    /// Inflates a gzip (or zlib) stream; concatenated gzip members are joined, as `gunzip` does.
    /// `file` only names the source in error messages. The output may not exceed `limit`, nor, once
    /// `declaredSize` has read it from the first bytes of the output (it returns nil while it needs
    /// more), the size the content itself announces plus whatever slack the caller includes in it;
    /// it may also throw to refuse an announced size before anything more is inflated.
    public static func decompress(_ input: [UInt8], file: String = "<memory>", limit: Int = maxDecompressedBytes,
                                  declaredSize: ((ArraySlice<UInt8>) throws -> (bytes: Int, what: String)?)? = nil) throws -> [UInt8] {
        var strm = z_stream()
        // windowBits 15 + 32: accept both gzip and zlib headers, detected automatically.
        guard inflateInit2_(&strm, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError.corruptGzip(file: file, offset: 0, reason: "zlib could not initialise (\(zlibMessage(strm)))")
        }
        defer { inflateEnd(&strm) }

        var cap = max(0, limit)
        var capReason = "the limit of \(cap) bytes"
        var awaitingDeclaration = declaredSize != nil
        var out = [UInt8](repeating: 0, count: initialCapacity(compressed: input, limit: cap))
        var produced = 0
        var consumed = 0
        func tooLarge() -> DatasetError {
            .invalid(file: file, offset: nil, message: "gzip stream inflates to more than \(cap) bytes (\(capReason))")
        }

        try input.withUnsafeBufferPointer { inBuf in
            guard let inBase = inBuf.baseAddress else {
                throw DatasetError.corruptGzip(file: file, offset: 0, reason: "empty input (expected a gzip header)")
            }
            while true {
                // One byte past the cap is room to notice a stream that does not stop there.
                if produced > cap { throw tooLarge() }
                if produced == out.count { out.append(contentsOf: repeatElement(0, count: min(out.count, cap + 1 - out.count))) }
                let inChunk = min(input.count - consumed, Int(UInt32.max))
                strm.next_in = UnsafeMutablePointer(mutating: inBase + consumed)
                strm.avail_in = UInt32(inChunk)
                var outChunk = 0
                let ret: Int32 = out.withUnsafeMutableBufferPointer { ob in
                    outChunk = min(ob.count - produced, Int(UInt32.max), awaitingDeclaration ? probeChunk : Int.max)
                    strm.next_out = ob.baseAddress! + produced
                    strm.avail_out = UInt32(outChunk)
                    return inflate(&strm, Z_NO_FLUSH)
                }
                consumed += inChunk - Int(strm.avail_in)
                produced += outChunk - Int(strm.avail_out)
                if awaitingDeclaration, let declared = try declaredSize?(out[0..<produced]) {
                    awaitingDeclaration = false
                    if declared.bytes < cap { cap = max(0, declared.bytes); capReason = declared.what }
                }
                if produced > cap { throw tooLarge() }
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

    /// The output buffer `decompress` starts with: the gzip trailer's ISIZE (uncompressed size mod
    /// 2^32) when plausible, so a whole file inflates without copies, but never more than
    /// `maxPreallocation` (nor `limit` + 1): the trailer of a cut file is just the last 4 bytes of
    /// compressed data.
    public static func initialCapacity(compressed input: [UInt8], limit: Int) -> Int {
        var capacity = max(4 * input.count, 1024)
        if input.count >= 18 {
            let n = input.count
            let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            // Deflate expands at most ~1032:1; a larger value means a damaged or cut trailer.
            if isize >= input.count / 2 && isize <= input.count * 1032 { capacity = isize + 64 }
        }
        return max(1, min(capacity, maxPreallocation, max(0, limit) + 1))
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
