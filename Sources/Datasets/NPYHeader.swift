import Foundation

/// The Python-dict header of a `.npy` file, read without a Python parser: the three keys numpy
/// writes (`descr`, `fortran_order`, `shape`), in any order, with any spacing.
struct NPYHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    init(parsing text: String, file: String, offset: Int) throws {
        func fail(_ message: String) -> DatasetError {
            .invalid(file: file, offset: offset, message: "\(message) in the .npy header \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        func value(of key: String) throws -> Substring {
            guard let k = text.range(of: "'\(key)'") ?? text.range(of: "\"\(key)\"") else { throw fail("missing key '\(key)'") }
            let rest = text[k.upperBound...].drop { $0 == " " }
            guard rest.first == ":" else { throw fail("expected ':' after '\(key)'") }
            return rest.dropFirst().drop { $0 == " " }
        }
        let d = try value(of: "descr")
        guard let quote = d.first, quote == "'" || quote == "\"",
              let end = d.dropFirst().firstIndex(of: quote) else { throw fail("expected a quoted string for 'descr'") }
        descr = String(d[d.index(after: d.startIndex)..<end])

        let f = try value(of: "fortran_order")
        if f.hasPrefix("True") { fortranOrder = true } else if f.hasPrefix("False") { fortranOrder = false } else {
            throw fail("expected True or False for 'fortran_order'")
        }

        let s = try value(of: "shape")
        guard s.first == "(", let close = s.firstIndex(of: ")") else { throw fail("expected a tuple for 'shape'") }
        var dims: [Int] = []
        for part in s[s.index(after: s.startIndex)..<close].split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            // numpy writes Python ints; an old Python 2 writer may add an `L` suffix.
            guard let n = Int(t.hasSuffix("L") ? String(t.dropLast()) : t), n >= 0 else { throw fail("bad dimension '\(t)' in 'shape'") }
            dims.append(n)
        }
        shape = dims
    }
}
