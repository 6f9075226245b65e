import Foundation

/// The Python with PyTorch that the pretrained-model tests build their reference files with:
/// FACENAS_TORCH_PYTHON, else Debian's /usr/bin/python3 when `python3-torch` is installed there
/// (`make test-deps` installs it). PyPI's torch wheel is not used: it needs about 5 GB of CUDA
/// libraries even to import. Without it those tests skip with a note.
public enum TorchPython {
    public static let executable: String? = {
        let env = ProcessInfo.processInfo.environment["FACENAS_TORCH_PYTHON"] ?? ""
        let candidates = env.isEmpty ? ["/usr/bin/python3"] : [env]
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) {
            if (try? InteropPython.execute(python: c, ["-c", "import torch"]).status) == 0 { return c }
        }
        return nil
    }()

    /// True when a Python with torch is there; otherwise prints why `what` is skipped.
    public static func available(for what: String = "PyTorch reference tests") -> Bool {
        if executable == nil { print("note: skipping \(what): set FACENAS_TORCH_PYTHON to a Python with torch (Debian's python3-torch)") }
        return executable != nil
    }

    /// Runs `script` (inline code, or a file path with `inline: false`) with `arguments`; throws with
    /// its output when it exits non-zero.
    @discardableResult
    public static func run(_ script: String, inline: Bool = true, _ arguments: [String]) throws -> String {
        guard let python = executable else { throw InteropPython.Failure(description: "no Python with torch (FACENAS_TORCH_PYTHON)") }
        let r = try InteropPython.execute(python: python, (inline ? ["-c", script] : [script]) + arguments)
        guard r.status == 0 else { throw InteropPython.Failure(description: "python (torch) failed (\(r.status)):\n\(r.output)") }
        return r.output
    }
}
