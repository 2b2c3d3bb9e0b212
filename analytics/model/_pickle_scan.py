"""What a torch file would import if it were unpickled — found by reading its opcodes, never by unpickling.

A state-dict file is a pickle (inside a zip archive since torch 1.6, or bare in the legacy format). Loading
a pickle runs the callables it names, so :mod:`analytics.model._loading` reads model files only with
``torch.load(weights_only=True)``, which refuses anything but tensors and plain containers. To tell the user
*why* a file is refused, in the project's own words and whatever torch's message says, this module lists
the globals the pickle refers to with :mod:`pickletools` (a disassembler: it decodes opcodes and executes
nothing) and keeps those that are not tensor plumbing (``torch._utils._rebuild_tensor_v2``,
``torch.FloatStorage``, ``collections.OrderedDict`` …).

References
----------
Python documentation, ``pickle`` — "Warning: The pickle module is not secure. Only unpickle data you trust."
https://docs.python.org/3/library/pickle.html
"""

from __future__ import annotations

import io
import pickletools
import zipfile
from pathlib import Path

from ..exceptions import ModelError

__all__ = ["foreign_globals", "UnsafeModelFileError", "refusal_message", "is_torchscript_archive",
           "looks_like_pickle"]

#: Globals of ordinary ``torch.save(state_dict)`` files (module, name).
_TENSOR_PLUMBING = frozenset({
    ("collections", "OrderedDict"), ("torch", "Size"), ("torch", "device"), ("torch", "dtype"),
    ("torch.serialization", "_get_layout"), ("torch.nn.parameter", "Parameter"), ("_codecs", "encode"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "bytearray"), ("builtins", "slice"),
    ("torch.storage", "UntypedStorage"), ("torch.storage", "TypedStorage"), ("torch._tensor", "_rebuild_from_type_v2"),
})
_MAX_PICKLE_BYTES = 256 * 1024 * 1024
_STRING_OPS = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING",
                         "STRING"})


class UnsafeModelFileError(ModelError):
    """A model file whose pickle would import Python objects other than tensors (refused, never unpickled)."""


def _allowed(module: str, name: str) -> bool:
    if (module, name) in _TENSOR_PLUMBING:
        return True
    if module == "torch._utils" and name.startswith("_rebuild_"):
        return True
    if module == "torch" and (name.endswith("Storage") or name.endswith("Tensor")):
        return True
    if module == "torch":
        import torch

        return isinstance(getattr(torch, name, None), torch.dtype)
    return f"{module}.{name}" in _torch_allowlist()


