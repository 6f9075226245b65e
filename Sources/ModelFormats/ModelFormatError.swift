/// A model file that cannot be read: one line naming the file, where in it (a byte offset, a
/// pickle opcode's offset, a graph node or a tensor key) and what was expected there.
public struct ModelFormatError: Error, CustomStringConvertible {
    public let file: String
    public let message: String
    public init(file: String, _ message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}
