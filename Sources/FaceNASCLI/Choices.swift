import ArgumentParser
import ImageIO
import NN
import Search

/// What `facenas train --task` trains.
enum TaskName: String, CaseIterable, ExpressibleByArgument {
    case classify, face
}

extension SpaceName: ExpressibleByArgument {}
extension MarginLoss: ExpressibleByArgument {}
extension ArcFaceGradient: ExpressibleByArgument {}
extension FaceAugmentationPreset: ExpressibleByArgument {}
