import Datasets
import Foundation

// Where each format keeps its length, shape and count fields, and the structured mutations that
// set them to 0, −1, 2^31−1, 2^63−1, NaN, ±inf (FuzzMutations.swift has the generic ones).

enum RecordIOLayout {
    struct Record { var start: Int; var payload: Int; var length: Int }

    /// dmlc framing: magic, lrecord (cflag << 29 | length), payload padded to 4 bytes.
    static func records(_ b: [UInt8]) -> [Record] {
        var out: [Record] = []
        var o = 0
        while o + 8 <= b.count {
            let length = Int(Mutate.u32(b, o + 4) & ((1 << 29) - 1))
            out.append(Record(start: o, payload: o + 8, length: length))
            o += 8 + (length + 3) / 4 * 4
        }
        return out
    }

    static func interestingOffsets(_ b: [UInt8]) -> [Int] {
        records(b).prefix(3).flatMap { r in [r.start + 4, r.start + 8, r.payload + 4, r.payload + 24, r.payload + r.length - 1] }
    }

    /// Length field, magic, IRHeader flag and label floats of the header record, the first image
    /// record and the last (identity) record.
    static func fieldMutations(_ b: [UInt8]) -> [Mutation] {
        let rs = records(b)
        guard rs.count >= 2 else { return [] }
        var out: [Mutation] = []
        for i in Array(Set([0, 1, rs.count / 2, rs.count - 1])).sorted() {
            let r = rs[i]
            let lengths: [(String, UInt32)] = [("0", 0), ("2^29-1", (1 << 29) - 1), ("length+1", UInt32(r.length + 1)),
                                               ("cflag 1", 1 << 29 | UInt32(r.length)), ("cflag 3", 3 << 29 | UInt32(r.length)), ("-1", .max)]
            out += lengths.map { v in Mutation(name: "record \(i) length=\(v.0)") { Mutate.replacing(b, at: r.start + 4, with: Mutate.le32(v.1)) } }
            if i == 1 { out.append(Mutation(name: "record 1 magic=0") { Mutate.replacing(b, at: r.start, with: Mutate.le32(0)) }) }
            guard r.length >= 24 else { continue }
            out += Mutate.field(b, "record \(i) IRHeader flag", at: r.payload)
            out += Mutate.floatField(b, "record \(i) label", at: r.payload + 4)
            let flag = Int(Mutate.u32(b, r.payload))
            for k in 0..<min(flag, 2) where 24 + 4 * k + 4 <= r.length {
                out += Mutate.floatField(b, "record \(i) label[\(k)]", at: r.payload + 24 + 4 * k)
            }
        }
        return out
    }
}

enum PickleLayout {
    /// Offsets of the first image opcodes (BINBYTES / SHORT_BINBYTES) of a .bin written by `VerificationBin.encoded()`.
    static func imageOpcodes(_ b: [UInt8]) -> [Int] {
        var out: [Int] = []
        var o = 4   // PROTO 4, EMPTY_LIST, MARK
        while o < b.count && out.count < 3 {
            switch b[o] {
            case 0x42: out.append(o); o += 5 + Int(Mutate.u32(b, o + 1))
            case 0x43: out.append(o); o += 2 + Int(b[o + 1])
            default: return out
            }
        }
        return out
    }

    static func interestingOffsets(_ b: [UInt8]) -> [Int] {
        imageOpcodes(b).flatMap { [$0, $0 + 1, $0 + 5, $0 + 6] } + [2, 3, 4, b.count - 2]
    }

