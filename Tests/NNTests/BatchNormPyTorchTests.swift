import NN
import Tensor
import Testing

/// BatchNorm2d against values printed by PyTorch 2 (torch.nn.BatchNorm2d(2), momentum 0.1,
/// eps 1e-5, weight [1.5, 0.5], bias [0.1, -0.2]) for the input below: a training forward,
/// the running statistics after it and after a second training forward on 2·x (running
/// variance uses the unbiased batch variance), then an evaluation forward with those statistics.
@Suite struct BatchNormPyTorchTests {
    static let x: [Float] = [1, 2, 3, 4, -1, 0.5, 2, 8, 0, -2, 5, 1, 3, 3, -4, 0.25]  // [2, 2, 2, 2]

    static let trainY: [Float] = [-0.43405115604400635, 0.2780170440673828, 0.990085244178772, 1.7021534442901611,
                                  -0.5763610601425171, -0.3476859927177429, -0.11901092529296875, 0.7956893444061279,
                                  -1.1461193561553955, -2.570255756378174, 2.41422176361084, -0.43405115604400635,
                                  0.033439114689826965, 0.033439114689826965, -1.0337111949920654, -0.38579848408699036]
    static let evalY: [Float] = [0.506976306438446, 1.3333241939544678, 2.1596720218658447, 2.9860198497772217,
                                 -0.4727333188056946, -0.1858343780040741, 0.10106456279754639, 1.2486603260040283,
                                 -0.3193715214729309, -1.97206711769104, 3.8123676776885986, 0.506976306438446,
                                 0.2923305034637451, 0.2923305034637451, -1.0465312004089355, -0.23365086317062378]

    func close(_ a: [Float], _ b: [Float], _ tol: Float = 2e-6) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol * max(1, abs($1)) }
    }

    @Test func trainingAndEvaluationMatchPyTorch() {
        let bn = BatchNorm(channels: 2)
        bn.gamma.value[0] = 1.5; bn.gamma.value[1] = 0.5
        bn.beta.value[0] = 0.1; bn.beta.value[1] = -0.2
        let x = Tensor(shape: [2, 2, 2, 2], values: Self.x)
        let y = bn.forward(x, training: true).array
        #expect(close(y, Self.trainY), "\(y)")
        #expect(close(bn.runningMean.array, [0.17499999701976776, 0.14687500894069672]))
        #expect(close(bn.runningVariance.array, [1.4071428775787354, 2.129352569580078]))
        let x2 = Tensor(shape: [2, 2, 2, 2], values: Self.x.map { 2 * $0 })
        _ = bn.forward(x2, training: true)
        #expect(close(bn.runningMean.array, [0.5074999928474426, 0.4259375333786011]))
        #expect(close(bn.runningVariance.array, [3.2950000762939453, 6.833827972412109]))
        #expect(bn.batchesTracked[0] == 2)
        let ye = bn.forward(x, training: false).array
        #expect(close(ye, Self.evalY), "\(ye)")
    }
}
