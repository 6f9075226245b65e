// glibc's mallopt lives in <malloc.h>, which the Glibc module does not export.
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let glibcMmapThreshold: Int32 = -3   // M_MMAP_THRESHOLD in <malloc.h>

public enum MemoryPolicy {
    /// Serve every allocation of 1 MiB or more (activations, batches) with its own mapping, returned
    /// to the system when freed. glibc otherwise raises its mmap threshold after the first large
    /// free and carves later batches out of per-thread heaps, where a loader thread's freed batches
    /// fragment and resident memory creeps up over the first epochs.
    public static func returnLargeBlocksToTheSystem() {
        #if os(Linux)
        _ = glibcMallopt(glibcMmapThreshold, 1 << 20)
        #endif
    }
}