    static func fieldMutations(_ b: [UInt8]) -> [Mutation] {
        var out: [Mutation] = []
        for (k, o) in imageOpcodes(b).prefix(2).enumerated() where b[o] == 0x42 {
            out += Mutate.field(b, "image \(k) BINBYTES length", at: o + 1)
            out.append(Mutation(name: "image \(k) BINBYTES→BINBYTES8") { Mutate.replacing(b, at: o, with: [0x8e]) })
            out.append(Mutation(name: "image \(k) BINBYTES→BINUNICODE") { Mutate.replacing(b, at: o, with: [0x58]) })
        }
        out.append(Mutation(name: "PROTO 255") { Mutate.replacing(b, at: 1, with: [0xff]) })
        out.append(Mutation(name: "no STOP") { Array(b.dropLast()) })
        out.append(Mutation(name: "TUPLE2→TUPLE3") { Mutate.replacing(b, at: b.count - 2, with: [0x87]) })
        out.append(Mutation(name: "is-same list appended twice") { Array(b.dropLast(2)) + [0x86, 0x2e] + [0x2e] })
        out.append(Mutation(name: "LONG_BINGET 2^32-1") { Array(b.dropLast(2)) + [0x6a] + Mutate.le32(.max) + [0x2e] })
        out.append(Mutation(name: "BINBYTES8 length 2^63-1") { [0x80, 4, 0x8e] + Mutate.le64(UInt64(Int64.max)) + [0x2e] })
        return out
    }
}

enum MATLayout {
    /// Whole replacement files for `probe_img_ID_pairs.mat` built with MATBuild: valid
    /// re-encodings first, then dimension fields that overflow, nesting and a decompression bomb.
    static func structured(files: [String], ids: [Double]) -> [Mutation] {
        let n = "probe_set", i = "probe_ids"
        let cells = files.map { MATBuild.char($0) }
        let idsElement = MATBuild.doubles(ids, name: i)
        let big: UInt32 = 0x7fff_ffff
        func file(_ set: [UInt8], _ idBytes: [UInt8]? = nil) -> [UInt8] { MATBuild.header + set + (idBytes ?? idsElement) }
        var out: [Mutation] = [
            Mutation(name: "uncompressed re-encoding (valid)") { file(MATBuild.cell(cells, name: n)) },
            Mutation(name: "cell dims (2^31-1)^3") { file(MATBuild.cell(cells, dims: [big, big, big], name: n)) },
            Mutation(name: "cell dims 2^31-1 × 1") { file(MATBuild.cell(cells, dims: [big, 1], name: n)) },
            Mutation(name: "cell dims -1 × 1") { file(MATBuild.cell(cells, dims: [.max, 1], name: n)) },
            Mutation(name: "cell dims 0 × 0") { file(MATBuild.cell(cells, dims: [0, 0], name: n)) },
            Mutation(name: "cell dims 65536 × 65536") { file(MATBuild.cell(cells, dims: [65536, 65536], name: n)) },
            Mutation(name: "cell dims [one value]") { file(MATBuild.cell(cells, dims: [1], name: n)) },
            Mutation(name: "char dims (2^31-1)^3") {
                file(MATBuild.cell([MATBuild.char(files.first ?? "1_1.jpg", dims: [big, big, big])] + cells.dropFirst(), name: n))
            },
            Mutation(name: "char dims 2^31-1 × 2") {
                file(MATBuild.cell([MATBuild.char(files.first ?? "1_1.jpg", dims: [big, 2])] + cells.dropFirst(), name: n))
            },
            Mutation(name: "numeric dims (2^31-1)^3") { file(MATBuild.cell(cells, name: n), MATBuild.doubles(ids, dims: [big, big, big], name: i)) },
            Mutation(name: "numeric dims 2^30 × 2^30") { file(MATBuild.cell(cells, name: n), MATBuild.doubles(ids, dims: [1 << 30, 1 << 30], name: i)) },
            Mutation(name: "numeric ids NaN, inf, 1e300") {
                file(MATBuild.cell(cells, name: n), MATBuild.doubles(Array([.nan, .infinity, 1e300, -1e300].prefix(ids.count)) + Array(ids.dropFirst(4)), name: i))
            },
            Mutation(name: "struct class") { file(MATBuild.matrix(cls: 2, dims: [1, 1], name: n, body: [])) },
            Mutation(name: "sparse class") { file(MATBuild.matrix(cls: 5, dims: [1, 1], name: n, body: [])) },
            Mutation(name: "100000 nested cells") { file(MATBuild.nestedCells(100_000, name: n)) },
        ]
        out.append(Mutation(name: "compressed re-encoding (valid)") {
            MATBuild.header + ((try? MATBuild.compressed(MATBuild.cell(cells, name: n))) ?? []) + ((try? MATBuild.compressed(idsElement)) ?? [])
        })
        out.append(Mutation(name: "100000 nested cells, compressed") {
            MATBuild.header + ((try? MATBuild.compressed(MATBuild.nestedCells(100_000, name: n))) ?? []) + idsElement
        })
        out.append(Mutation(name: "compressed element inflating to 2 GiB of zeros") {
            let z = Bombs.zlibZeros(1 << 31)
            return MATBuild.header + Mutate.le32(15) + Mutate.le32(UInt32(z.count)) + z
        })
        return out
    }
}

