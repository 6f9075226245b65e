import ArgumentParser
import Export
import Metrics

struct FaceNAS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facenas",
        abstract: "Search, train and evaluate face-recognition and image-classification backbones on CPUs.",
        version: faceNASVersion,
        subcommands: [Inspect.self, Train.self, Evaluate.self, SearchCommand.self, Dataset.self, Align.self, Detect.self, Synth.self,
                      Verify.self, Identify.self, Embed.self, Query.self, Export.self, Import.self, Report.self, Study.self, Bench.self,
                      RunPipeline.self, Demo.self])
}
