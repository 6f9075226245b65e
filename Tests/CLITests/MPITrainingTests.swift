import Foundation
import Testing

/// Data-parallel training under `mpirun -np 2` (Open MPI from Debian, installed by `make test`):
/// 2 ranks × half a batch must take the steps 1 process takes on the whole batch, with identical
/// weights on every rank after every step; only rank 0 writes; a failing or killed rank ends the
/// job at once, and the rerun resumes.
@Suite(.serialized) struct MPITrainingTests {
    static func trainLosses(_ dir: String) throws -> [Double] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/metrics.json"))) as? [String: Any]
        let history = try #require(json?["history"] as? [[String: Any]])
        return history.compactMap { $0["train_loss"] as? Double }
    }

    static func relative(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) / max(abs($0), 1e-12) }.max() ?? .infinity
    }

    /// The plain template with synchronised BN, 8 steps on Fashion-MNIST (augmentation on). The
    /// learning rate is a fifth of the recipe's: at 0.025 one process at 1 thread and at 2 threads
    /// already part by 8e-5 after these 8 steps (a ReLU input crossing zero in one run and not the
    /// other), and 2 ranks land on the 1-thread run to 1e-7; see README, "Several machines".
    @Test func plainNetTwoRanksMatchOneProcess() throws {
        guard MPI.available(for: "the data-parallel plain-net test"),
              FileManager.default.fileExists(atPath: CLI.fashionMNIST) else { return }
        let dir = CLI.temporaryDirectory("mpi-plain")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["train", "--data", "fashion-mnist:" + CLI.fashionMNIST, "--depth", "6", "--width", "8", "--std-layers", "1",
                    "--k5-layers", "3", "--epochs", "1", "--limit-train", "512", "--batch-size", "64", "--lr", "0.005", "--sync-bn"]
        let single = try CLI.run(args + ["--out", dir + "/one"])
        #expect(single.status == 0, "\(single.stderr)")
        let ranks = try MPI.succeed(ranks: 2, args + ["--out", dir + "/two", "--verify-replicas"])
        #expect(ranks.stdout.contains("data-parallel: 2 ranks (MPI), global batch 64 = 32 per rank, batch norm synchronised, 1 thread per rank"))
        #expect(ranks.stdout.contains("replicas: weights identical on all 2 ranks after each of 8 steps"))
        // Rank 1 prints nothing and writes nothing: one "wrote" line, one metrics.json.
        #expect(ranks.stdout.components(separatedBy: "wrote ").count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/two").sorted() == ["checkpoint.safetensors", "metrics.json"])

        let (l1, l2) = (try Self.trainLosses(dir + "/one"), try Self.trainLosses(dir + "/two"))
        let w = try WeightDistance(dir + "/one/checkpoint.safetensors", dir + "/two/checkpoint.safetensors")
        print("mpi plain: loss \(l1) vs \(l2); weights max-relative \(w.maxRelative), L2-relative \(w.l2Relative) over \(w.tensors) tensors")
        #expect(l1.count == 1 && Self.relative(l1, l2) <= 1e-4)
        #expect(w.tensors > 20 && w.maxRelative <= 1e-4 && w.l2Relative <= 1e-4)
    }

    /// An IR net with an AdaFace head (feature-norm statistics over the global batch), synchronised
    /// BN, 2 steps of batch 32, standard and separable 3×3 and 5×5 convs. Longer runs drift apart
    /// at the pace one process drifts between 1 and 2 threads: AdaFace's clipped margin and PReLU's
    /// kink turn rounding differences into different branches (see README, "Several machines").
    @Test func irAdaFaceTwoRanksMatchOneProcess() throws {
        guard MPI.available(for: "the data-parallel IR test") else { return }
        let dir = CLI.temporaryDirectory("mpi-ir")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let synth = try CLI.run(["synth", "--out", dir + "/synth", "--size", "32", "--seed", "6", "--identities", "20", "--images-per-identity", "8"])
        #expect(synth.status == 0, "\(synth.stderr)")
        let args = ["train", "--task", "face", "--data", "synth:" + dir + "/synth", "--space", "ir", "--width", "8", "--stages", "1,1,1,1",
                    "--std-layers", "0,1,2,3,4,5", "--k5-layers", "2,5", "--embedding-size", "32", "--epochs", "1", "--batch-size", "32",
                    "--limit-train", "64", "--lr", "0.005", "--augment", "none", "--val-pairs", "50", "--loss", "adaface", "--sync-bn",
                    // Each rank draws its own dropout masks, which no one process repeats.
                    "--dropout", "0"]
        let single = try CLI.run(args + ["--out", dir + "/one"])
        #expect(single.status == 0, "\(single.stderr)")
        let ranks = try MPI.succeed(ranks: 2, args + ["--out", dir + "/two", "--verify-replicas"])
        #expect(ranks.stdout.contains("replicas: weights identical on all 2 ranks after each of 2 steps"))
        let (l1, l2) = (try Self.trainLosses(dir + "/one"), try Self.trainLosses(dir + "/two"))
        let w = try WeightDistance(dir + "/one/checkpoint.safetensors", dir + "/two/checkpoint.safetensors")
        print("mpi ir: loss \(l1) vs \(l2); weights max-relative \(w.maxRelative), L2-relative \(w.l2Relative) over \(w.tensors) tensors")
        #expect(Self.relative(l1, l2) <= 1e-4)
        #expect(w.tensors > 30 && w.maxRelative <= 1e-4 && w.l2Relative <= 1e-4)
        let best = try FileManager.default.contentsOfDirectory(atPath: dir + "/two")
        #expect(best.contains("best.safetensors") && best.contains("checkpoint.safetensors"))
    }

    /// A search under mpirun, stopped after 2 candidates and rerun, takes the decisions of the
    /// same search in one process (the rerun continues from rank 0's journal).
    @Test func searchTwoRanksTakesTheOneProcessDecisions() throws {
        guard MPI.available(for: "the data-parallel search test"),
              FileManager.default.fileExists(atPath: CLI.fashionMNIST) else { return }
        let dir = CLI.temporaryDirectory("mpi-search")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["search", "--data", "fashion-mnist:" + CLI.fashionMNIST, "--space", "plain", "--subset", "512", "--max-width", "8",
                    "--min-width", "4", "--min-depth", "3", "--max-depth", "5", "--epochs-start", "1", "--micro-epochs", "1",
                    "--max-candidates", "5", "--sync-bn"]
        let single = try CLI.run(args + ["--out", dir + "/one"])
        #expect(single.status == 0, "\(single.stderr)")
        var stopped = args
        stopped[stopped.firstIndex(of: "--max-candidates")! + 1] = "2"
        let first = try MPI.succeed(ranks: 2, stopped + ["--out", dir + "/two"])
        #expect(first.stdout.contains("stopped: --max-candidates 2 reached"))
        let rerun = try MPI.succeed(ranks: 2, args + ["--out", dir + "/two"])
        #expect(rerun.stdout.contains("resuming: 2 candidates in the journal are read back, not retrained"), "\(rerun.stdout)")
        func decisions(_ d: String) throws -> [String] {
            try String(contentsOfFile: d + "/search.jsonl", encoding: .utf8).split(separator: "\n").dropFirst().map { line in
                let r = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
                return "\(r["depth"] ?? "") \(r["width"] ?? "") \(r["decision"] ?? "") \(String(format: "%.2f", (r["accuracy"] as? Double) ?? -1))"
            }
        }
        let (a, b) = (try decisions(dir + "/one"), try decisions(dir + "/two"))
        print("mpi search: \(b)")
        #expect(a.count == 5 && a == b)
        #expect(FileManager.default.fileExists(atPath: dir + "/two/report.md"))
    }

    /// Rank 1 killed mid-run: mpirun ends the job within seconds naming rank 1 and the signal; the
    /// rerun with --resume continues from rank 0's checkpoint and finishes.
    @Test func aKilledRankEndsTheJobAndTheRerunResumes() throws {
        guard MPI.available(for: "the killed-rank test"),
              FileManager.default.fileExists(atPath: CLI.fashionMNIST) else { return }
        let dir = CLI.temporaryDirectory("mpi-kill")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/run"
        let args = ["train", "--data", "fashion-mnist:" + CLI.fashionMNIST, "--depth", "6", "--width", "8", "--epochs", "4",
                    "--limit-train", "6144", "--batch-size", "64", "--out", out]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: MPI.mpirun!)
        p.arguments = MPI.arguments(ranks: 2, args)
        let log = dir + "/job.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = handle; p.standardError = handle
        try p.run()
        CLI.wait(for: p, seconds: 120) { FileManager.default.fileExists(atPath: out + "/checkpoint.safetensors") }
        let victims = MPI.processes(rank: 1, marker: out)
        #expect(victims.count == 1, "rank 1 processes: \(victims)")
        for v in victims { kill(v, SIGKILL) }
        let killed = Date()
        CLI.wait(for: p, seconds: 60) { false }
        let seconds = Date().timeIntervalSince(killed)
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        try handle.close()
        let text = try String(contentsOfFile: log, encoding: .utf8)
        print("mpi kill: job ended \(String(format: "%.1f", seconds)) s after rank 1 was killed")
        #expect(seconds < 15)
        #expect(p.terminationStatus != 0)
        #expect(text.contains("rank 1") && text.contains("signal 9"), "\(text.suffix(800))")

        let rerun = try MPI.succeed(ranks: 2, args + ["--resume"])
        #expect(rerun.stdout.contains("resuming after epoch"))
        #expect(try Self.trainLosses(out).count == 4)
    }

    /// A rank that cannot read its data ends the job with one line naming the rank and the file.
    @Test func aRankThatCannotReadItsDataEndsTheJob() throws {
        guard MPI.available(for: "the unreadable-data test"),
              FileManager.default.fileExists(atPath: CLI.fashionMNIST) else { return }
        let dir = CLI.temporaryDirectory("mpi-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Rank 1 is pointed at an empty folder, rank 0 at the real data.
        let script = "if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then d=\(dir); else d=\(CLI.fashionMNIST); fi; "
            + "exec \(CLI.binary!) train --data fashion-mnist:$d --depth 4 --width 8 --epochs 1 --limit-train 256 --out \(dir)/run"
        let started = Date()
        let r = try CLI.run(executable: MPI.mpirun!, ["--allow-run-as-root", "--oversubscribe", "-np", "2", "/bin/sh", "-c", script])
        #expect(r.status != 0)
        #expect(Date().timeIntervalSince(started) < 60)
        #expect((r.stdout + r.stderr).contains("facenas: rank 1 of 2: fashion-mnist:\(dir): missing file train-images-idx3-ubyte"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/metrics.json"))
    }

    /// `facenas run`'s stages are child processes, which cannot join the job: refused at once.
    @Test func aPipelineRefusesToRunUnderMPI() throws {
        guard MPI.available(for: "the pipeline-under-MPI test") else { return }
        let r = try MPI.run(ranks: 2, ["demo", "--check"])
        #expect(r.status != 0)
        #expect((r.stdout + r.stderr).contains("cannot join an MPI job"), "\(r.stderr)")
    }
}
