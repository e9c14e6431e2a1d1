"""``gradwise run script.py [args]``: run an unmodified PyTorch program on gradwise.

An import hook makes ``import torch`` (and ``torch.nn``, ``torch.utils.data``, ``torchvision``
...) give gradwise's modules. A name the script uses that gradwise lacks is a clear error that
names it and the script's line, not an AttributeError from deep inside.

    gradwise run train.py --epochs 1          # or: python -m gradwise.run train.py --epochs 1
"""
import importlib
import importlib.abc
import importlib.machinery
import os
import runpy
import sys
import types

from .errors import GradwiseError, MissingFileError

#: PyTorch module -> gradwise module, where the path is not simply torch.X -> gradwise.X
ALIASES = {
    "torch": "gradwise",
    "torch.nn.functional": "gradwise.functional",
    "torch.nn.modules": "gradwise.nn",
    "torchvision": "gradwise.vision",
    "torch.multiprocessing": "multiprocessing",
}
_PREFIXES = ("torch", "torchvision")


class MissingAPIError(GradwiseError, AttributeError):
    """A PyTorch name that gradwise does not provide."""


class ModuleMissingError(GradwiseError, ModuleNotFoundError):
    """A PyTorch module that gradwise does not provide."""


def target_of(name):
    """The gradwise module that stands in for PyTorch module ``name``."""
    if name in ALIASES:
        return ALIASES[name]
    if name.startswith("torch.nn.modules."):        # torch.nn.modules.linear.Linear: every layer is in nn
        return "gradwise.nn"
    parts = name.split(".")
    for k in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:k])
        if head in ALIASES:
            return ".".join([ALIASES[head]] + parts[k:])
    return name


class AliasModule(types.ModuleType):
    """PyTorch's module ``torch_name`` answering with the attributes of a gradwise module."""

    def __init__(self, torch_name, target):
        super().__init__(torch_name)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "__path__", [])        # a package, so `import torch.x` looks further

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            return getattr(self._target, attr)
        try:
            return getattr(self._target, attr)
        except AttributeError:
            pass
        sub = f"{self.__name__}.{attr}"
        try:
            return _alias(sub)
        except ModuleNotFoundError:
            raise MissingAPIError(_missing(sub)) from None

    def __setattr__(self, attr, value):
        if attr.startswith("__") and attr.endswith("__"):
            # the import system's own (__spec__, __package__, __loader__ ...) belong to the alias:
            # forwarded, they renamed gradwise's package to "torch" and broke its relative imports
            object.__setattr__(self, attr, value)
        else:
            setattr(self._target, attr, value)

    def __dir__(self):
        return dir(self._target)

    def __repr__(self):
        return f"<module '{self.__name__}' (gradwise: {self._target.__name__})>"


def _alias(torch_name):
    """The alias module for ``torch_name``, importing its gradwise target."""
    have = sys.modules.get(torch_name)
    if isinstance(have, AliasModule):
        return have
    target_name = target_of(torch_name)
    try:
        target = importlib.import_module(target_name)
    except ModuleNotFoundError as e:
        if e.name and (e.name == target_name or target_name.startswith(e.name + ".")):
            raise ModuleMissingError(_missing(torch_name, module=True)) from None
        raise
    module = AliasModule(torch_name, target)
    sys.modules[torch_name] = module
    parent, _, child = torch_name.rpartition(".")
    if parent and isinstance(sys.modules.get(parent), AliasModule):
        object.__setattr__(sys.modules[parent], child, module)
    return module


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] not in _PREFIXES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        return _alias(spec.name)

    def exec_module(self, module):
        pass


_FINDER = _Finder()


def install():
    """Make ``import torch`` (and torchvision) import gradwise from now on in this process."""
    for name in [n for n, m in sys.modules.items() if n.split(".")[0] in _PREFIXES and not isinstance(m, AliasModule)]:
        del sys.modules[name]
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def uninstall():
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n, m in sys.modules.items() if isinstance(m, AliasModule)]:
        del sys.modules[name]


def _missing(name, module=False):
    where = _script_line()
    kind = "module" if module else "name"
    return (f"{where}the script uses the PyTorch {kind} `{name}`, which gradwise does not provide. "
            f"gradwise implements the CPU subset of PyTorch's API that training scripts use; see the "
            f"README's list of deliberate differences, or replace this call.")


def _script_line():
    """'script.py, line 12: <code>: ' for the innermost frame outside gradwise and importlib."""
    import linecache
    frame = sys._getframe(1)
    here = os.path.dirname(os.path.abspath(__file__))
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if not path.startswith(here) and "importlib" not in path and not path.startswith("<frozen"):
            code = linecache.getline(path, frame.f_lineno).strip()
            return f"{os.path.basename(path)}, line {frame.f_lineno}: `{code}`: "
        frame = frame.f_back
    return ""


def run(script, args=(), watch=True):
    """Run ``script`` as ``__main__`` with ``sys.argv = [script, *args]`` and torch mapped to gradwise."""
    if not os.path.isfile(script):
        raise MissingFileError(f"gradwise run: no script at {script!r}")
    install()
    if watch:
        _autowatch()
    argv, path0 = sys.argv, sys.path[0] if sys.path else None
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.argv = argv
        if sys.path and path0 is not None and sys.path[0] != path0:
            sys.path.pop(0)


def _autowatch():
    """Diagnose every model and optimizer the script creates, when the doctor offers that."""
    from . import diagnostics
    hook = getattr(diagnostics, "autowatch", None)
    if hook is not None:
        hook()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    watch = True
    if argv and argv[0] == "--no-doctor":
        watch, argv = False, argv[1:]
    if not argv:
        print("usage: gradwise run [--no-doctor] script.py [args ...]", file=sys.stderr)
        return 2
    try:
        run(argv[0], argv[1:], watch=watch)
    except (MissingAPIError, ModuleMissingError) as e:
        print(f"gradwise run: {e}", file=sys.stderr)
        return 1
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
