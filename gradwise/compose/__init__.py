"""Functions composed of the primitives in ``gradwise.ops``, with PyTorch's ``torch.nn.functional``
signatures; ``gradwise.functional`` re-exports them. Nothing here has a backward of its own."""
