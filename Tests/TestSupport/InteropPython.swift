import Foundation

/// The Python the interop tests compare against: FACENAS_PYTHON, a venv with numpy, scipy,
/// safetensors, onnx, onnxruntime and pillow that `make test-deps` creates. Without it those tests skip with a note.
public enum InteropPython {
    public static var executable: String? {
        guard let p = ProcessInfo.processInfo.environment["FACENAS_PYTHON"], !p.isEmpty,
              FileManager.default.isExecutableFile(atPath: p) else { return nil }
        return p
    }

    /// True when the interop Python is there; otherwise prints why `what` is skipped.
    public static func available(for what: String = "Python interop tests") -> Bool {
        if executable == nil { print("note: skipping \(what): set FACENAS_PYTHON to a Python with numpy, scipy, safetensors, onnx, onnxruntime and pillow") }
        return executable != nil
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs the interop Python with `arguments`; the exit status and stdout+stderr together.
    public static func execute(_ arguments: [String]) throws -> (status: Int32, output: String) {
        guard let python = executable else { throw Failure(description: "FACENAS_PYTHON is not set") }
        return try execute(python: python, arguments)
    }

    /// Runs any Python executable with `arguments`; the exit status and stdout+stderr together.
    public static func execute(python: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs `script` (inline code, or a file path with `inline: false`) with `arguments`; throws with
    /// its output when it exits non-zero.
    @discardableResult
    public static func run(_ script: String, inline: Bool = true, _ arguments: [String]) throws -> String {
        let r = try execute((inline ? ["-c", script] : [script]) + arguments)
        guard r.status == 0 else { throw Failure(description: "python failed (\(r.status)):\n\(r.output)") }
        return r.output
    }
}