enum NPYLayout {
    /// The seed's data bytes with a new header dict (padded as numpy pads, version `major`).
    static func make(_ dict: String, data: [UInt8], major: UInt8 = 1) -> [UInt8] {
        var header = Array(dict.utf8)
        let prefix = major == 1 ? 10 : 12
        let padded = (prefix + header.count + 1 + 63) / 64 * 64
        header += [UInt8](repeating: 0x20, count: max(0, padded - prefix - header.count - 1)) + [0x0a]
        let length = major == 1 ? Mutate.le16(UInt16(header.count)) : Mutate.le32(UInt32(header.count))
        return [0x93] + Array("NUMPY".utf8) + [major, 0] + length + header + data
    }

    static func structured(_ b: [UInt8]) -> [Mutation] {
        let headerLength = Int(b[8]) | Int(b[9]) << 8
        let dict = String(decoding: b[10..<(10 + headerLength)], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let data = Array(b[(10 + headerLength)...])
        guard let shapeRange = dict.range(of: #"'shape': \([^)]*\)"#, options: .regularExpression) else { return [] }
        let shapes = ["(2147483647, 2147483647)", "(9223372036854775807, 8)", "(4611686018427387904, 4)", "(8, 2305843009213693952)",
                      "(-1, 8)", "(0, 8)", "(8, 0)", "(0, 0)", "()", "(2, 2, 2)", "(nan, 8)", "(1e3, 8)", "(99999999999999999999, 8)",
                      "(8", "(9223372036854775807, 9223372036854775807)"]
        var out = shapes.map { s in
            Mutation(name: "shape \(s)") { make(dict.replacingCharacters(in: shapeRange, with: "'shape': \(s)"), data: data) }
        }
        for d in ["<f8", "|u1", ">f4", "<f2", "O", "<U8", "<f4'"] {
            out.append(Mutation(name: "descr \(d)") { make(dict.replacingOccurrences(of: "'<f4'", with: "'\(d)'"), data: data) })
        }
        out.append(Mutation(name: "fortran_order True") { make(dict.replacingOccurrences(of: "False", with: "True"), data: data) })
        out.append(Mutation(name: "version 2.0 (valid)") { make(dict, data: data, major: 2) })
        out += Mutate.field(b, "header length", at: 8, width: 2)
        out.append(Mutation(name: "version 2.0, header length 2^32-1") { Mutate.replacing(make(dict, data: data, major: 2), at: 8, with: Mutate.le32(.max)) })
        out.append(Mutation(name: "version 3.0") { Mutate.replacing(b, at: 6, with: [3]) })
        out.append(Mutation(name: "values NaN and inf") {
            var d = data
            if d.count >= 8 { d.replaceSubrange(0..<8, with: Mutate.f32(.nan) + Mutate.f32(.infinity)) }
            return Array(b[0..<(10 + headerLength)]) + d
        })
        out.append(Mutation(name: "header 100000 nested parens") { make("{'descr': '<f4', 'fortran_order': False, 'shape': \(String(repeating: "(", count: 60000))8, 8), }", data: data, major: 2) })
        return out
    }
}

enum SafetensorsLayout {
    static func headerEnd(_ b: [UInt8]) -> Int {
        guard b.count >= 8 else { return 0 }
        return 8 + Int(min(UInt64(b.count), (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[$1]) << (8 * UInt64($1)) }))
    }

    static func interestingOffsets(_ b: [UInt8]) -> [Int] {
        let e = headerEnd(b)
        return [4, 7, 8, 9, 40, e - 1, e, e + 4, e + 864]
    }

    static func header(_ b: [UInt8]) -> [String: Any]? {
        let e = headerEnd(b)
        guard e > 8 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(b[8..<e]))) as? [String: Any]
    }

