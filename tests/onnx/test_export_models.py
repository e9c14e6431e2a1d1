"""The ready models export and run in onnxruntime with gradwise's outputs (1e-5), two batch sizes."""
import pytest

from gradwise import models

from .helpers import float_input, int_input, roundtrip

ZOO = {
    "mlp": (lambda: models.mlp((1, 28, 28), 10, dropout=0.2, generator=0), float_input(1, 28, 28)),
    "cnn": (lambda: models.cnn((1, 8, 8), 10, generator=0), float_input(1, 8, 8)),
    "lenet5": (lambda: models.lenet5(generator=0), float_input(1, 28, 28)),
    "resnet": (lambda: models.resnet((3, 16, 16), 10, widths=(8, 16), generator=0), float_input(3, 16, 16)),
    "vgg": (lambda: models.vgg((1, 16, 16), 10, widths=(8, 16), generator=0), float_input(1, 16, 16)),
    "logistic_regression": (lambda: models.logistic_regression(12, generator=0), float_input(12)),
    "dense_autoencoder": (lambda: models.DenseAutoencoder((1, 28, 28), generator=0), float_input(1, 28, 28)),
    "conv_autoencoder": (lambda: models.ConvAutoencoder(generator=0), float_input(1, 28, 28)),
    "char_lm": (lambda: models.CharLM(20, 8, 16, num_layers=2, generator=0), int_input(20, 7)),
}
for kind in ("rnn", "lstm", "gru"):
    ZOO[f"sequence_{kind}"] = (lambda kind=kind: models.SequenceClassifier(6, 8, 3, kind=kind, generator=0),
                               float_input(5, 6))
    ZOO[f"sequence_{kind}_deep_bidirectional"] = (
        lambda kind=kind: models.SequenceClassifier(6, 8, 3, kind=kind, num_layers=2, bidirectional=True,
                                                    dropout=0.3, generator=0), float_input(5, 6))


@pytest.mark.parametrize("name", ZOO)
def test_zoo_model(name, tmp_path):
    build, make = ZOO[name]
    roundtrip(build(), make, tmp_path / "m.onnx")


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_layer_time_major_all_outputs(kind, tmp_path):
    """output and final states of a 2-layer bidirectional layer, batch on axis 1."""
    from gradwise import nn
    layer = getattr(nn, kind)(4, 5, num_layers=2, bidirectional=True, generator=0)
    roundtrip(layer, float_input(6, 4), tmp_path / "m.onnx", batch_axis=1)
