import ArgumentParser
import Datasets

extension FaceNAS {
    struct Dataset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect data sets on disk.", subcommands: [Info.self])

        struct Info: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Say what a data path holds (splits, counts, shape, classes); fails naming any missing or malformed file.")

            @Argument(help: "The data as KIND:PATH, e.g. fashion-mnist:/usr/share/datasets/fashion-mnist.")
            var data: String

            func run() throws {
                print(try datasetInfo(DataSpec(parsing: data)))
            }
        }
    }
}
