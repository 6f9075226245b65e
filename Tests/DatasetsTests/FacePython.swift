import Foundation

/// The interop Python (FACENAS_PYTHON, a venv with numpy and scipy; `make test-deps` makes it).
enum FacePython {
    static var executable: String? {
        guard let p = ProcessInfo.processInfo.environment["FACENAS_PYTHON"], !p.isEmpty,
              FileManager.default.isExecutableFile(atPath: p) else { return nil }
        return p
    }

    static var available: Bool {
        if executable == nil { print("note: skipping Python interop tests: set FACENAS_PYTHON to a Python with numpy and scipy") }
        return executable != nil
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Runs `script` with `arguments`; throws with its output when it exits non-zero.
    @discardableResult
    static func run(_ script: String, _ arguments: [String]) throws -> String {
        guard let python = executable else { throw Failure(description: "FACENAS_PYTHON is not set") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else { throw Failure(description: "python failed (\(p.terminationStatus)):\n\(text)") }
        return text
    }
}

/// A tiny JPEG-looking payload (SOI, a frame header giving `width`×`height`, EOI) whose bytes
/// differ per `seed`; decoding is not involved in these tests.
func fakeJPEG(_ seed: UInt64, width: Int = 112, height: Int = 112, extra: Int = 40) -> Data {
    var b: [UInt8] = [0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, UInt8(height >> 8), UInt8(height & 0xff),
                      UInt8(width >> 8), UInt8(width & 0xff), 1, 1, 0x11, 0]
    b += randomBytes(extra, seed: seed)
    b += [0xff, 0xd9]
    return Data(b)
}