    /// The file with its header replaced by `edit(header)`, the data buffer unchanged.
    static func rewrite(_ b: [UInt8], _ edit: (inout [String: Any]) -> Void) -> [UInt8] {
        guard var h = header(b) else { return b }
        edit(&h)
        guard var json = try? Array(JSONSerialization.data(withJSONObject: h, options: [.sortedKeys])) else { return b }
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        return Mutate.le64(UInt64(json.count)) + json + Array(b[headerEnd(b)...])
    }

    static func firstTensor(_ h: [String: Any]) -> String? {
        h.keys.filter { $0 != "__metadata__" }.min { a, b in
            (((h[a] as? [String: Any])?["data_offsets"] as? [Int])?.first ?? 0) < (((h[b] as? [String: Any])?["data_offsets"] as? [Int])?.first ?? 0)
        }
    }

    static var architectureEdits: [(String, (inout [String: Any]) -> Void)] { [
        ("architecture width 1024", { $0["width"] = 1024 }),
        ("architecture width 100000", { $0["width"] = 100_000 }),
        ("architecture width 2^40", { $0["width"] = 1 << 40 }),
        ("architecture width -8", { $0["width"] = -8 }),
        ("architecture input_size 10^6", { $0["input_size"] = 1_000_000 }),
        ("architecture input_size 0", { $0["input_size"] = 0 }),
        ("architecture stages 10^6 blocks", { $0["stages"] = [1_000_000, 1, 1, 1] }),
        ("architecture depth 2^63-1", { $0["depth"] = Int.max }),
        ("architecture embedding_size 2^31", { $0["embedding_size"] = 1 << 31 }),
        ("architecture in_channels 0", { $0["in_channels"] = 0 }),
        ("architecture layer 0 out 2^40", { a in
            if var l = a["layers"] as? [[String: Any]], !l.isEmpty { l[0]["out"] = 1 << 40; a["layers"] = l } }),
        ("architecture layer 0 kernel 0", { a in
            if var l = a["layers"] as? [[String: Any]], !l.isEmpty { l[0]["kernel"] = 0; a["layers"] = l } }),
        ("architecture layer 0 stride 0", { a in
            if var l = a["layers"] as? [[String: Any]], !l.isEmpty { l[0]["stride"] = 0; a["layers"] = l } }),
        ("architecture no layers", { $0["layers"] = [Any]() }),
        ("architecture width 1.5", { $0["width"] = 1.5 }),
        ("architecture space bogus", { $0["space"] = "bogus" }),
    ] }

    static func editArchitectureText(_ text: [UInt8], _ edit: (inout [String: Any]) -> Void) -> [UInt8] {
        guard var a = (try? JSONSerialization.jsonObject(with: Data(text))) as? [String: Any] else { return text }
        edit(&a)
        return (try? Array(JSONSerialization.data(withJSONObject: a, options: [.sortedKeys]))) ?? text
    }

