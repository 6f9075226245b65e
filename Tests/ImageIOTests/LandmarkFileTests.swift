import ImageIO
import Testing

@Suite struct LandmarkFileTests {
    @Test func parsesPathsNumbersCommentsAndBlankLines() throws {
        let text = """
        # path x1 y1 ... x5 y5
        a/001.jpg 38.3 51.7 73.5 51.5 56.0 71.7 41.5 92.4 70.7 92.2

        b/with space.png\t1 2 3 4 5 6 7 8 9 -10.5\r
           # indented comment
        """
        let entries = try parseLandmarks(text, file: "lm.txt")
        #expect(entries.count == 2)
        #expect(entries[0].path == "a/001.jpg" && entries[0].landmarks[2] == Point2D(x: 56.0, y: 71.7))
        #expect(entries[1].path == "b/with space.png" && entries[1].landmarks[4] == Point2D(x: 9, y: -10.5))
    }

    @Test func badLinesNameFileAndLine() {
        let cases = [("x.jpg 1 2 3 4 5 6 7 8 9", "lm.txt:3: expected an image path and 10 numbers"),
                     ("x.jpg 1 2 3 4 5 six 7 8 9 10", "lm.txt:3: coordinate 6 of 10 is 'six', expected a number"),
                     ("x.jpg 1 2 3 4 5 6 7 8 9 nan", "lm.txt:3: coordinate 10 of 10 is 'nan'")]
        for (line, message) in cases {
            do {
                _ = try parseLandmarks("# header\n\n" + line + "\n", file: "lm.txt")
                Issue.record("accepted: \(line)")
            } catch let e as ImageIOError {
                #expect(e.message.hasPrefix(message), "\(e.message)")
            } catch { Issue.record("\(error)") }
        }
        #expect(throws: ImageIOError.self) { try readLandmarkFile("/nonexistent/landmarks.txt") }
    }
}
