import Pretrained
import Testing

@Test func pretrainedErrorNamesTheFile() {
    #expect(PretrainedError(file: "a.onnx", "bad").description == "a.onnx: bad")
}
