import Foundation

/// Writes pretty JSON via a temporary file and a rename, so a reader never sees half a file.
public func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    try e.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
}