    static func structured(_ b: [UInt8], trainingState: Bool = false) -> [Mutation] {
        guard let h = header(b), let first = firstTensor(h) else { return [] }
        var out = Mutate.field(b, "header length", at: 0, width: 8)
        func tensor(_ what: String, _ edit: @escaping (inout [String: Any]) -> Void) {
            out.append(Mutation(name: "\(first) \(what)") {
                rewrite(b) { h in if var t = h[first] as? [String: Any] { edit(&t); h[first] = t } }
            })
        }
        tensor("data_offsets [0, 2^63-1]") { $0["data_offsets"] = [0, Int.max] }
        tensor("data_offsets [2^63-1, 2^63-1]") { $0["data_offsets"] = [Int.max, Int.max] }
        tensor("data_offsets reversed") { t in if let o = t["data_offsets"] as? [Int], o.count == 2 { t["data_offsets"] = [o[1], o[0]] } }
        tensor("data_offsets [-8, 0]") { $0["data_offsets"] = [-8, 0] }
        tensor("shape [2^31-1, 2^31-1]") { $0["shape"] = [Int(Int32.max), Int(Int32.max)] }
        tensor("shape [2^62, 4]") { $0["shape"] = [1 << 62, 4] }
        tensor("shape [-1]") { $0["shape"] = [-1] }
        tensor("shape []") { $0["shape"] = [Int]() }
        tensor("shape [1e20]") { $0["shape"] = [1e20] }
        tensor("dtype F64") { $0["dtype"] = "F64" }
        tensor("dtype I8") { $0["dtype"] = "I8" }
        tensor("dtype 5") { $0["dtype"] = 5 }
        out.append(Mutation(name: "\(first) removed") { rewrite(b) { $0[first] = nil } })
        out.append(Mutation(name: "metadata not strings") { rewrite(b) { $0["__metadata__"] = ["format": 5] } })
        out.append(Mutation(name: "metadata removed") { rewrite(b) { $0["__metadata__"] = nil } })
        func metadata(_ what: String, _ edit: @escaping (inout [String: String]) -> Void) {
            out.append(Mutation(name: what) { rewrite(b) { h in if var m = h["__metadata__"] as? [String: String] { edit(&m); h["__metadata__"] = m } } })
        }
        metadata("format bogus") { $0["format"] = "bogus/9" }
        metadata("task bogus") { $0["task"] = "bogus" }
        metadata("architecture not JSON") { $0["architecture"] = "{" }
        metadata("architecture 100000 nested arrays") { $0["architecture"] = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) }
        for (name, edit) in architectureEdits {
            metadata(name) { m in
                if let a = m["architecture"] { m["architecture"] = String(decoding: editArchitectureText(Array(a.utf8), edit), as: UTF8.self) }
            }
        }
        if trainingState {
            for (what, value) in [("epochs_completed -5", -5), ("epochs_completed 5", 5), ("epochs_completed 2^63-1", Int.max),
                                  ("global_step -1", -1), ("best_epoch 2^63-1", Int.max)] {
                let key = String(what.split(separator: " ")[0])
                metadata("training_state \(what)") { m in
                    guard let s = m["training_state"], var t = (try? JSONSerialization.jsonObject(with: Data(s.utf8))) as? [String: Any] else { return }
                    t[key] = value
                    m["training_state"] = (try? JSONSerialization.data(withJSONObject: t)).map { String(decoding: $0, as: UTF8.self) } ?? s
                }
            }
            metadata("training_state not JSON") { $0["training_state"] = "[" }
        }
        return out
    }
}

enum ImageLayout {
    /// Offsets of the first JPEG markers (SOI, APPn, DQT, SOF, DHT, SOS) and of their length fields.
    static func jpegMarkers(_ b: [UInt8]) -> [Int] {
        var out: [Int] = [0, 2]
        var o = 2
        while o + 4 <= b.count && b[o] == 0xff && out.count < 24 {
            let marker = b[o + 1]
            out += [o + 2, o + 4]
            if marker == 0xda { out.append(o + 12); break }   // SOS: entropy-coded data follows
            o += 2 + Int(b[o + 2]) << 8 + Int(b[o + 3])
            out.append(o)
        }
        return out
    }

