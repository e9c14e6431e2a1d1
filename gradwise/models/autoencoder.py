"""Autoencoders: learn a small code from which the input can be rebuilt.

``DenseAutoencoder`` and ``ConvAutoencoder`` map an input to a code and back; train them with a
reconstruction loss (MSE, or BCE with logits for pixels in [0, 1]). Pass ``noise`` to train a
denoising autoencoder: the input is corrupted (in training mode only) and the clean input is the
target, so the code must capture structure rather than copy pixels.
"""
import math


from .. import nn
from ..creation import _rng, generator_stream
from ..tensor import Tensor


class _Autoencoder(nn.Module):
    def __init__(self, noise, generator):
        super().__init__()
        self.noise = noise
        self._rng = _rng(generator)

    def corrupt(self, x):
        """Gaussian noise of std ``noise`` added to the input, in training mode only."""
        if not self.training or not self.noise:
            return x
        return x + Tensor(self._rng.normal(0.0, self.noise, x.shape).astype(x.dtype))

    def forward(self, x):
        return self.decode(self.encode(self.corrupt(x)))


class DenseAutoencoder(_Autoencoder):
    """input (N, *shape) -> code (N, code_size) -> reconstruction logits (N, *shape).

    Args:
        input_shape: e.g. (1, 28, 28). hidden: widths of the encoder (mirrored in the decoder).
        code_size: e.g. 2 for a plottable code. noise: std of the input corruption (0: none).
    """
    def __init__(self, input_shape=(1, 28, 28), hidden=(256, 64), code_size=2, noise=0.0, generator=None):
        super().__init__(noise, generator)
        seed = generator_stream(generator)
        sizes = [math.prod(input_shape), *hidden, code_size]
        enc = [nn.Flatten()]
        for a, b in zip(sizes[:-1], sizes[1:]):
            enc += [nn.Linear(a, b, generator=seed()), nn.ReLU()]
        self.encoder = nn.Sequential(*enc[:-1])
        dec = []
        for a, b in zip(sizes[::-1][:-1], sizes[::-1][1:]):
            dec += [nn.Linear(a, b, generator=seed()), nn.ReLU()]
        self.decoder = nn.Sequential(*dec[:-1], nn.Unflatten(1, input_shape))

    def encode(self, x):
        return self.encoder(x)

    def decode(self, code):
        return self.decoder(code)


class ConvAutoencoder(_Autoencoder):
    """(N, C, 28, 28) -> two stride-2 conv layers -> code (N, code_channels, 7, 7) -> two transposed
    convolutions -> reconstruction logits (N, C, 28, 28). The default code, 8 x 7 x 7 = 392 numbers,
    is half the size of a 28 x 28 image: a bottleneck, so the network cannot just copy its input."""
    def __init__(self, channels=1, width=16, code_channels=8, noise=0.0, generator=None):
        super().__init__(noise, generator)
        seed = generator_stream(generator)
        self.encoder = nn.Sequential(nn.Conv2d(channels, width, 3, 2, 1, generator=seed()), nn.ReLU(),
                                     nn.Conv2d(width, code_channels, 3, 2, 1, generator=seed()), nn.ReLU())
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(code_channels, width, 3, 2, 1, output_padding=1, generator=seed()), nn.ReLU(),
            nn.ConvTranspose2d(width, channels, 3, 2, 1, output_padding=1, generator=seed()))

    def encode(self, x):
        return self.encoder(x)

    def decode(self, code):
        return self.decoder(code)
