import Tensor

// OpenBLAS reads OPENBLAS_CORETYPE only when it loads: fix a misdetected core by re-executing
// before any work (engineering-measurements A.1). Our own loops use both cores, so OpenBLAS
// runs single-threaded except where a layer asks for more (BLAS.withThreads).
CoreTypeGuard.ensureFastCore()
BLAS.setThreads(1)
MemoryPolicy.returnLargeBlocksToTheSystem()
FaceNAS.main()
