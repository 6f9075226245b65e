import Foundation

/// Writes pretty JSON via a temporary file and a rename, so a reader never sees half a file.
public func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    try e.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
}

/// The same for a value known only as some Encodable.
public func writeJSON(any value: any Encodable, to path: String) throws {
    try writeJSON(AnyEncodable(value), to: path)
}

private struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
