"""ONNX: export a gradwise model (traced from one forward pass) and load an ONNX file as a
gradwise module. Needs the ``onnx`` package (``pip install 'gradwise[onnx]'``), imported only
when a function here is called."""
from .export import export
from .load import OnnxModule, load

__all__ = ["export", "load", "OnnxModule"]
