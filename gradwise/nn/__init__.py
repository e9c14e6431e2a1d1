"""Layers and models: ``nn.Module`` and everything a network is composed from.

Example:
    >>> model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
"""
import sys as _sys

from .. import functional
from . import init, utils
from .containers import ModuleDict, ModuleList, Sequential
from .layers.activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Step, Tanh
from .layers.activation import GLU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, Mish, ReLU6, SiLU, Softsign
from .layers.attention import MultiheadAttention
from .layers.conv import Conv1d, Conv2d, ConvTranspose2d
from .layers.dropout import Dropout, Dropout1d, Dropout2d, Dropout3d
from .layers.linear import Embedding, Flatten, Identity, Linear, Residual, Unflatten
from .layers.norm import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .layers.pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d
from .layers.transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                                 TransformerEncoderLayer)
from .layers.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell, detach_state
from .layers.sampling import (CircularPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d,
                              ReplicationPad1d, ReplicationPad2d, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d,
                              ZeroPad2d)
from .layers.tree import RecursiveCell, TreeLSTM
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss
from .losses import KLDivLoss, SmoothL1Loss
from .module import Module, Parameter
from ..distributed.sync_batchnorm import SyncBatchNorm
from . import parallel

# NOTE: torch.nn.functional is gradwise.functional itself (one module, two paths), so that
# `import gradwise.nn.functional as F` and `gradwise.nn.functional` find the same functions.
_sys.modules[__name__ + ".functional"] = functional

__all__ = [
    "AdaptiveAvgPool2d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv1d",
    "Conv2d", "ConvTranspose2d", "CrossEntropyLoss", "Dropout", "ELU", "Embedding", "Flatten", "GELU", "GRU",
    "GRUCell", "HuberLoss", "Identity", "L1Loss", "LSTM", "LSTMCell", "LayerNorm", "LeakyReLU", "Linear",
    "LogSoftmax", "MSELoss", "MaxPool1d", "MaxPool2d", "Module", "ModuleDict", "ModuleList", "NLLLoss",
    "Parameter", "RNN", "RNNCell", "ReLU", "Residual", "Sequential", "Sigmoid", "Softmax", "Softplus", "Step",
    "Tanh", "Unflatten", "detach_state", "functional", "init", "utils",
    "CircularPad2d", "ConstantPad1d", "ConstantPad2d", "Dropout1d", "Dropout2d", "Dropout3d", "GLU", "GroupNorm",
    "Hardsigmoid", "Hardswish", "Hardtanh", "KLDivLoss", "LogSigmoid", "Mish", "ReLU6", "ReflectionPad1d",
    "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "SELU", "SiLU", "SmoothL1Loss", "Softsign",
    "Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d", "ZeroPad2d",
    "MultiheadAttention", "Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
    "TransformerEncoderLayer",
    "RecursiveCell", "TreeLSTM",
]
__all__ += ["SyncBatchNorm", "parallel"]
