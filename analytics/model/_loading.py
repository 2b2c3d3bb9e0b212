"""Loading models safely and reaching their penultimate layer (torch imported inside functions).

Models come as a TorchScript file, an ``nn.Module``, or a state dict (file or mapping) plus a
``model_factory`` that builds the untrained module. State-dict files are read with
``torch.load(weights_only=True)`` and nothing else: a file holding arbitrary Python objects is refused,
because unpickling it could run code. Whole pickled models (``torch.save(model)``) are therefore not
supported; export TorchScript (``torch.jit.script(model).save(path)``) or save ``model.state_dict()``.
"""

from __future__ import annotations

import os
import pickle
import warnings
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..exceptions import InvalidParameterError, ModelError
from ._pickle_scan import (UnsafeModelFileError, foreign_globals, is_torchscript_archive, looks_like_pickle,
                           refusal_message)

if TYPE_CHECKING:
    import torch

__all__ = ["resolve_model", "penultimate_extractor", "optimized_for_inference"]

_NESTED_KEYS = ("state_dict", "model_state_dict", "model", "net", "weights")


def resolve_model(model: Any, *, model_factory: Callable[[], Any] | None) -> "torch.nn.Module":
    """An ``nn.Module`` from a TorchScript path, a state dict (path or mapping) + factory, or a module."""
    import torch

    if isinstance(model, torch.nn.Module):
        if model_factory is not None:
            raise InvalidParameterError("model_factory is only used with a state dict; the model is already a module.")
        return model
    if isinstance(model, (str, os.PathLike)):
        path = Path(model)
        if not path.is_file():
            raise ModelError(f"Model file '{path}' does not exist.")
        if model_factory is None:
            return _load_torchscript(path)
        return _from_state_dict(_load_state_dict(path), model_factory, source=f"'{path}'")
    if isinstance(model, Mapping):
        if model_factory is None:
            raise InvalidParameterError(
                "model is a state dict: also pass model_factory=, a function returning the (untrained) nn.Module "
                "the weights belong to."
            )
        return _from_state_dict(model, model_factory, source="the state dict")
    raise InvalidParameterError(
        f"model must be a TorchScript file path, an nn.Module, or a state dict with model_factory; "
        f"got {type(model).__name__}."
    )


def _load_torchscript(path: Path) -> "torch.nn.Module":
    import torch

    try:
        with warnings.catch_warnings():  # torch.jit is deprecated in recent torch; loading still works
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.load(str(path), map_location="cpu")
    except (RuntimeError, ValueError) as exc:
        jit_error = str(exc).splitlines()[0].split(". ")[0] if str(exc).strip() else type(exc).__name__
    # Not TorchScript. Say what it is, reading it only the safe way.
    try:
        _load_state_dict(path)
    except UnsafeModelFileError:
        raise
    except ModelError:
        raise ModelError(f"'{path}' is neither a TorchScript file nor a torch state dict ({jit_error}).") from None
    raise ModelError(
        f"'{path}' is a state dict, not a TorchScript file: also pass model_factory= (a function returning the "
        "untrained nn.Module; on the command line --model-factory module:function), or export the model with "
        "torch.jit.script(model).save(path)."
    )


def _load_state_dict(path: Path) -> Mapping[str, Any]:
    """The weights of a state-dict file. Refused before torch reads it when its pickle would import anything but
    tensor plumbing (found from the opcodes, :mod:`._pickle_scan`); then read with ``weights_only=True`` only."""
    import torch

    if is_torchscript_archive(path):
        raise ModelError(f"'{path}' is a TorchScript model, not a state dict: load it without model_factory= "
                         "(on the command line, without --model-factory).")
    imports = foreign_globals(path)
    if imports:
        raise UnsafeModelFileError(refusal_message(path, imports))
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if not looks_like_pickle(path):  # not a torch file at all (a PDF, an image, text …)
            raise ModelError(f"'{path}' cannot be read as a torch file ({_first_line(exc)}): it is neither a zip "
                             "archive nor a pickle. Export the model again (TorchScript, or the weights as a state "
                             "dict).") from None
        # a pickle that torch's weights-only unpickler refused for a reason the opcode scan did not name
        raise UnsafeModelFileError(refusal_message(path, [])) from None
    except (RuntimeError, EOFError, KeyError, ValueError, OSError, AttributeError, TypeError) as exc:
        raise ModelError(f"'{path}' cannot be read as a torch file ({_first_line(exc)}). It may be damaged or not a "
                         "torch file; export the model again (TorchScript, or the weights as a state dict).") from None
    return _unwrap_state_dict(obj, f"'{path}'")