    static func segment(_ b: [UInt8], _ markers: Set<UInt8>) -> Int? {
        var o = 2
        while o + 4 <= b.count && b[o] == 0xff {
            if markers.contains(b[o + 1]) { return o }
            if b[o + 1] == 0xda { return nil }
            o += 2 + Int(b[o + 2]) << 8 + Int(b[o + 3])
        }
        return nil
    }

    /// SOF height, width, precision and components; DQT/DHT segment lengths.
    static func jpegFields(_ b: [UInt8]) -> [Mutation] {
        var out: [Mutation] = []
        if let sof = segment(b, [0xc0, 0xc1, 0xc2]) {
            for (field, at) in [("height", sof + 5), ("width", sof + 7)] {
                for v: UInt16 in [0, 1, 16000, 65535] {
                    out.append(Mutation(name: "SOF \(field)=\(v)") { Mutate.replacing(b, at: at, with: Mutate.be16(v)) })
                }
            }
            out.append(Mutation(name: "SOF 16000×16000") { Mutate.replacing(b, at: sof + 5, with: Mutate.be16(16000) + Mutate.be16(16000)) })
            out.append(Mutation(name: "SOF precision 12") { Mutate.replacing(b, at: sof + 4, with: [12]) })
            for v: UInt8 in [0, 4, 255] { out.append(Mutation(name: "SOF components=\(v)") { Mutate.replacing(b, at: sof + 9, with: [v]) }) }
            out.append(Mutation(name: "SOF length=0xffff") { Mutate.replacing(b, at: sof + 2, with: [0xff, 0xff]) })
        }
        for (name, markers) in [("DQT", Set<UInt8>([0xdb])), ("DHT", Set<UInt8>([0xc4]))] {
            guard let s = segment(b, markers) else { continue }
            for v: UInt16 in [0, 2, 0xffff] {
                out.append(Mutation(name: "\(name) length=\(v)") { Mutate.replacing(b, at: s + 2, with: Mutate.be16(v)) })
            }
        }
        return out
    }

    /// IHDR fields with the chunk's CRC recomputed, so libpng gets past the CRC check.
    static func pngFields(_ b: [UInt8]) -> [Mutation] {
        guard b.count > 33 else { return [] }
        func ihdr(_ edit: (inout [UInt8]) -> Void) -> [UInt8] {
            var c = b
            var data = Array(c[16..<29])
            edit(&data)
            c.replaceSubrange(16..<29, with: data)
            c.replaceSubrange(29..<33, with: Mutate.be32(Bombs.crc32(Array(c[12..<29]))))
            return c
        }
        var out: [Mutation] = []
        for (name, w, h) in [("0×0", 0, 0), ("16000×16000", 16000, 16000), ("2^31-1 × 1", 0x7fff_ffff, 1), ("2^31-1 × 2^31-1", 0x7fff_ffff, 0x7fff_ffff),
                             ("2^32-1 × 2^32-1", 0xffff_ffff, 0xffff_ffff), ("1 × 2^20", 1, 1 << 20)] as [(String, UInt32, UInt32)] {
            out.append(Mutation(name: "IHDR \(name)") { ihdr { $0.replaceSubrange(0..<8, with: Mutate.be32(w) + Mutate.be32(h)) } })
        }
        for (name, at, v) in [("bit depth 16", 8, 16), ("bit depth 3", 8, 3), ("colour type 3 (no palette)", 9, 3), ("colour type 7", 9, 7),
                              ("interlace 1", 12, 1), ("compression 1", 10, 1)] as [(String, Int, UInt8)] {
            out.append(Mutation(name: "IHDR \(name)") { ihdr { $0[at] = v } })
        }
        out.append(Mutation(name: "IHDR CRC wrong") { Mutate.replacing(b, at: 29, with: [0, 0, 0, 0]) })
        out.append(Mutation(name: "IDAT length 2^31-1") {
            guard let r = String(decoding: b, as: Unicode.ASCII.self).range(of: "IDAT") else { return b }
            let o = String(decoding: b, as: Unicode.ASCII.self).utf8.distance(from: String(decoding: b, as: Unicode.ASCII.self).startIndex, to: r.lowerBound)
            return Mutate.replacing(b, at: o - 4, with: Mutate.be32(0x7fff_ffff))
        })
        return out
    }
}