def _torch_allowlist() -> frozenset[str]:
    """What this torch's weights-only unpickler accepts beyond the list above (best effort: private API)."""
    try:
        import torch.serialization
        from torch import _weights_only_unpickler as wou

        names = set(getattr(wou, "_get_allowed_globals", dict)().keys())
        for item in torch.serialization.get_safe_globals():
            obj = item[0] if isinstance(item, tuple) else item
            names.add(f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', getattr(obj, '__name__', ''))}")
        return frozenset(names)
    except Exception:  # noqa: BLE001 - the allowlist only widens what is called plumbing
        return frozenset()


def _globals_in(data: bytes) -> list[tuple[str, str]]:
    """Every ``(module, name)`` the pickles in ``data`` refer to (one after another, until data that is not a pickle)."""
    found: list[tuple[str, str]] = []
    stream = io.BytesIO(data)
    while stream.tell() < len(data):
        strings: list[str] = []
        memo: dict[int, str] = {}
        n_memo, last_string = 0, False
        try:
            for op, arg, _ in pickletools.genops(stream):
                name = op.name
                pushed_string = False
                if name in _STRING_OPS and isinstance(arg, (str, bytes)):
                    strings.append(arg if isinstance(arg, str) else arg.decode("latin-1"))
                    pushed_string = True
                elif name == "MEMOIZE":
                    if last_string:
                        memo[n_memo] = strings[-1]
                    n_memo += 1
                    pushed_string = last_string  # the top of the stack is unchanged
                elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                    if last_string:
                        memo[int(arg)] = strings[-1]
                    pushed_string = last_string
                elif name in ("GET", "BINGET", "LONG_BINGET") and int(arg) in memo:
                    strings.append(memo[int(arg)])
                    pushed_string = True
                elif name in ("GLOBAL", "INST") and isinstance(arg, str):
                    module, _, attr = arg.partition(" ")
                    found.append((module, attr))
                elif name == "STACK_GLOBAL" and len(strings) >= 2:
                    found.append((strings[-2], strings[-1]))
                last_string = pushed_string
                if name == "STOP":
                    break
        except Exception:  # noqa: BLE001 - past the pickles (raw storage bytes) or damaged: stop reading
            break
    return found


def _pickles(path: Path) -> list[bytes]:
    """The pickle streams of a torch file: each ``*.pkl`` member of a zip archive, or the legacy file itself."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                out = []
                if any(n.endswith("constants.pkl") for n in archive.namelist()):
                    return []  # TorchScript: read by torch.jit.load's own unpickler, which builds no Python objects
                for info in archive.infolist():
                    if info.filename.endswith(".pkl") and info.file_size <= _MAX_PICKLE_BYTES:
                        with archive.open(info) as member:
                            out.append(member.read(_MAX_PICKLE_BYTES))
                return out
        with open(path, "rb") as fh:
            return [fh.read(_MAX_PICKLE_BYTES)]
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
        return []


def foreign_globals(path: str | Path) -> list[str]:
    """The Python objects (``module.name``) a torch file would import other than tensor plumbing, in order.

    Examples
    --------
    >>> import torch, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "weights.pt"
    >>> torch.save({"w": torch.zeros(2)}, path)
    >>> foreign_globals(path)
    []
    """
    out: list[str] = []
    for data in _pickles(Path(path)):
        for module, name in _globals_in(data):
            dotted = f"{module}.{name}"
            if not _allowed(module, name) and dotted not in out:
                out.append(dotted)
    return out


def looks_like_pickle(path: str | Path) -> bool:
    """Whether a file can be a torch pickle at all: a zip archive, or a pickle stream (protocol 2 or later
    starts with the PROTO opcode, 0x80)."""
    try:
        if zipfile.is_zipfile(path):
            return True
        with open(path, "rb") as fh:
            return fh.read(1) == b"\x80"
    except OSError:
        return False


def is_torchscript_archive(path: str | Path) -> bool:
    """Whether a file is a TorchScript archive (a zip with ``constants.pkl``), read by ``torch.jit.load``."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.endswith("constants.pkl") for n in archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
        return False


def refusal_message(path: Path, imports: list[str]) -> str:
    """Why a model file is refused, and how to load a model one trusts.

    ``imports``: the foreign objects found in its pickle; empty when torch's weights-only reader refused it
    for a reason the opcode scan does not name (a damaged pickle, or an unusual construct).
    """
    shown = ", ".join(imports[:6]) + (" …" if len(imports) > 6 else "")
    why = (f"it is a pickle that would import and run Python objects other than tensors ({shown})" if imports else
           "torch's safe reader (weights_only=True) refused its pickle: it is damaged, or holds something other than "
           "tensors and plain containers")
    return (f"Refused to load '{path}': {why}. Unpickling such a file can run any code, so Annotation QA never does; "
            "it reads model files only as TorchScript, or as weights (a state dict) read with "
            "torch.load(weights_only=True). If the file comes "
            "from a source you trust, convert it where the model is defined: export TorchScript with "
            "torch.jit.script(model).save('model.pt'), or save the weights with torch.save(model.state_dict(), "
            "'weights.pt') and load them with model_factory= (aqa score --model-factory MODULE:FUNCTION); in Python "
            "you can also pass the nn.Module itself as model=.")
