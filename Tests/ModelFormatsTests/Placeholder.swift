import ModelFormats
import Testing

@Test func modelFormatErrorNamesTheFile() {
    #expect(ModelFormatError(file: "a.pth", "bad").description == "a.pth: bad")
}
