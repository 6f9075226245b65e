import TestSupport
import Foundation

/// The numpy reference implementation of the metrics next to this file, and JSON written by Python.
enum NumPy {
    static var available: Bool { InteropPython.available(for: "numpy interop tests") }

    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("metrics_reference.py").path

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Runs `script` (a file path, or inline code with `inline`) with `arguments`; throws with its output on failure.
    @discardableResult
    static func run(_ script: String, inline: Bool = false, _ arguments: [String]) throws -> String {
        try InteropPython.run(script, inline: inline, arguments)
    }

    /// A JSON object written by Python. JSONDecoder, not JSONSerialization: on Linux the latter
    /// misreads some doubles by an ulp or more (0.35000000000000003 → 0.35000000000000014).
    static func json(_ path: String) throws -> [String: JSONValue] {
        try json(Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func json(_ data: Data) throws -> [String: JSONValue] {
        guard case let .object(o) = try JSONDecoder().decode(JSONValue.self, from: data) else { throw Failure(description: "not a JSON object") }
        return o
    }

    static func temporaryDirectory(_ name: String) -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("facenas-eval-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: d)
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}

/// Any JSON value, numbers kept as exact Doubles.
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var double: Double? { if case let .number(d) = self { return d }; return nil }
    var int: Int? { double.flatMap { Int(exactly: $0) } }
    var string: String? { if case let .string(s) = self { return s }; return nil }
    var bool: Bool? { if case let .bool(b) = self { return b }; return nil }
    var isNull: Bool { if case .null = self { return true }; return false }
    var object: [String: JSONValue]? { if case let .object(o) = self { return o }; return nil }
    var doubles: [Double] { if case let .array(a) = self { return a.compactMap(\.double) }; return [] }
    var ints: [Int] { if case let .array(a) = self { return a.compactMap(\.int) }; return [] }
}

/// `object[key]` as a number, NaN when absent (so every comparison with it fails).
func number(_ object: [String: JSONValue], _ key: String) -> Double { object[key]?.double ?? .nan }

/// Largest |a[i] − b[i]|, infinity when the lengths differ.
func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
