import Foundation

/// One deterministic change to a seed file: a name for the report and the bytes it produces
/// (computed when the case runs, so large ones are never all in memory at once).
struct Mutation: @unchecked Sendable {
    var name: String
    var make: () -> [UInt8]
    /// For changes that are not bytes (a FIFO, a symlink loop): run on the case's input folder
    /// after the bytes are written.
    var prepare: ((_ input: String) -> Void)? = nil

    init(name: String, make: @escaping () -> [UInt8]) { self.name = name; self.make = make }
    init(name: String, bytes: [UInt8], prepare: @escaping (_ input: String) -> Void) {
        self.name = name; self.make = { bytes }; self.prepare = prepare
    }
}

/// SplitMix64: tiny, fixed and the same on every platform (Swift's Hasher is seeded per process).
struct FuzzRNG {
    var state: UInt64
    init(seed: UInt64, salt: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325   // FNV-1a of the salt
        for b in salt.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        state = seed ^ h
    }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}

/// Byte helpers and the generic mutations; format-specific field overrides are built from these
/// by the targets.
enum Mutate {
    // MARK: encodings

    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func be32(_ v: UInt32) -> [UInt8] { le32(v).reversed() }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static func f32(_ v: Float) -> [UInt8] { le32(v.bitPattern) }
    static func u32(_ b: [UInt8], _ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[o + $1]) << (8 * UInt32($1)) } }
    static func be32(_ b: [UInt8], _ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 << 8 | UInt32(b[o + $1]) } }

    /// The values a length, count or shape field is set to.
    static let int32Values: [(String, UInt32)] = [("0", 0), ("1", 1), ("-1", 0xffff_ffff), ("2^31-1", 0x7fff_ffff), ("2^31", 0x8000_0000)]
    static let int64Values: [(String, UInt64)] = [("0", 0), ("-1", .max), ("2^31-1", 0x7fff_ffff), ("2^32", 1 << 32), ("2^63-1", UInt64(Int64.max)), ("2^62", 1 << 62)]
    static let floatValues: [(String, Float)] = [("NaN", .nan), ("+inf", .infinity), ("-inf", -.infinity), ("1e12", 1e12), ("1e20", 1e20),
                                                 ("-1", -1), ("2^31", 2_147_483_648), ("1e9", 1e9), ("100", 100), ("2.5", 2.5)]
    /// Replacements for a decimal number in a text file.
    static let textNumbers = ["0", "-1", "2147483647", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                              "nan", "inf", "-inf", "1e308", "1e999", "0x10", ""]

    static func replacing(_ bytes: [UInt8], at offset: Int, with new: [UInt8]) -> [UInt8] {
        guard offset >= 0, offset + new.count <= bytes.count else { return bytes }
        var b = bytes
        b.replaceSubrange(offset..<offset + new.count, with: new)
        return b
    }

    // MARK: generic

    /// Cuts at 0, 1, each `interesting` offset, the middle, end−1 and `random` more places.
    static func truncations(_ bytes: [UInt8], interesting: [Int], random: Int, rng: inout FuzzRNG) -> [Mutation] {
        let n = bytes.count
        var offsets = [0, 1] + interesting + [n / 2, n - 1]
        for _ in 0..<random { offsets.append(rng.below(n)) }
        var seen = Set<Int>()
        return offsets.filter { $0 >= 0 && $0 < n && seen.insert($0).inserted }.sorted().map { o in
            Mutation(name: "truncate@\(o)") { Array(bytes[0..<o]) }
        }
    }

    /// `cases` mutations, each flipping 1–8 random bits or setting a byte to 00/ff/7f/80;
    /// half of them land in the first `headerBytes` bytes, where the structure is.
    static func bitFlips(_ bytes: [UInt8], cases: Int, headerBytes: Int = 512, rng: inout FuzzRNG) -> [Mutation] {
        guard !bytes.isEmpty else { return [] }
        var out: [Mutation] = []
        for k in 0..<cases {
            let span = k % 2 == 0 ? min(bytes.count, headerBytes) : bytes.count
            let flips = 1 + rng.below(8)
            var edits: [(Int, UInt8?, UInt8)] = []   // offset, xor mask or nil, value
            for _ in 0..<flips {
                let o = rng.below(span)
                if rng.below(4) == 0 {
                    edits.append((o, nil, [0x00, 0xff, 0x7f, 0x80][rng.below(4)]))
                } else {
                    edits.append((o, UInt8(1) << UInt8(rng.below(8)), 0))
                }
            }
            let label = edits.map { (o: Int, mask: UInt8?, value: UInt8) -> String in
                if let m = mask { return "\(o)^\(String(m, radix: 16))" }
                return "\(o)=\(String(value, radix: 16))"
            }
            out.append(Mutation(name: "flip \(label.joined(separator: ","))") {
                var b = bytes
                for (o, mask, value) in edits { if let m = mask { b[o] ^= m } else { b[o] = value } }
                return b
            })
        }
        return out
    }

    /// A field of `width` bytes at `offset` set to each value (little-endian unless `bigEndian`).
    static func field(_ bytes: [UInt8], _ what: String, at offset: Int, width: Int = 4, bigEndian: Bool = false) -> [Mutation] {
        guard offset >= 0, offset + width <= bytes.count else { return [] }
        if width == 8 {
            return int64Values.map { v in Mutation(name: "\(what)=\(v.0)") { replacing(bytes, at: offset, with: le64(v.1)) } }
        }
        return int32Values.map { v in
            let enc = bigEndian ? be32(v.1) : le32(v.1)
            return Mutation(name: "\(what)=\(v.0)") { replacing(bytes, at: offset, with: Array(enc.prefix(width))) }
        }
    }

    static func floatField(_ bytes: [UInt8], _ what: String, at offset: Int) -> [Mutation] {
        guard offset >= 0, offset + 4 <= bytes.count else { return [] }
        return floatValues.map { v in Mutation(name: "\(what)=\(v.0)") { replacing(bytes, at: offset, with: f32(v.1)) } }
    }

    // MARK: text

    /// Lines of a text file with one numeric field replaced by each special value (`fields`
    /// numeric fields per line chosen at random on `lines` random lines).
    static func textFields(_ bytes: [UInt8], lines count: Int, rng: inout FuzzRNG, values: [String] = textNumbers) -> [Mutation] {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.components(separatedBy: "\n")
        let candidates = lines.indices.filter { i in lines[i].split(separator: " ").contains { Double($0) != nil || Int($0) != nil } || lines[i].contains("\t") }
        guard !candidates.isEmpty else { return [] }
        var out: [Mutation] = []
        for k in 0..<count {
            let li = k == 0 ? candidates[0] : candidates[rng.below(candidates.count)]
            let separator: Character = lines[li].contains("\t") ? "\t" : (lines[li].contains(",") && !lines[li].contains(" ") ? "," : " ")
            let fields = lines[li].split(separator: separator, omittingEmptySubsequences: false).map(String.init)
            let numeric = fields.indices.filter { Double(fields[$0]) != nil }
            guard !numeric.isEmpty else { continue }
            let fi = numeric[rng.below(numeric.count)]
            for v in values {
                out.append(Mutation(name: "line \(li + 1) field \(fi + 1)='\(v)'") {
                    var f = fields; f[fi] = v
                    var l = lines; l[li] = f.joined(separator: String(separator))
                    return Array(l.joined(separator: "\n").utf8)
                })
            }
        }
        return out
    }

    /// Whole-line edits: a line doubled, dropped, emptied, made 1 MiB long, given a NUL and
    /// invalid UTF-8, and CRLF endings.
    static func textLines(_ bytes: [UInt8], rng: inout FuzzRNG) -> [Mutation] {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n")
        let i = lines.count > 1 ? rng.below(lines.count - 1) : 0
        func join(_ l: [String]) -> [UInt8] { Array(l.joined(separator: "\n").utf8) }
        return [
            Mutation(name: "line \(i + 1) dropped") { var l = lines; l.remove(at: i); return join(l) },
            Mutation(name: "line \(i + 1) doubled") { var l = lines; l.insert(l[i], at: i); return join(l) },
            Mutation(name: "line \(i + 1) emptied") { var l = lines; l[i] = ""; return join(l) },
            Mutation(name: "line \(i + 1) 1 MiB long") { var l = lines; l[i] += String(repeating: "9", count: 1 << 20); return join(l) },
            Mutation(name: "line \(i + 1) with NUL and bad UTF-8") {
                var l = lines.map { Array($0.utf8) }; l[i] += [0, 0xff, 0xfe, 0xc3]
                return Array(l.map { $0 }.joined(separator: [0x0a]))
            },
            Mutation(name: "CRLF line ends") { Array(lines.joined(separator: "\r\n").utf8) },
            Mutation(name: "empty file") { [] },
        ]
    }
}