enum IDXLayout {
    /// Type byte, rank byte and each dimension (big-endian).
    static func fields(_ b: [UInt8]) -> [Mutation] {
        guard b.count >= 8 else { return [] }
        var out: [Mutation] = []
        for v: UInt8 in [0x09, 0x0d, 0x00] { out.append(Mutation(name: "type=0x\(String(v, radix: 16))") { Mutate.replacing(b, at: 2, with: [v]) }) }
        for v: UInt8 in [0, 1, 4, 255] { out.append(Mutation(name: "rank=\(v)") { Mutate.replacing(b, at: 3, with: [v]) }) }
        for k in 0..<Int(b[3]) { out += Mutate.field(b, "dim \(k)", at: 4 + 4 * k, bigEndian: true) }
        return out
    }
}

enum JSONLayout {
    static let values = ["-500", "0", "-1", "1e308", "-5", "9223372036854775807", "9223372036854775808", "1e999", "NaN", "\"x\"", "null", "[]"]

    /// On `lines` random lines (0: none), one JSON number replaced by each special value.
    static func numberMutations(_ b: [UInt8], salt: String, lines count: Int) -> [Mutation] {
        var rng = FuzzRNG(seed: FuzzSettings.seed, salt: salt + "/json")
        let lines = String(decoding: b, as: UTF8.self).components(separatedBy: "\n")
        let regex = try! NSRegularExpression(pattern: #"(?<=[:\[, ])-?\d+(\.\d+)?([eE][-+]?\d+)?"#)
        var out: [Mutation] = []
        let numbered = lines.indices.filter { !regex.matches(in: lines[$0], range: NSRange(lines[$0].startIndex..., in: lines[$0])).isEmpty }
        guard !numbered.isEmpty else { return [] }
        for _ in 0..<count {
            let li = numbered[rng.below(numbered.count)]
            let line = lines[li]
            let matches = regex.matches(in: line, range: NSRange(line.startIndex..., in: line))
            guard let r = Range(matches[rng.below(matches.count)].range, in: line) else { continue }
            let key = line[..<r.lowerBound].split(separator: "\"").dropLast().last.map(String.init) ?? "?"
            for v in values {
                out.append(Mutation(name: "line \(li + 1) \(key)=\(v)") {
                    var l = lines; l[li] = line.replacingCharacters(in: r, with: v)
                    return Array(l.joined(separator: "\n").utf8)
                })
            }
        }
        return out
    }

    /// A whole JSON document: numbers replaced, deep nesting, a long string, wrong top-level types.
    static func documentMutations(_ b: [UInt8], salt: String) -> [Mutation] {
        let text = String(decoding: b, as: UTF8.self)
        let compact = (try? JSONSerialization.jsonObject(with: Data(b))).flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
            .map { Array($0) } ?? b
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        var out = numberMutations(compact, salt: salt, lines: 1)
        out += [
            Mutation(name: "100000 nested arrays") { Array(deep.utf8) },
            Mutation(name: "a value of 100000 nested arrays") {
                Array(text.replacingOccurrences(of: "\"description\"", with: "\"description\": \(deep), \"x\"").utf8)
            },
            Mutation(name: "1 MiB string") { Array(text.replacingOccurrences(of: "\"ir\"", with: "\"" + String(repeating: "a", count: 1 << 20) + "\"")
                .replacingOccurrences(of: "\"name\": \"", with: "\"name\": \"" + String(repeating: "a", count: 1 << 20)).utf8) },
            Mutation(name: "top level array") { Array(("[" + text + "]").utf8) },
            Mutation(name: "top level number") { Array("1e999".utf8) },
            Mutation(name: "NUL and invalid UTF-8") { b.prefix(20) + [0, 0xff, 0xc3] + b.dropFirst(20) },
        ]
        return out
    }
}
