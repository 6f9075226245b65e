/// A failure to decode or encode an image. `description` is one line without the file name: the
/// caller knows which file or record the bytes came from and prefixes it ("lfw.bin: record 12: ...").
public struct ImageIOError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
