import Foundation
#if canImport(Glibc)
import Glibc
#endif

// The signal handler may only touch plain globals: it records the signal and passes it on to the
// running stage, which then ends and lets the runner leave the state as `started`.
nonisolated(unsafe) private var currentChild: pid_t = 0
nonisolated(unsafe) private var receivedSignal: Int32 = 0

/// Runs one stage as a child process of this executable, its output passed through to ours and
/// appended to a log file.
enum PipelineChild {
    /// Installs the forwarding handler for SIGINT and SIGTERM. A caught signal (unlike an ignored
    /// one) is reset to its default in the child at exec, so stages still die on Ctrl-C.
    /// The signals are also unblocked: a blocked mask is inherited through exec (test harnesses and
    /// some launchers block them), and would leave both runner and stage deaf to Ctrl-C.
    static func forwardSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { s in
                receivedSignal = s
                if currentChild > 0 { kill(currentChild, s) }
            }
        }
    }

    /// The signal received since `forwardSignals`, if any.
    static var interruption: Int32? { receivedSignal == 0 ? nil : receivedSignal }

    static var executable: String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// Returns the exit status (128 + signal when the child was killed).
    static func run(_ args: [String], log: String) throws -> Int32 {
        guard FileManager.default.createFile(atPath: log, contents: nil) || FileManager.default.fileExists(atPath: log),
              let logHandle = FileHandle(forWritingAtPath: log) else {
            throw PipelineError("\(log): cannot open the stage log for writing")
        }
        defer { try? logHandle.close() }
        logHandle.seekToEndOfFile()
        let header = "== \(PipelineState.timestamp()) facenas \(args.joined(separator: " ")) ==\n"
        logHandle.write(Data(header.utf8))

        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        // One reader per stream until end of file, so neither pipe fills up and stalls the child.
        let lock = NSLock(), finished = DispatchGroup()
        for (pipe, terminal) in [(out, FileHandle.standardOutput), (err, FileHandle.standardError)] {
            finished.enter()
            Thread {
                let h = pipe.fileHandleForReading
                while case let d = h.availableData, !d.isEmpty {
                    lock.lock(); terminal.write(d); logHandle.write(d); lock.unlock()
                }
                finished.leave()
            }.start()
        }
        do { try p.run() } catch {
            throw PipelineError("cannot start \(executable): \(error)")
        }
        currentChild = p.processIdentifier
        // A signal that arrived while the child was being started has not been passed on yet.
        if let s = interruption { kill(p.processIdentifier, s) }
        p.waitUntilExit()
        currentChild = 0
        try? out.fileHandleForWriting.close()
        try? err.fileHandleForWriting.close()
        finished.wait()
        return p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    }
}
