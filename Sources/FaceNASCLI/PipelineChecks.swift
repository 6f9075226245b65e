import ArgumentParser
import Foundation

/// The checks of a resolved pipeline that look outside it: the data on disk, the repository's
/// `protocols/` and `datasets.md`, and every stage's arguments against the real parsers.
extension ResolvedPipeline {
    /// The first missing required path, as the one line the user needs: what is missing and
    /// which `datasets.md` section says how to get it.
    func checkRequirements() throws {
        for r in requires where !FileManager.default.fileExists(atPath: r.path) {
            throw PipelineError("\(pipeline.source): needs \(r.path) (missing); see datasets.md, section \"\(r.section)\"")
        }
    }

    /// Parses every stage (and its resumed form) with the same parsers `facenas` uses, so a typo
    /// in stage 7 fails before stage 1 runs for hours. Nothing is run.
    func checkArguments() throws {
        for s in stages {
            for args in s.resumeArgs.isEmpty ? [s.args] : [s.args, s.args + s.resumeArgs] {
                do { _ = try FaceNAS.parseAsRoot(args) } catch {
                    let message = FaceNAS.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
                    throw PipelineError("\(pipeline.source): stage \(s.name): \(args.joined(separator: " ")): \(message)")
                }
            }
        }
    }

    /// Protocol names and `requires` sections against the repository holding the pipeline file
    /// (the folder above `pipelines/`, else the current folder).
    func checkRepositoryReferences() throws {
        let root = RepositoryFiles.root(for: pipeline.source)
        for s in stages {
            for p in s.protocols {
                let file = RepositoryFiles.join(root, "protocols/\(p).json")
                guard FileManager.default.fileExists(atPath: file) else {
                    throw PipelineError("\(pipeline.source): stage \(s.name): protocol \"\(p)\" has no file \(file)")
                }
            }
        }
        guard !requires.isEmpty else { return }
        let datasets = RepositoryFiles.join(root, "datasets.md")
        guard let text = try? String(contentsOfFile: datasets, encoding: .utf8) else {
            throw PipelineError("\(pipeline.source): cannot read \(datasets) to check the sections named in \"requires\"")
        }
        let headings = RepositoryFiles.headings(text)
        for r in requires where !headings.contains(r.section) {
            throw PipelineError("\(pipeline.source): requires \(r.path): \"\(r.section)\" is not a ##/### heading of \(datasets)")
        }
    }
}

enum RepositoryFiles {
    /// `X/pipelines/f.json` → `X`; anything else → the current folder.
    static func root(for pipelineFile: String) -> String {
        let folder = (pipelineFile as NSString).deletingLastPathComponent
        // A bare file name lives in the current folder, whose parent is "..". (NSString's
        // deletingLastPathComponent traps on "." on Linux, so "." never reaches it.)
        let parent = folder.isEmpty || folder == "." ? ".." : (folder as NSString).deletingLastPathComponent
        for candidate in [parent.isEmpty ? "." : parent, "."]
        where FileManager.default.fileExists(atPath: join(candidate, "datasets.md")) {
            return candidate
        }
        return "."
    }

    static func join(_ a: String, _ b: String) -> String { a == "." ? b : (a as NSString).appendingPathComponent(b) }

    /// The text of every `## ` and `### ` heading.
    static func headings(_ markdown: String) -> Set<String> {
        Set(markdown.split(separator: "\n").compactMap { line -> String? in
            for prefix in ["### ", "## "] where line.hasPrefix(prefix) {
                return line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            }
            return nil
        })
    }
}
