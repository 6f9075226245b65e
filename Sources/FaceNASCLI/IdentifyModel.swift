import ArgumentParser

/// `identify --model CKPT --tinyface DIR`: TinyFace embeddings computed by a checkpoint.
/// To be completed with the embedding extractor; until then the form is declared and refused.
enum IdentifyWithModel {
    static func run(model: String, tinyface: String, ranks: [Int], json: String?, plot: String?) throws {
        throw ValidationError("--model is not available yet")
    }
}