def _first_line(exc: BaseException) -> str:
    """The exception's first line, without any sentence of torch's advice about ``weights_only``."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    kept = [s for s in lines[0].split(". ") if "weights_only" not in s and "trusted source" not in s]
    return f"{type(exc).__name__}: {'. '.join(kept).rstrip('.') or 'unreadable'}"


def _unwrap_state_dict(obj: Any, source: str) -> Mapping[str, Any]:
    import torch

    if isinstance(obj, Mapping) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj
    if isinstance(obj, Mapping):
        for key in _NESTED_KEYS:
            inner = obj.get(key)
            if isinstance(inner, Mapping) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
                return inner
    raise ModelError(
        f"{source} does not hold a state dict (a mapping of parameter names to tensors, possibly under "
        f"'{_NESTED_KEYS[0]}'); found {type(obj).__name__}."
    )


def _from_state_dict(state: Mapping[str, Any], factory: Callable[[], Any], *, source: str) -> "torch.nn.Module":
    import torch

    if not callable(factory):
        raise InvalidParameterError(f"model_factory must be callable; got {type(factory).__name__}.")
    state = _unwrap_state_dict(state, source)
    module = factory()
    if not isinstance(module, torch.nn.Module):
        raise InvalidParameterError(f"model_factory() must return an nn.Module; it returned {type(module).__name__}.")
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelError(f"The weights in {source} do not fit the module model_factory built: {exc}") from None
    return module


#: Optimized copies of TorchScript models, reused while the weights are unchanged (see below).
_OPTIMIZED: "weakref.WeakKeyDictionary[Any, tuple[tuple, Any]]" = weakref.WeakKeyDictionary()


def optimized_for_inference(module: "torch.nn.Module") -> "torch.nn.Module":
    """A TorchScript model frozen and optimized for inference; any other module unchanged.

    ``torch.jit.freeze`` inlines the weights as constants and ``torch.jit.optimize_for_inference``
    folds batch norms into convolutions and, on the CPU, pre-packs weights for oneDNN — about 3× faster
    batched inference for the digits CNN. The user's module is not modified (freezing makes a copy).
    The copy is cached per module while its tensors are unchanged (same storage, same in-place version
    counter), because optimizing takes 10–50 ms. If a model cannot be frozen, it runs as it is.
    """
    import torch

    if not isinstance(module, torch.jit.ScriptModule) or module.training:
        return module
    tensors = [*module.parameters(), *module.buffers()]
    fingerprint = tuple((t.data_ptr(), t._version, str(t.device)) for t in tensors)
    cached = _OPTIMIZED.get(module)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            optimized = torch.jit.optimize_for_inference(torch.jit.freeze(module))
    except Exception:  # noqa: BLE001 - optimization is best effort; the model itself still runs
        return module
    _OPTIMIZED[module] = (fingerprint, optimized)
    return optimized


def penultimate_extractor(module: "torch.nn.Module", layer: str | None) -> Callable[["torch.Tensor"], "torch.Tensor"]:
    """A function ``x -> (N, D)`` embeddings: the input of the last ``nn.Linear``, or the output of ``layer``.

    For an ``nn.Module`` a forward hook captures the activation. TorchScript modules do not support
    hooks, so their forward graph is frozen, inlined, and cut just before the last ``aten::linear``
    (the default embedding only; ``layer=`` needs an ``nn.Module``). Call it after the module is on its
    device and in eval mode.
    """
    import torch

    if isinstance(module, torch.jit.ScriptModule):
        if layer is not None:
            raise InvalidParameterError(
                "layer= needs an nn.Module: TorchScript models do not support forward hooks. Without layer=, "
                "the embedding of a TorchScript model is the input of its last linear layer."
            )
        return _script_penultimate(module)
    modules = dict(module.named_modules())
    if layer is not None:
        if layer not in modules:
            names = [n for n in modules if n][:25]
            raise InvalidParameterError(f"The model has no layer '{layer}'. Layers: {', '.join(names)}.")
        target, take_input = modules[layer], False
    else:
        linears = [n for n, m in modules.items() if isinstance(m, torch.nn.Linear)]
        if not linears:
            raise ModelError("The model has no nn.Linear layer; name the embedding layer with layer='<name>'.")
        target, take_input = modules[linears[-1]], True
    captured: dict[str, torch.Tensor] = {}

    def hook(_mod: Any, args: tuple, output: Any) -> None:
        captured["x"] = args[0] if take_input else output

    def extract(x: torch.Tensor) -> torch.Tensor:
        handle = target.register_forward_hook(hook)
        try:
            module(x)
        finally:
            handle.remove()
        if "x" not in captured or not isinstance(captured["x"], torch.Tensor):
            raise ModelError("The embedding layer did not run (or did not give a tensor) in the model's forward.")
        return captured.pop("x").flatten(1)

    return extract


def _script_penultimate(module: "torch.jit.ScriptModule") -> Callable[["torch.Tensor"], "torch.Tensor"]:
    import torch

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            frozen = torch.jit.freeze(module.eval())
        graph = frozen.graph.copy()
        torch._C._jit_pass_inline(graph)
        linears = [n for n in graph.nodes() if n.kind() == "aten::linear"]
        if not linears:
            raise ModelError("The TorchScript model has no linear layer to take the embedding before.")
        graph.return_node().replaceInput(0, linears[-1].inputsAt(0))
        torch._C._jit_pass_dce(graph)
        fn = torch._C._create_function_from_graph("penultimate", graph)
    except ModelError:
        raise
    except Exception as exc:  # private TorchScript API: fail clearly if it changes
        raise ModelError(
            f"Cannot take embeddings from this TorchScript model ({type(exc).__name__}: {exc}). "
            "Pass the nn.Module instead."
        ) from None

    def extract(x: torch.Tensor) -> torch.Tensor:
        return fn(frozen._c, x).flatten(1)

    return extract