// MARK: - deep nesting and decompression bombs

enum Bombs {
    /// A pickle (protocol 4) of `depth` lists each holding the next: EMPTY_LIST × depth, APPEND × (depth−1), STOP.
    static func nestedPickleLists(_ depth: Int) -> [UInt8] {
        [0x80, 4] + [UInt8](repeating: 0x5d, count: depth) + [UInt8](repeating: 0x61, count: depth - 1) + [0x2e]
    }

    /// `depth` nested 1-tuples: EMPTY_TUPLE then TUPLE1 × depth.
    static func nestedPickleTuples(_ depth: Int) -> [UInt8] {
        [0x80, 4, 0x29] + [UInt8](repeating: 0x85, count: depth) + [0x2e]
    }

    /// A verification .bin whose image list holds `depth` nested lists (the shape the reader expects around it).
    static func nestedPickleInBin(_ depth: Int) -> [UInt8] {
        [0x80, 4] + [UInt8](repeating: 0x5d, count: depth) + [UInt8](repeating: 0x61, count: depth - 1)
            + [0x5d, 0x86, 0x2e]   // EMPTY_LIST (is-same), TUPLE2, STOP
    }

    /// A zlib stream (RFC 1950/1951, fixed Huffman codes) that inflates to `n` zero bytes: one
    /// literal 0, then matches of length 258 at distance 1 (13 bits each), about n/158 bytes.
    static func zlibZeros(_ n: Int) -> [UInt8] {
        var w = BitWriter()
        w.out = [0x78, 0x01]
        w.bits(1, 1); w.bits(1, 2)            // BFINAL, BTYPE = 01 (fixed)
        w.huffman(0x30, 8)                     // literal 0 (codes 0–143: 0x30 + v, 8 bits)
        var left = n - 1
        while left >= 258 {
            w.huffman(0xc5, 8)                 // length code 285 = 258 (codes 280–287: 0xc0 + (v − 280), 8 bits)
            w.huffman(0, 5)                    // distance code 0 = 1
            left -= 258
        }
        while left > 0 {                       // the tail as literals
            w.huffman(0x30, 8); left -= 1
        }
        w.huffman(0, 7)                        // end of block (256: 7 zero bits)
        w.flush()
        // Adler-32 of n zeros: a = 1, b = n mod 65521.
        let b = UInt32(n % 65521)
        return w.out + Mutate.be32(b << 16 | 1)
    }

