extension Layer {
    /// Every `Dropout` at or below this layer, in layer order (what a training run reseeds each epoch).
    public var dropoutLayers: [Dropout] {
        if let d = self as? Dropout { return [d] }
        guard let c = self as? ContainerLayer else { return [] }
        return c.children.flatMap { $0.layer.dropoutLayers }
    }
}
