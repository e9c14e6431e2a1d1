"""Ready models: the textbook's networks.

Builders take the input shape (C, H, W) and the number of classes, and an optional
``generator`` (seed) for the initial weights.

Example:
    >>> model = models.lenet5(num_classes=10, generator=0)
"""
from .autoencoder import ConvAutoencoder, DenseAutoencoder
from .builders import MODELS, cnn, get, lenet5, logistic_regression, mlp
from .language import CharLM
from .perceptron import Perceptron, PerceptronResult
from .rbm import RBM, dbn_classifier, pretrain_dbn
from .resnet import basic_block, resnet, vgg
from .seq2seq import Seq2Seq
from .sequence import SequenceClassifier
from .tree import TreeClassifier, token_sequence_classifier

MODELS.update({"resnet": resnet, "vgg": vgg})

__all__ = [
    "basic_block", "CharLM", "cnn", "ConvAutoencoder", "dbn_classifier", "DenseAutoencoder", "get", "lenet5",
    "logistic_regression", "mlp", "MODELS", "Perceptron", "PerceptronResult", "pretrain_dbn", "RBM", "resnet",
    "Seq2Seq", "SequenceClassifier", "token_sequence_classifier", "TreeClassifier", "vgg",
]
