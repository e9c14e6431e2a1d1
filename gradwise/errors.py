"""Exceptions with messages that say what was expected and what was received.

Every error gradwise raises on purpose is a ``GradwiseError``; each also derives from the
built-in exception a Python user would expect (ValueError, TypeError ...), so existing
``except ValueError`` code keeps working.
"""


class GradwiseError(Exception):
    """Base of gradwise's own errors."""


class ShapeError(GradwiseError, ValueError):
    """Shapes that cannot broadcast, multiply or be reshaped as asked."""


class GradcheckError(GradwiseError, AssertionError):
    """Analytic and numerical gradients disagree (raised by ``gw.gradcheck``)."""


class DeviceError(GradwiseError, RuntimeError):
    """A device that gradwise cannot serve, or arrays of two devices mixed in one op."""


class UnsupportedError(GradwiseError, NotImplementedError):
    """A PyTorch feature that gradwise does not implement; the message says what to do instead."""


class AmbiguousTruthError(GradwiseError, RuntimeError, ValueError):
    """``if tensor:`` on a tensor of several elements (PyTorch raises RuntimeError, NumPy ValueError)."""


class TreeError(GradwiseError, ValueError):
    """A tree that is not one: a cycle, a missing child or parent, no root or several roots."""


class ArgumentError(GradwiseError, ValueError, RuntimeError):
    """A number out of its range (zero, negative, NaN, infinite) where it enters: a constructor,
    a function, the CLI. PyTorch raises ValueError from constructors and RuntimeError from kernels
    for the same values, so both ``except`` clauses catch it."""


class DataError(GradwiseError, ValueError):
    """Training data that cannot be used as given (string labels, NaN, wrong dtype)."""


class FileFormatError(GradwiseError, ValueError):
    """A file gradwise reads (safetensors, checkpoint, IDX, text) is damaged or not what it claims;
    the message names the file and what is wrong. ``path`` holds the file's path."""
    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)


class ResumeError(GradwiseError, ValueError):
    """A resume that cannot continue the run exactly (another batch size, dataset, optimizer or
    option than the checkpoint's)."""


class RunLockedError(GradwiseError, RuntimeError):
    """Another live process is training into the same run folder."""


class ArgumentTypeError(GradwiseError, TypeError):
    """An argument of the wrong kind (a string where a number belongs, a float where an int does)."""


class ShapeWarning(UserWarning):
    """Shapes that broadcast, but probably not as meant (PyTorch warns with a UserWarning too)."""


class GraphError(GradwiseError, RuntimeError):
    """Autograd misuse: backward through a freed graph, an in-place change of a tensor a graph
    still needs, gradients for integer tensors (PyTorch raises RuntimeError for these)."""


class NumericsError(GradwiseError, RuntimeError):
    """A computation that cannot give a finite answer (a non-finite gradient norm, a diverged search)."""


class DownloadError(GradwiseError, RuntimeError):
    """A dataset could not be downloaded from any mirror."""


class IndexOutOfRangeError(GradwiseError, IndexError):
    """An index or dimension outside a tensor (PyTorch raises IndexError)."""


class UnknownKeyError(GradwiseError, KeyError):
    """A name that is not there (a metric missing from the logs ...)."""


class MissingFileError(GradwiseError, FileNotFoundError):
    """A file or folder gradwise was asked to read is not there; the message says what to do."""