    /// The same deflate data in a gzip member; CRC-32 of `n` zeros computed by squaring the zero operator.
    static func gzipZeros(_ n: Int) -> [UInt8] {
        let z = zlibZeros(n)
        let deflate = Array(z[2..<(z.count - 4)])
        return [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3] + deflate + Mutate.le32(crc32OfZeros(n)) + Mutate.le32(UInt32(truncatingIfNeeded: n))
    }

    static func crc32(_ bytes: [UInt8], start: UInt32 = 0) -> UInt32 {
        var c = ~start
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    /// crc32 over n zero bytes in O(log n) with zlib's crc32_combine matrix method.
    static func crc32OfZeros(_ n: Int) -> UInt32 {
        func times(_ mat: [UInt32], _ vec: UInt32) -> UInt32 {
            var sum: UInt32 = 0, v = vec, i = 0
            while v != 0 { if v & 1 != 0 { sum ^= mat[i] }; v >>= 1; i += 1 }
            return sum
        }
        func square(_ mat: [UInt32]) -> [UInt32] { (0..<32).map { times(mat, mat[$0]) } }
        // Operator for one zero bit, then squared up to one zero byte (8 bits).
        var odd = [UInt32](repeating: 0, count: 32)
        odd[0] = 0xedb8_8320
        var row: UInt32 = 1
        for i in 1..<32 { odd[i] = row; row <<= 1 }
        var even = square(odd)   // 2 bits
        odd = square(even)       // 4 bits
        var crc: UInt32 = 0xffff_ffff   // pre-conditioned zero CRC register
        var len = n
        // Apply len zero bytes to crc (the register, before the final xor).
        while len > 0 {
            even = square(odd)
            if len & 1 != 0 { crc = times(even, crc) }
            len >>= 1
            guard len > 0 else { break }
            odd = square(even)
            if len & 1 != 0 { crc = times(odd, crc) }
            len >>= 1
        }
        return ~crc
    }
}

struct BitWriter {
    var out: [UInt8] = []
    var acc: UInt32 = 0
    var count: UInt32 = 0
    /// `n` bits of `v`, least significant first (deflate's header fields and extra bits).
    mutating func bits(_ v: UInt32, _ n: UInt32) {
        acc |= v << count; count += n
        while count >= 8 { out.append(UInt8(acc & 0xff)); acc >>= 8; count -= 8 }
    }
    /// A Huffman code: most significant bit first.
    mutating func huffman(_ code: UInt32, _ n: UInt32) {
        var r: UInt32 = 0
        for i in 0..<n { r |= ((code >> i) & 1) << (n - 1 - i) }
        bits(r, n)
    }
    mutating func flush() { if count > 0 { out.append(UInt8(acc & 0xff)); acc = 0; count = 0 } }
}
