"""Model inputs: TorchScript files, modules, state dicts with a factory, and refusal of unsafe pickles."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import torch

from _scoring_helpers import TinyCNN, make_tiny_cnn, per_item_reference
from analytics import InvalidParameterError, ModelError
from analytics.model.scoring import score_images

MODEL = make_tiny_cnn(seed=1)
PIXELS = np.random.default_rng(11).integers(0, 256, size=(9, 12, 12), dtype=np.uint8)
REFERENCE = per_item_reference(MODEL, PIXELS)


def _score(model, **kwargs):
    return score_images(model, PIXELS, device="cpu", **kwargs)


class Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_torchscript_file(tmp_path):
    path = tmp_path / "model.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(MODEL).save(str(path))
    np.testing.assert_allclose(_score(str(path)), REFERENCE, atol=1e-6)
    np.testing.assert_allclose(_score(path), REFERENCE, atol=1e-6)  # a Path works too


def test_state_dict_file_and_mapping_with_factory(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save(MODEL.state_dict(), path)
    np.testing.assert_allclose(_score(path, model_factory=TinyCNN), REFERENCE, atol=1e-6)
    np.testing.assert_allclose(_score(MODEL.state_dict(), model_factory=TinyCNN), REFERENCE, atol=1e-6)
    nested = tmp_path / "checkpoint.pt"
    torch.save({"epoch": 3, "state_dict": MODEL.state_dict()}, nested)  # a training checkpoint
    np.testing.assert_allclose(_score(nested, model_factory=TinyCNN), REFERENCE, atol=1e-6)


def test_state_dict_without_factory_says_what_to_do(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save(MODEL.state_dict(), path)
    with pytest.raises(ModelError, match="is a state dict, not a TorchScript file: also pass model_factory="):
        _score(path)
    with pytest.raises(InvalidParameterError, match="also pass model_factory="):
        _score(MODEL.state_dict())


@pytest.mark.parametrize("factory", [TinyCNN, None])
def test_state_dict_with_an_arbitrary_object_is_refused(tmp_path, factory):
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.pt"
    torch.save({**MODEL.state_dict(), "extra": Payload(str(marker))}, path)
    with pytest.raises(ModelError, match=r"Refused to load .*evil.pt.*weights_only=True"):
        _score(path, model_factory=factory)
    assert not marker.exists()


def test_plain_pickle_and_whole_pickled_model_are_refused(tmp_path):
    marker = tmp_path / "code-ran"
    legacy = tmp_path / "legacy.pkl"
    for protocol in (2, 4):
        with open(legacy, "wb") as fh:
            pickle.dump({"weight": torch.zeros(2), "x": Payload(str(marker))}, fh, protocol=protocol)
        with pytest.raises(ModelError, match="legacy.pkl"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # torch warns about protocol 4
                _score(legacy, model_factory=TinyCNN)
        assert not marker.exists()
    whole = tmp_path / "whole.pt"
    torch.save(MODEL, whole)  # torch.save(model) pickles the class: never unpickled here
    with pytest.raises(ModelError, match="Refused to load .*TinyCNN"):
        _score(whole, model_factory=TinyCNN)
    with pytest.raises(ModelError, match="Refused to load"):
        _score(whole)


def test_weights_that_do_not_fit(tmp_path):
    other = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(144, 5))
    path = tmp_path / "other.pt"
    torch.save(other.state_dict(), path)
    with pytest.raises(ModelError, match="do not fit the module"):
        _score(path, model_factory=TinyCNN)


def test_bad_model_arguments(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        _score(tmp_path / "missing.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"%PDF-1.4 not a model")
    with pytest.raises(ModelError, match="neither a TorchScript file nor a torch state dict"):
        _score(junk)
    with pytest.raises(ModelError, match="cannot be read as a torch file"):
        _score(junk, model_factory=TinyCNN)
    with pytest.raises(InvalidParameterError, match="got int"):
        _score(42)
    with pytest.raises(InvalidParameterError, match="must return an nn.Module"):
        _score(MODEL.state_dict(), model_factory=lambda: "not a module")
    with pytest.raises(InvalidParameterError, match="only used with a state dict"):
        _score(MODEL, model_factory=TinyCNN)
    listed = tmp_path / "list.pt"
    torch.save([1, 2, 3], listed)
    with pytest.raises(ModelError, match="does not hold a state dict"):
        _score(listed, model_factory=TinyCNN)


def test_torchscript_optimization_is_cached_until_the_weights_change(tmp_path):
    from analytics.model._loading import optimized_for_inference

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.script(make_tiny_cnn(seed=1)).eval()
    first = optimized_for_inference(scripted)
    assert first is not scripted and optimized_for_inference(scripted) is first
    np.testing.assert_allclose(_score(scripted), REFERENCE, atol=1e-6)
    with torch.no_grad():
        scripted.head.bias[0] += 2.0  # in-place change: the cached copy is stale
    assert optimized_for_inference(scripted) is not first
    changed = _score(scripted)
    with torch.no_grad():
        expected = per_item_reference(scripted, PIXELS)
    np.testing.assert_allclose(changed, expected, atol=1e-6)
    assert not np.allclose(changed, REFERENCE, atol=1e-3)
    assert optimized_for_inference(MODEL) is MODEL  # plain modules run as they are


def test_a_failing_optimized_model_falls_back_to_the_model_as_loaded(monkeypatch):
    import analytics.model._loading as models

    class Broken(torch.nn.Module):
        def forward(self, x):
            raise RuntimeError("Couldn't find method: 'forward'")

    monkeypatch.setattr(models, "optimized_for_inference", lambda module: Broken())
    np.testing.assert_allclose(_score(MODEL, batch_size=4), REFERENCE, atol=1e-6)


# -- issue 21, point 5: the project's own refusal, whatever torch's wording -----------------------------------------
def _evil(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.pt"
    torch.save({**MODEL.state_dict(), "extra": Payload(str(marker))}, path)
    return path, marker


@pytest.mark.parametrize("factory", [TinyCNN, None])
def test_refusal_is_the_projects_message_naming_the_import_and_the_way_to_load_a_trusted_model(tmp_path, factory):
    path, marker = _evil(tmp_path)
    with pytest.raises(ModelError) as exc:
        _score(path, model_factory=factory)
    text = str(exc.value)
    assert text.startswith(f"Refused to load '{path}'") and "io.open" in text  # what it would have run
    assert "torch.jit.script(model).save" in text and "state_dict()" in text and "model_factory=" in text
    assert "weights_only=False" not in text and "will likely succeed" not in text  # not torch's advice
    assert not marker.exists()


def test_refusal_does_not_depend_on_torchs_wording(tmp_path, monkeypatch):
    """The unsafe file is found from its pickle opcodes (torch.load is never reached); a refusal torch makes for a
    reason the scan does not name is recognised by the exception type, whatever its text says."""
    path, marker = _evil(tmp_path)

    def must_not_load(*args, **kwargs):
        raise AssertionError("torch.load was called on a file whose pickle imports io.open")

    monkeypatch.setattr(torch, "load", must_not_load)
    with pytest.raises(ModelError, match="Refused to load .*io.open"):
        _score(path, model_factory=TinyCNN)
    plain = tmp_path / "plain.pt"
    monkeypatch.undo()
    torch.save(MODEL.state_dict(), plain)

    def refuse(*args, **kwargs):
        raise pickle.UnpicklingError("Some future wording. Please use weights_only=False, it will likely succeed.")

    monkeypatch.setattr(torch, "load", refuse)
    with pytest.raises(ModelError) as exc:
        _score(plain, model_factory=TinyCNN)
    assert str(exc.value).startswith("Refused to load") and "weights_only=False" not in str(exc.value)
    assert not marker.exists()


def test_opcode_scan_lists_foreign_imports_and_passes_plain_weights(tmp_path):
    from analytics.model._pickle_scan import foreign_globals

    plain = tmp_path / "plain.pt"
    torch.save({**MODEL.state_dict(), "step": 3, "shape": torch.Size([2]), "bf16": torch.ones(2, dtype=torch.bfloat16),
                "param": torch.nn.Parameter(torch.ones(1))}, plain)
    assert foreign_globals(plain) == []
    legacy = tmp_path / "legacy.pt"
    torch.save(MODEL.state_dict(), legacy, _use_new_zipfile_serialization=False)
    assert foreign_globals(legacy) == []
    path, _ = _evil(tmp_path)
    assert foreign_globals(path) == ["io.open"]
    for protocol in (2, 4, 5):  # GLOBAL (protocol 2) and STACK_GLOBAL with memoized names (4, 5)
        bare = tmp_path / f"bare{protocol}.pkl"
        with open(bare, "wb") as fh:
            pickle.dump({"w": 1, "x": Payload("m"), "y": Payload("n")}, fh, protocol=protocol)
        assert foreign_globals(bare) == ["io.open"], protocol
