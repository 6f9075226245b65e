import Foundation

/// Runs the built `facenas` executable (FACENAS_BIN, else .build/release/facenas or .build/debug/facenas).
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String? {
        if let b = ProcessInfo.processInfo.environment["FACENAS_BIN"], FileManager.default.isExecutableFile(atPath: b) { return b }
        for c in ["release", "debug"] {
            let p = packageRoot.appendingPathComponent(".build/\(c)/facenas").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// `environment`: variables to set (a nil value removes the variable) on top of this process's.
    static func run(_ args: [String], environment: [String: String?] = [:]) throws -> Result {
        guard let bin = binary else { throw CLIError("facenas binary not built: run `swift build -c release --product facenas` (make test does)") }
        return try run(executable: bin, args, environment: environment)
    }

    /// Runs any executable (e.g. `mpirun` with facenas among its arguments), output captured.
    static func run(executable bin: String, _ args: [String], environment: [String: String?] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        // Read both pipes concurrently so a chatty child never blocks on a full pipe.
        let errData = LockedData()
        let t = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        t.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errData.done { usleep(1000) }
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: errData.data, as: UTF8.self))
    }

    /// Starts `facenas args` in the background, output discarded, for tests that interrupt it.
    static func start(_ args: [String]) throws -> Process {
        guard let bin = binary else { throw CLIError("facenas binary not built: run `swift build -c release --product facenas` (make test does)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Polls `done` every `interval` microseconds until it holds, `process` ends or `seconds` pass.
    static func wait(for process: Process, seconds: Double, interval: UInt32 = 20_000, until done: () -> Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while !done() && Date() < deadline && process.isRunning { usleep(interval) }
    }

    static func temporaryDirectory(_ name: String) -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("facenas-test-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: d)
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static var fashionMNIST: String {
        ProcessInfo.processInfo.environment["FACENAS_FMNIST"] ?? "/usr/share/datasets/fashion-mnist"
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var _data = Data(), _done = false
    func set(_ d: Data) { lock.lock(); _data = d; _done = true; lock.unlock() }
    var done: Bool { lock.lock(); defer { lock.unlock() }; return _done }
    var data: Data { lock.lock(); defer { lock.unlock() }; return _data }
}
