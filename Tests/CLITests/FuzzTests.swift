import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 18's fuzz harness: every reader through the real binary, on truncated, bit-flipped,
/// field-overridden and deeply nested files. A case passes as a clean error (exit 1, one last
/// stderr line naming the file), a counted skip or a still-valid file; a signal, a hang, a
/// resident set above 1.5 GiB, another exit status, a raw or multi-line error, or a write outside
/// the case's output folder is a failure, kept on disk and listed.
///
/// Knobs (environment): FACENAS_FUZZ_SCALE (random case counts, default 1), FACENAS_FUZZ_TIMEOUT
/// (s, default 15), FACENAS_FUZZ_JOBS (default 2), FACENAS_FUZZ_ONLY (targets whose name contains it),
/// FACENAS_FUZZ_KEEP (a folder for the run instead of the temporary one).
@Suite(.serialized) struct FuzzTests {
    static let root: String = {
        if let keep = FuzzSettings.environment["FACENAS_FUZZ_KEEP"] {
            try? FileManager.default.removeItem(atPath: keep)
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            return keep
        }
        return CLI.temporaryDirectory("fuzz")
    }()

    static let corpus: Result<FuzzCorpus, Error> = Result { try FuzzCorpus.build(root: root) }

    /// The unmutated seed is accepted by each command, and files known to be bad get a clean error.
    @Test func seedsAreAcceptedAndKnownBadFilesAreCleanErrors() throws {
        guard CLI.binary != nil else { Issue.record("facenas binary not built"); return }
        let c = try Self.corpus.get()
        let targets = try FuzzTargets.all(c)
        var seen = Set<String>()
        for t in targets where seen.insert(t.command + "|" + t.template + "|" + t.file).inserted {
            let r = FuzzRunner.run(t, mutation: nil, index: 0, root: Self.root + "/sanity")
            #expect(r.kind == "valid" || r.kind == "skip", "seed of \(t.name) not accepted: \(r.verdictText) — facenas \(r.fuzzCase.args.joined(separator: " "))")
        }
        // Known bad: a pickle naming os.system, a .npy without its magic, a RecordIO file cut in a record.
        let bin = targets.first { $0.format == "bin pickle" && $0.command == "dataset info" }!
        let pwn = FuzzRunner.run(bin, mutation: Mutation(name: "GLOBAL os.system") { FuzzCorpus.picklePayload }, index: 1, root: Self.root + "/sanity")
        #expect(pwn.kind == "clean", "\(pwn.verdictText)")
        #expect(!FileManager.default.fileExists(atPath: Self.root + "/sanity/00001/in/pwn") && !FileManager.default.fileExists(atPath: "pwn"))
        let npy = targets.first { $0.format == "npy" && $0.command == "verify --embeddings" }!
        let notNPY = FuzzRunner.run(npy, mutation: Mutation(name: "not a .npy") { Array("hello".utf8) }, index: 2, root: Self.root + "/sanity")
        #expect(notNPY.kind == "clean", "\(notNPY.verdictText)")
        // And the classifier itself: a trap, a hang and a multi-line error are failures.
        let trap = ChildExit(end: .signalled(4), peakResidentKiB: 1, seconds: 0, stdout: "", stderr: "Fatal error: boom\n")
        #expect(FuzzClassifier.verdict(trap, names: ["x"]) != .cleanError)
        let twoLines = ChildExit(end: .exited(1), peakResidentKiB: 1, seconds: 0, stdout: "", stderr: "Error: x: bad\nmore\n")
        if case .failure = FuzzClassifier.verdict(twoLines, names: ["x"]) {} else { Issue.record("a two-line error must be a failure") }
        let crlf = ChildExit(end: .exited(1), peakResidentKiB: 1, seconds: 0, stdout: "", stderr: "Error: x: line 1: found '0 0\r\n1 40\r\n'\n")
        if case .failure = FuzzClassifier.verdict(crlf, names: ["x"]) {} else { Issue.record("an error quoting CRLF lines is multi-line") }
        let unnamed = ChildExit(end: .exited(1), peakResidentKiB: 1, seconds: 0, stdout: "", stderr: "Error: verification: 0 pairs\n")
        if case .failure = FuzzClassifier.verdict(unnamed, names: ["E.npy"]) {} else { Issue.record("an error not naming the file must be a failure") }
        #expect(FuzzClassifier.verdict(ChildExit(end: .exited(0), peakResidentKiB: 1, seconds: 0, stdout: "embedded 3 of 4 images (1 unreadable)", stderr: ""),
                                       names: []) == .countedSkip)
        // The hand-built decompression bomb really inflates to what it says (checked on a small one).
        #expect(Bombs.crc32OfZeros(1000) == Bombs.crc32([UInt8](repeating: 0, count: 1000)))
    }

    @Test func fuzzEveryReader() throws {
        guard CLI.binary != nil else { Issue.record("facenas binary not built"); return }
        let start = Date()
        let c = try Self.corpus.get()
        var targets = try FuzzTargets.all(c)
        if let only = FuzzSettings.only { targets = targets.filter { $0.name.contains(only) } }
        var jobs: [(FuzzTarget, Mutation?)] = []
        for t in targets { jobs.append((t, nil)); jobs += t.mutations.map { (t, $0) } }
        let report = FuzzReport()
        let next = Counter()
        let workers = max(1, FuzzSettings.parallel)
        let boxed = UncheckedBox(jobs)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let k = next.take()
                guard k < boxed.value.count else { return }
                let (t, m) = boxed.value[k]
                report.add(FuzzRunner.run(t, mutation: m, index: k, root: Self.root))
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let failureFolder = Self.root + "/failures"
        let text = report.markdown(seconds: seconds, failureFolder: failureFolder)
        print(text)
        let reportPath = CLI.packageRoot.appendingPathComponent(".build/fuzz-report.md").path
        try? Data(text.utf8).write(to: URL(fileURLWithPath: reportPath))
        let casesPath = CLI.packageRoot.appendingPathComponent(".build/fuzz-cases.tsv").path
        try? Data(report.tsv().utf8).write(to: URL(fileURLWithPath: casesPath))
        print("fuzz report: \(reportPath); every case: \(casesPath); failing files kept under \(failureFolder)")
        let failures = report.failures
        #expect(failures.isEmpty, """
            \(failures.count) of \(report.results.count) fuzz cases failed (report: \(reportPath)):
            \(failures.prefix(40).map { "\($0.fuzzCase.target) [\($0.fuzzCase.mutation)]: \($0.verdictText)" }.joined(separator: "\n"))
            """)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func take() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n - 1 }
}

final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}

/// One case: a fresh copy of the template, the mutated file, the run, the checks after it.
enum FuzzRunner {
    static func run(_ t: FuzzTarget, mutation: Mutation?, index: Int, root: String) -> FuzzResult {
        let fm = FileManager.default
        let dir = root + "/cases/" + String(format: "%05d", index)
        let input = dir + "/in", out = dir + "/out"
        try? fm.removeItem(atPath: dir)
        try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? fm.copyItem(atPath: t.template, toPath: input)
        try? fm.createDirectory(atPath: out, withIntermediateDirectories: true)
        let target = input + "/" + t.file
        if let m = mutation {
            try? Data(m.make()).write(to: URL(fileURLWithPath: target))
            m.prepare?(input)
        }
        // Bait for paths that escape the input folder (`../x.jpg`): it must stay as it is.
        let bait = dir + "/x.jpg"
        let baitBytes = Data("bait: no command may read or write this file".utf8)
        try? baitBytes.write(to: URL(fileURLWithPath: bait))
        let before = t.writesInput ? [:] : snapshot(input)
        let args = t.args(input, out)
        let fuzzCase = FuzzCase(format: t.format, target: "\(t.format) → \(t.command)", mutation: mutation?.name ?? "unmutated seed",
                                directory: dir, file: target, args: args, isSeed: mutation == nil)
        var exit = ChildRunner.run(CLI.binary!, args, directory: dir, timeout: FuzzSettings.timeout,
                                   residentBoundKiB: t.residentBoundKiB)
        // Inside the whole suite a poll has once read a child's VmHWM at 1.5 GiB that the same case
        // alone never reaches (26 MiB); the cause is not found yet. A real bomb grows the same way
        // every time, so a memory verdict must repeat to count. The bound itself is unchanged.
        if case .overMemory = exit.end {
            exit = ChildRunner.run(CLI.binary!, args, directory: dir, timeout: FuzzSettings.timeout,
                                   residentBoundKiB: t.residentBoundKiB)
        }
        var verdict = FuzzClassifier.verdict(exit, names: [(t.file as NSString).lastPathComponent, target] + t.alsoNames,
                                             bound: t.residentBoundKiB)
        // Where the bytes went: nothing over the input, nothing beside the case's folders.
        if case .failure = verdict {} else {
            if (try? Data(contentsOf: URL(fileURLWithPath: bait))) != baitBytes {
                verdict = .failure("escape: \(bait) was changed or removed")
            } else if let extra = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).first(where: { ![".stdout", ".stderr", "in", "out", "x.jpg"].contains($0) }) {
                verdict = .failure("escape: wrote \(dir)/\(extra) outside --out")
            } else if !t.writesInput, let changed = diff(before, snapshot(input)) {
                verdict = .failure("input changed: \(changed)")
            }
        }
        let kind: String
        switch verdict {
        case .cleanError: kind = "clean"
        case .countedSkip: kind = "skip"
        case .valid: kind = "valid"
        case .failure: kind = "failure"
        }
        if mutation == nil, kind == "clean", case .exited = exit.end {
            verdict = .failure("the unmutated seed is refused (harness setup): \(exit.stderr.split(separator: "\n").last ?? "")")
        }
        var kept: String?
        if case let .failure(why) = verdict {
            let slug = t.format.replacingOccurrences(of: " ", with: "-")
            let keep = root + "/failures/" + String(format: "%05d", index) + "-" + slug
            try? fm.createDirectory(atPath: root + "/failures", withIntermediateDirectories: true)
            try? fm.removeItem(atPath: keep)
            try? fm.moveItem(atPath: dir, toPath: keep)
            kept = keep + "/in/" + t.file
            try? Data("facenas \(args.map(FuzzReport.quoted).joined(separator: " "))\n\(why)\n".utf8)
                .write(to: URL(fileURLWithPath: keep + "/CASE.txt"))
            return FuzzResult(fuzzCase: fuzzCase, verdictText: why, isFailure: true, kind: "failure",
                              seconds: exit.seconds, peakResidentKiB: exit.peakResidentKiB, kept: kept)
        }
        try? fm.removeItem(atPath: dir)
        return FuzzResult(fuzzCase: fuzzCase, verdictText: kind, isFailure: false, kind: kind,
                          seconds: exit.seconds, peakResidentKiB: exit.peakResidentKiB, kept: nil)
    }

    /// Size and FNV-1a hash of every regular file under `folder` (symlinks and FIFOs not followed).
    static func snapshot(_ folder: String) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        var stack = [""]
        while let rel = stack.popLast() {
            let path = rel.isEmpty ? folder : folder + "/" + rel
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { continue }
            for name in names {
                let r = rel.isEmpty ? name : rel + "/" + name
                var st = stat()
                guard lstat(folder + "/" + r, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: stack.append(r)
                case S_IFREG:
                    var h: UInt64 = 0xcbf2_9ce4_8422_2325
                    if let d = FileManager.default.contents(atPath: folder + "/" + r) { for b in d { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
                    out[r] = h ^ UInt64(st.st_size)
                default: out[r] = 0
                }
            }
        }
        return out
    }

    static func diff(_ a: [String: UInt64], _ b: [String: UInt64]) -> String? {
        for (k, v) in a where b[k] != v { return b[k] == nil ? "\(k) removed" : "\(k) rewritten" }
        return nil   // new files in the input folder are allowed (e.g. caches); only existing ones are protected
    }
}
