import Testing
import Tensor

@Suite struct TensorPoolTests {
    @Test func storageReturnsWhenTheLastHolderLetsGo() {
        let pool = TensorPool()
        var a: Tensor? = pool.tensor([4, 5])
        let first = a!.data
        // Held: a second request must not get the same memory.
        let b = pool.tensor([20])
        #expect(b.data != first)
        a = nil
        // Released: the next request that fits reuses it, and the pool does not grow.
        let bytes = pool.bytes
        let c = pool.tensor([2, 10])
        #expect(c.data == first && c.shape == [2, 10])
        #expect(pool.bytes == bytes)
        _ = b
    }

    @Test func smallestFreeStorageThatFitsIsChosen() {
        let pool = TensorPool()
        var big: Tensor? = pool.tensor([100]), small: Tensor? = pool.tensor([10])
        let bigAddress = big!.data, smallAddress = small!.data
        big = nil; small = nil
        #expect(pool.tensor([8]).data == smallAddress)
        #expect(pool.tensor([50]).data == bigAddress)
        // Neither fits 200 floats: both (free) are dropped and a new storage is made.
        let grown = pool.tensor([200])
        #expect(grown.data != bigAddress && grown.data != smallAddress)
        #expect(pool.bytes == 200 * 4)
    }

    @Test func aLargerRequestKeepsHeldStoragesAndLargerFreeOnes() {
        let pool = TensorPool()
        let held = pool.tensor([10])
        var larger: Tensor? = pool.tensor([500]), smaller: Tensor? = pool.tensor([20])
        larger = nil; smaller = nil
        _ = (larger, smaller)
        // 300 fits the free 500: no allocation, nothing dropped.
        let a = pool.tensor([300])
        #expect(pool.bytes == (10 + 500 + 20) * 4)
        // 400 fits nothing free: the free 20 goes, the held 10 and the held 500 stay.
        let b = pool.tensor([400])
        #expect(pool.bytes == (10 + 500 + 400) * 4)
        _ = (held, a, b)
    }

    @Test func trimReleasesOnlyFreeStorages() {
        let pool = TensorPool()
        let held = pool.tensor([30])
        var dropped: Tensor? = pool.tensor([40])
        dropped = nil
        _ = dropped
        pool.trim()
        #expect(pool.bytes == 30 * 4)
        _ = held
    }
}
