import Foundation
#if canImport(Glibc)
import Glibc
#endif

// The fuzz harness of issue 18: runs the real `facenas` binary on mutated files, one child
// process per case, because a trap, a stack overflow or a runaway allocation can only be seen
// from outside the process. This file: settings, the child runner (timeout, peak resident set),
// the verdict of one case and the report. Seeds: FuzzCorpus.swift; mutations: FuzzMutations.swift;
// targets (which command reads which file): FuzzTargets.swift; the tests: FuzzTests.swift.

/// Everything a run depends on; the counts are per target and scale with FACENAS_FUZZ_SCALE.
enum FuzzSettings {
    /// Fixed: the same binary and seed always produce the same cases.
    static let seed: UInt64 = 0x00F1_CE5E_ED18
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    /// Multiplies every random case count (truncations, bit flips, field overrides are fixed lists).
    static var scale: Double { environment["FACENAS_FUZZ_SCALE"].flatMap(Double.init) ?? 1 }
    /// Seconds before a case is killed and counted as a hang.
    static var timeout: Double { environment["FACENAS_FUZZ_TIMEOUT"].flatMap(Double.init) ?? 15 }
    /// The stated bound on a child's peak resident set (polled VmHWM): 1.5 GiB.
    static let residentBoundKiB = 1536 * 1024
    /// For cases whose file is one image (JPEG, PNG): 512 MiB, about 13 times a normal run's
    /// ~78 MiB; a header claiming 16000×16000 must be refused before its 768 MB are allocated.
    static let imageResidentBoundKiB = 512 * 1024
    /// Cases run at the same time (the machine has 2 cores; most cases wait on the disk or exec).
    static var parallel: Int { environment["FACENAS_FUZZ_JOBS"].flatMap(Int.init) ?? 2 }
    /// Random truncation offsets and bit-flip cases per target, before scaling.
    static let randomTruncations = 3
    static let bitFlipCases = 6
    /// Only targets whose name contains this (FACENAS_FUZZ_ONLY=npy) when set: for reproducing.
    static var only: String? { environment["FACENAS_FUZZ_ONLY"] }

    static func scaled(_ n: Int) -> Int { max(0, Int((Double(n) * scale).rounded())) }
}

/// How one child process ended.
struct ChildExit {
    enum End: Equatable { case exited(Int32), signalled(Int32), timedOut, overMemory }
    var end: End
    var peakResidentKiB: Int
    var seconds: Double
    var stdout: String
    var stderr: String
}

/// Starts a program with posix_spawn (its own process group, stdin from /dev/null, output into
/// files), polls it every few milliseconds for its end, its peak resident set and the deadline.
enum ChildRunner {
    static func run(_ executable: String, _ args: [String], directory: String, timeout: Double,
                    residentBoundKiB: Int, environment extra: [String: String] = [:]) -> ChildExit {
        let outPath = directory + "/.stdout", errPath = directory + "/.stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        var env = ProcessInfo.processInfo.environment
        // A crashing child would otherwise spend a second symbolicating its backtrace.
        env["SWIFT_BACKTRACE"] = "enable=no"
        for (k, v) in extra { env[k] = v }
        let argv = [executable] + args
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }

