/// Human-readable class names of the classification kinds, in label order.
public extension DataKind {
    var classNames: [String] {
        switch self {
        case .fashionMNIST:
            return ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
        case .mnist:
            return (0..<10).map(String.init)
        case .kmnist:
            return ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
        case .emnistBalanced:
            return (0..<10).map(String.init) + (65...90).map { String(UnicodeScalar(UInt8($0))) }
                + ["a", "b", "d", "e", "f", "g", "h", "n", "q", "r", "t"]
        case .cifar10:
            return ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        case .cifar100:
            return cifar100FineNames
        case .recordio, .folders, .synth, .bin, .lfwPairs:
            return []
        }
    }

    /// Number of classes of a classification kind (0 for the others).
    var classCount: Int { classNames.count }
}

private let cifar100FineNames = [
    "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
    "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
    "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
    "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
    "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
    "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
    "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
    "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
    "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
    "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
]
