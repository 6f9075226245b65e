import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which compiled copy of the hot kernels runs. `.avx2` is the build's floor (every Swift target is
/// compiled with `-target-cpu haswell`), so it is also the fallback; `.avx512` is the copy in the
/// KernelsAVX512 target, compiled for skylake-avx512, which must never run on a CPU without it.
public enum KernelPath: String, Sendable, CaseIterable {
    case avx2
    case avx512

    /// A forced path this CPU cannot honour, or an unknown FACENAS_KERNELS value.
    public enum SelectionError: Error, Equatable, CustomStringConvertible {
        case unsupported(KernelPath, missing: [String])
        case unknown(String)

        public var description: String {
            switch self {
            case .unsupported(let path, let missing):
                return "FACENAS_KERNELS=\(path.rawValue) but this CPU lacks \(missing.joined(separator: ", ")); "
                    + "unset FACENAS_KERNELS or set it to avx2"
            case .unknown(let value):
                return "FACENAS_KERNELS=\(value) is not a kernel path (use avx2 or avx512)"
            }
        }
    }

    /// The path for `features`, or the one `forced` names (FACENAS_KERNELS; nil or empty means
    /// choose). A pure function of its arguments, so the choice is testable for any CPU.
    public static func select(features: CPUFeatures, forced: String?) throws(SelectionError) -> KernelPath {
        if let forced, !forced.isEmpty {
            guard let path = KernelPath(rawValue: forced.lowercased()) else { throw .unknown(forced) }
            if path == .avx512 && !features.hasAVX512 { throw .unsupported(.avx512, missing: features.missingForAVX512) }
            return path
        }
        return features.hasAVX512 ? .avx512 : .avx2
    }
}

/// The path chosen once per process; dispatched kernels read it as the default of their `path:`
/// argument, so the choice costs one load per kernel call, never a test per element.
public enum KernelDispatch {
    public static let path: KernelPath = {
        do {
            return try KernelPath.select(features: .current, forced: ProcessInfo.processInfo.environment["FACENAS_KERNELS"])
        } catch {
            // One clear line and a normal exit: running on would mean SIGILL inside a kernel.
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(2)
        }
    }()

    /// Every path this CPU can run (for tests that compare them).
    public static var runnablePaths: [KernelPath] {
        CPUFeatures.current.hasAVX512 ? [.avx2, .avx512] : [.avx2]
    }
}