        let start = Date()
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, cArgs, cEnv)
        guard rc == 0 else {
            return ChildExit(end: .exited(127), peakResidentKiB: 0, seconds: 0, stdout: "",
                             stderr: "posix_spawn failed: \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        var end: ChildExit.End?
        var polledPeak = 0
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            polledPeak = max(polledPeak, peakResident(of: pid))
            if polledPeak > residentBoundKiB {
                end = .overMemory
            } else if Date().timeIntervalSince(start) > timeout {
                end = .timedOut
            }
            if end != nil {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
                kill(-pid, SIGKILL)   // anything it started
                break
            }
            usleep(3000)
        }
        let seconds = Date().timeIntervalSince(start)
        // Only the polled VmHWM of the child's own image counts. Its ru_maxrss cannot: posix_spawn
        // shares this process's memory until the child's exec, and Linux records that memory's
        // resident high-water mark (this test process, 0.9–1.7 GiB inside the whole suite) as the
        // child's — even above what getrusage later reports for this process, whose own mark is
        // updated lazily. A high-water mark polled every 3 ms misses at most a child's last
        // moments, and the bombs this bound is for take seconds to grow.
        let peak = polledPeak
        if end == nil {
            let low = status & 0x7f
            end = low == 0 ? .exited((status >> 8) & 0xff) : .signalled(low)
            if peak > residentBoundKiB { end = .overMemory }
        }
        return ChildExit(end: end!, peakResidentKiB: peak, seconds: seconds,
                         stdout: readText(outPath), stderr: readText(errPath))
    }

    /// VmHWM of a live process in KiB (0 when it is gone).
    static func peakResident(of pid: pid_t) -> Int {
        let fd = open("/proc/\(pid)/status", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return 0 }
        let text = String(decoding: buffer[0..<n], as: UTF8.self)
        guard let r = text.range(of: "VmHWM:") else { return 0 }
        let digits = text[r.upperBound...].drop { $0 == " " || $0 == "\t" }.prefix { $0.isNumber }
        return Int(digits) ?? 0
    }

    /// At most the last 8 MiB (an error line may quote a long input line; a chatty child must not fill memory).
    static func readText(_ path: String) -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: size > 8 << 20 ? size - (8 << 20) : 0)
        return String(decoding: h.readDataToEndOfFile(), as: UTF8.self)
    }
}

/// What a case showed. Only `failure` fails the test.
enum FuzzVerdict: Equatable {
    /// Exit 1 and stderr ending in one line that names the file.
    case cleanError
    /// Exit 0 and the output says an item was skipped or counted as a problem.
    case countedSkip
    /// Exit 0 without any complaint: the mutation left a file the command accepts.
    case valid
    case failure(String)
}

enum FuzzClassifier {
    /// Text that only escapes when an error is printed raw instead of as one line.
    static let rawMarkers = ["DecodingError", "NSCocoaErrorDomain", "Error Domain=", "Fatal error", "fatal error",
                             "dataCorrupted(", "keyNotFound(", "typeMismatch(", "valueNotFound(", "Swift/",
                             "Program crashed", "Illegal instruction", "Segmentation fault", "Stack dump"]
    /// Words of a counted skip or problem report when the command still exits 0.
    static let skipWords = ["skip", "unreadable", "problem", "warning", "torn", "ignored", "could not"]
    /// Phrases that say nothing was skipped.
    static let nothingSkipped = ["skipped: 0", "skipped 0", "0 skipped", "0 unreadable", "problems: none", "problems: 0", "no problems"]

