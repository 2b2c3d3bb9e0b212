"""Model predictions held by Label Studio tasks (a full JSON export, or tasks pulled from a server).

A task's ``predictions`` list holds one object per model run: ``model_version``, an overall ``score`` and a
``result`` list shaped like an annotation's. The prediction for the control being read becomes
``predicted_label`` with ``confidence`` (the result's ``score``, else the prediction's). Label Studio's quick
export writes prediction *ids* only; those are counted and explained, since their content is not in the file.

When tasks carry predictions of several model versions, one version is read: ``model_version=`` names it,
otherwise the version that predicts the most tasks (ties: the most recent); the others are named in a warning.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidParameterError
from ._labelstudio_labels import CLASSIFICATION_TYPES, TaxonomyLabels, labels_from_value
from ._tools import as_dict, as_list
from .._wording import count_noun

__all__ = ["PredictionCollector"]


class PredictionCollector:
    """Gathers the predictions of every task, then reads those of the chosen control (see the module doc)."""

    def __init__(self, source: str, taxonomy_labels: TaxonomyLabels, model_version: str | None) -> None:
        self.source = source
        self.taxonomy_labels = taxonomy_labels
        self.model_version = model_version
        self.pending: list[tuple[str, int, dict[str, Any]]] = []  # (item id, position, prediction)
        self.n_ids_only = 0
        self.n_malformed = 0

    def add(self, item_id: str, predictions: Any) -> None:
        """Keep the predictions of one task (``item_id`` as the annotations name it)."""
        for pred in as_list(predictions):
            if isinstance(pred, dict):
                self.pending.append((item_id, len(self.pending), pred))
            elif isinstance(pred, int) and not isinstance(pred, bool):
                self.n_ids_only += 1
            else:
                self.n_malformed += 1

    def _label_of(self, pred: dict[str, Any], control: str) -> tuple[list[str], Any]:
        for r in as_list(pred.get("result")):
            r = as_dict(r)
            kind = str(r.get("type", "")).lower()
            if kind in CLASSIFICATION_TYPES and str(r.get("from_name", kind)) == control:
                score = r.get("score", pred.get("score"))
                return labels_from_value(kind, as_dict(r.get("value")), self.taxonomy_labels), score
        return [], None

    def build(self, control: str, *, multilabel: bool) -> tuple[Any, list[str]]:
        """``(Predictions or None, warnings)`` for ``control``; every prediction not read is explained."""
        from .attachments import Predictions, load_predictions

        warnings: list[str] = []
        if self.n_ids_only:
            warnings.append(f"{count_noun(self.n_ids_only, 'prediction')} {'is' if self.n_ids_only == 1 else 'are'} given by id only (Label Studio's quick export "
                            "leaves out their content), so they were not read. Export a snapshot with full "
                            "predictions, or pull the project from the server (labelstudio://HOST:PORT/projects/ID).")
        if self.n_malformed:
            warnings.append(f"{self.n_malformed:,} prediction entr(y/ies) are neither objects nor ids and were not "
                            "read.")
        if not self.pending:
            return None, warnings
        if multilabel:
            warnings.append(f"{count_noun(len(self.pending), 'model prediction')} {'was' if len(self.pending) == 1 else 'were'} not read: predictions are read as one "
                            "label per item, and this project is multi-label.")
            return None, warnings
        rows, other, multi, bad_score = [], 0, 0, 0
        for item_id, pos, pred in self.pending:
            labels, score = self._label_of(pred, control)
            if not labels:
                other += 1
                continue
            if len(labels) > 1:
                multi += 1
                continue
            conf = float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else np.nan
            if not 0.0 <= conf <= 1.0:
                bad_score += int(not np.isnan(conf))
                conf = np.nan
            rows.append({"item_id": item_id, "predicted_label": labels[0], "confidence": conf, "_pos": pos,
                         "model_version": str(pred.get("model_version") or "(no version)"),
                         "_created": str(pred.get("created_at") or "")})
        if other:
            warnings.append(f"{count_noun(other, 'model prediction')} {'does' if other == 1 else 'do'} not answer control '{control}' and were not read.")
        if multi:
            warnings.append(f"{count_noun(multi, 'model prediction')} {'holds' if multi == 1 else 'hold'} several labels for '{control}' and were not read.")
        if bad_score:
            warnings.append(f"{count_noun(bad_score, 'prediction score')} {'lies' if bad_score == 1 else 'lie'} outside [0, 1], so they are no probabilities; "
                            "those predictions keep their label without a confidence.")
        if not rows:
            return None, warnings
        frame = pd.DataFrame(rows)
        frame = self._one_version(frame, warnings)
        frame = frame.sort_values(["_created", "_pos"], kind="stable")
        repeated = int(frame.duplicated("item_id", keep="last").sum())
        if repeated:
            warnings.append(f"{count_noun(repeated, 'task')} {'holds' if repeated == 1 else 'hold'} several predictions of model version "
                            f"'{frame['model_version'].iloc[0]}'; the most recent one of each is read.")
        frame = frame.drop_duplicates("item_id", keep="last").sort_values("_pos", kind="stable")
        loaded = load_predictions(frame[["item_id", "predicted_label", "confidence"]].reset_index(drop=True))
        version = frame["model_version"].iloc[0]
        report = replace(loaded.report, source=f"{self.source} (predictions of model version '{version}')",
                         format="labelstudio predictions")
        return Predictions(frame=loaded.frame, kind=loaded.kind, report=report), warnings

    def _one_version(self, frame: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
        per_version = frame.groupby("model_version")["item_id"].nunique()
        latest = frame.groupby("model_version")["_created"].max()
        if self.model_version is not None:
            if self.model_version not in per_version.index:
                shown = ", ".join(f"'{v}' ({n:,} tasks)" for v, n in per_version.items())
                raise InvalidParameterError(f"model_version='{self.model_version}' has no prediction in "
                                            f"'{self.source}'. Model versions found: {shown}.")
            chosen = self.model_version
        else:
            order = sorted(per_version.index, key=lambda v: (per_version[v], latest[v], v))
            chosen = order[-1]
        if len(per_version) > 1:
            others = ", ".join(f"'{v}' ({n:,} tasks)" for v, n in per_version.items() if v != chosen)
            how = "as asked" if self.model_version is not None else "the version predicting the most tasks"
            warnings.append(f"Predictions of model version '{chosen}' ({per_version[chosen]:,} tasks) were read, "
                            f"{how}; not read: {others}. Choose another with model_version= "
                            "(--tool-option model_version=… on the command line).")
        return frame[frame["model_version"] == chosen]

