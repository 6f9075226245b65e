import Foundation
import Tensor

// OpenBLAS reads OPENBLAS_CORETYPE only when it loads: fix a misdetected core by re-executing
// before any work (engineering-measurements A.1). Our own loops use both cores, so OpenBLAS
// runs single-threaded except where a layer asks for more (BLAS.withThreads).
CoreTypeGuard.ensureFastCore()
// Choose the kernel path now, so a FACENAS_KERNELS this CPU cannot honour stops here with its one
// line rather than at the first kernel call.
_ = KernelDispatch.path
BLAS.setThreads(1)
MemoryPolicy.returnLargeBlocksToTheSystem()
// Line-buffered even into a pipe, so a pipeline stage's log and terminal show each line as it is
// printed rather than in 4 KB bursts (or not at all when the stage is killed). Swift 6 refuses to
// name the C global `stdout`, so its address comes from the dynamic linker.
if let symbol = dlsym(nil, "stdout") {
    setvbuf(symbol.assumingMemoryBound(to: UnsafeMutablePointer<FILE>.self).pointee, nil, _IOLBF, 0)
}
runCommandLine()