    static let signalNames: [Int32: String] = [4: "SIGILL (Swift trap)", 5: "SIGTRAP (Swift trap)", 6: "SIGABRT",
                                               7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV (stack overflow or bad access)"]

    /// `names`: the strings of which one must appear in the error line (the file's base name and path).
    static func verdict(_ exit: ChildExit, names: [String], bound: Int = FuzzSettings.residentBoundKiB) -> FuzzVerdict {
        // Lines end at the byte "\n" only (a String split would keep "\r\n" as one character and
        // miss that line end; a stray "\r" alone does not make two lines).
        let lines = exit.stderr.utf8.split(separator: 0x0a).map { String(decoding: $0, as: UTF8.self) }
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let last = lines.last.map { String($0.prefix(300)) } ?? "(nothing on stderr)"
        let hint = lines.first { l in rawMarkers.contains { l.contains($0) } }.map { String($0.prefix(300)) } ?? last
        switch exit.end {
        case .timedOut:
            return .failure("hang: killed after \(Int(FuzzSettings.timeout)) s")
        case .overMemory:
            return .failure("memory: peak resident set \(exit.peakResidentKiB / 1024) MiB above the \(bound / 1024) MiB bound")
        case let .signalled(s):
            let memory = exit.stderr.contains("allocate") ? " (failed allocation)" : ""
            return .failure("crash: signal \(s) \(signalNames[s] ?? "")\(memory): \(hint)")
        case let .exited(code) where code != 0 && code != 1:
            return .failure("exit status \(code): \(hint)")
        case .exited(1):
            if let raw = lines.first(where: { l in rawMarkers.contains { l.contains($0) } }) {
                return .failure("raw error text: \(raw.prefix(300))")
            }
            guard let last = lines.last else { return .failure("exit 1 with nothing on stderr") }
            // The error line is the last one; an "Error:" line before it means a multi-line error.
            if lines.dropLast().contains(where: { $0.hasPrefix("Error:") }) {
                let from = lines.lastIndex { $0.hasPrefix("Error:") && $0 != last } ?? 0
                return .failure("multi-line error: \(lines[from...].joined(separator: " ⏎ ").prefix(300))")
            }
            guard names.contains(where: { !$0.isEmpty && last.contains($0) }) else {
                return .failure("error does not name the file: \(last.prefix(300))")
            }
            return .cleanError
        case .exited:
            let output = (exit.stdout + "\n" + exit.stderr).lowercased()
            var rest = output
            for p in nothingSkipped { rest = rest.replacingOccurrences(of: p, with: "") }
            if let raw = (exit.stdout + "\n" + exit.stderr).utf8.split(separator: 0x0a).map({ String(decoding: $0, as: UTF8.self) })
                .first(where: { l in rawMarkers.contains { l.contains($0) } }) {
                return .failure("exit 0 with raw error text: \(raw.prefix(300))")
            }
            return skipWords.contains { rest.contains($0) } ? .countedSkip : .valid
        }
    }
}

/// One file given to one command.
struct FuzzCase: Sendable {
    var format: String
    var target: String
    var mutation: String
    /// The folder the case runs in (a copy of the target's template) and the file mutated in it.
    var directory: String
    var file: String
    var args: [String]
    /// The stated expectation of the unmutated seed: exit 0.
    var isSeed: Bool
}

struct FuzzResult: Sendable {
    var fuzzCase: FuzzCase
    var verdictText: String
    var isFailure: Bool
    var kind: String        // clean, skip, valid, failure
    var seconds: Double
    var peakResidentKiB: Int
    var kept: String?
}

/// Totals per format, the failures, and the report written next to the build.
final class FuzzReport: @unchecked Sendable {
    private let lock = NSLock()
    private var unordered: [FuzzResult] = []

    func add(_ r: FuzzResult) { lock.lock(); unordered.append(r); lock.unlock() }

    /// In case order (the cases finish in any order when run side by side).
    var results: [FuzzResult] {
        lock.lock(); defer { lock.unlock() }
        return unordered.sorted { $0.fuzzCase.directory < $1.fuzzCase.directory }
    }

    var failures: [FuzzResult] { results.filter(\.isFailure) }

    func markdown(seconds: Double, failureFolder: String) -> String {
        var formats: [String] = []
        var rows: [String: (cases: Int, clean: Int, skip: Int, valid: Int, fail: Int, time: Double)] = [:]
        for r in results {
            let f = r.fuzzCase.format
            if rows[f] == nil { formats.append(f); rows[f] = (0, 0, 0, 0, 0, 0) }
            rows[f]!.cases += 1
            rows[f]!.time += r.seconds
            switch r.kind {
            case "clean": rows[f]!.clean += 1
            case "skip": rows[f]!.skip += 1
            case "valid": rows[f]!.valid += 1
            default: rows[f]!.fail += 1
            }
        }
        var out = "# facenas fuzz report\n\n"
        let heaviest = results.sorted { $0.peakResidentKiB > $1.peakResidentKiB }.prefix(5)
        out += "seed \(String(FuzzSettings.seed, radix: 16)), scale \(FuzzSettings.scale), timeout \(Int(FuzzSettings.timeout)) s, "
        out += "resident bound \(FuzzSettings.residentBoundKiB / 1024) MiB (images \(FuzzSettings.imageResidentBoundKiB / 1024) MiB), \(FuzzSettings.parallel) at a time, \(String(format: "%.1f", seconds)) s in all\n\n"
        out += "| format | cases | clean errors | counted skips | valid | failures | child s |\n|---|---:|---:|---:|---:|---:|---:|\n"
        var total = (0, 0, 0, 0, 0, 0.0)
        for f in formats {
            let r = rows[f]!
            out += "| \(f) | \(r.cases) | \(r.clean) | \(r.skip) | \(r.valid) | \(r.fail) | \(String(format: "%.1f", r.time)) |\n"
            total = (total.0 + r.cases, total.1 + r.clean, total.2 + r.skip, total.3 + r.valid, total.4 + r.fail, total.5 + r.time)
        }
        out += "| **all** | \(total.0) | \(total.1) | \(total.2) | \(total.3) | \(total.4) | \(String(format: "%.1f", total.5)) |\n"
        out += "\nlargest peak resident sets: " + heaviest.map { "\($0.peakResidentKiB / 1024) MiB (\($0.fuzzCase.target) `\($0.fuzzCase.mutation)`)" }
            .joined(separator: "; ") + "\n"
        let slowest = results.sorted { $0.seconds > $1.seconds }.prefix(5)
        out += "\nslowest cases: " + slowest.map { "\(String(format: "%.1f", $0.seconds)) s (\($0.fuzzCase.target) `\($0.fuzzCase.mutation)`)" }
            .joined(separator: "; ") + "\n"
        let failed = failures
        if !failed.isEmpty {
            out += "\n## \(failed.count) failures (files kept under \(failureFolder))\n\n"
            // Grouped by target and how it ended, so one class of bug reads as one entry.
            var classes: [String: [FuzzResult]] = [:]
            var order: [String] = []
            for r in failed {
                let key = "\(r.fuzzCase.target) — \(Self.failureClass(r.verdictText))"
                if classes[key] == nil { order.append(key) }
                classes[key, default: []].append(r)
            }
            out += "### classes\n\n"
            for k in order { out += "- \(k): \(classes[k]!.count) (e.g. \(classes[k]!.prefix(4).map(\.fuzzCase.mutation).joined(separator: ", ")))\n" }
            out += "\n### cases\n\n"
            for r in failed {
                out += "- **\(r.fuzzCase.target)** `\(r.fuzzCase.mutation)`: \(r.verdictText)\n"
                out += "  - `facenas \(r.fuzzCase.args.map(Self.quoted).joined(separator: " "))`\n"
                out += "  - kept: \(r.kept ?? "(not kept)")\n"
            }
        }
        return out
    }

    /// One line per case: target, mutation, verdict, seconds, peak resident set.
    func tsv() -> String {
        "target\tmutation\tverdict\tseconds\tpeak_rss_kib\n" + results.map {
            "\($0.fuzzCase.target)\t\($0.fuzzCase.mutation)\t\($0.isFailure ? "FAILURE: " + $0.verdictText.prefix(200) : $0.kind)\t\(String(format: "%.3f", $0.seconds))\t\($0.peakResidentKiB)"
        }.joined(separator: "\n") + "\n"
    }

    /// The verdict without its case-specific details (numbers, paths).
    static func failureClass(_ text: String) -> String {
        var t = String(text.prefix(140))
        if let r = t.range(of: "/tmp/") ?? t.range(of: "/facenas-") { t = String(t[..<r.lowerBound]) + "…" }
        return t.replacingOccurrences(of: #"\d+"#, with: "N", options: .regularExpression)
    }

    static func quoted(_ s: String) -> String {
        s.contains(where: { " '\"$".contains($0) }) ? "'\(s.replacingOccurrences(of: "'", with: "'\\''"))'" : s
    }
}
