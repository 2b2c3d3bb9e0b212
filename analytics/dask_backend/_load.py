"""Loading annotations onto a Dask cluster: two passes over the input, the second partitioning rows by item.

1. **Summaries** (:func:`._pieces.summarize_piece`, one task per piece): the data contract's per-row rules
   (ids and labels cleaned, blank rows skipped and listed), and the small facts — distinct labels with their
   counts, annotators, rounds, gold items present.
2. On the client, from those facts alone: label spellings merged (as in memory), categories resolved and
   checked against the taxonomy or category list, annotators and rounds ordered, gold attached.
3. **Coding and shuffle** (:func:`._pieces.code_piece`): every kept row with global integer codes, split by a
   hash of the item id so that each item's ratings meet in one partition; there
   (:func:`._pieces.finalize_partition`) duplicates are ruled on and items coded. The partitions stay in
   the cluster's memory as :class:`~analytics._reshape.ItemPartition` futures.

The import report adds up as in memory: ``rows_read == rows_kept + rows_skipped``.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .._import_report import ImportReport
from .._labels import _looks_multilabel, clean_label_column, clean_text, natural_order
from .._schema import _order_ids, _unknown, check_known_labels, resolve_categories
from .._duplicates import handle_duplicates
from .._validate import BLANK_DETAILS
from ..exceptions import AnnotationSchemaError, InvalidParameterError
from ..io._mapping import ColumnMapping
from ..io.attachments import _coerce_gold, note_attached, restrict_gold
from ..io.images import resolve_image_root
from .._taxonomy_model import load_taxonomy
from ._cluster import connect
from ._pieces import CODED_META, code_piece, finalize_bucket, summarize_piece
from ._set import DaskAnnotationSet, itemgetter
from ._sources import Piece, file_pieces, list_files
from .._wording import count_noun

__all__ = ["load_dask", "PARTITION_ROWS"]

#: Annotations per partition after the shuffle when ``npartitions`` is not given.
PARTITION_ROWS = 1_000_000

#: Above this many piece × partition transfers the rows go through Dask's p2p shuffle instead of one task per
#: transfer (the scheduler's cost per task would then outweigh the saving).
SPLIT_TASKS = 10_000

#: Reason codes of :func:`._pieces.clean_piece` (1, 2, 3) → skip reasons.
_REASONS = dict(enumerate(BLANK_DETAILS, start=1))


def load_dask(
    source: Any,
    *,
    scheduler: Any = None,
    npartitions: int | None = None,
    item: str | None = None,
    annotator: str | None = None,
    label: str | None = None,
    round: str | None = None,
    sep: str | None = None,
    categories: Sequence[str] | None = None,
    taxonomy: Any = None,
    ordinal: bool | None = None,
    duplicates: str = "error",
    normalize_labels: bool = True,
    unknown_label: str | None = None,
    gold: Any = None,
    image_root: Any = None,
) -> DaskAnnotationSet:
    """Load a tidy table (files, a folder, a glob, or a Dask DataFrame) into a :class:`DaskAnnotationSet`.

    See :func:`analytics.load_annotations` (``backend="dask"``) for the options.
    """
    if duplicates not in ("error", "keep_last", "keep_first"):
        raise InvalidParameterError(f"duplicates= must be 'error', 'keep_last' or 'keep_first', got {duplicates!r}.")
    if npartitions is not None and (not isinstance(npartitions, int) or npartitions < 1):
        raise InvalidParameterError(f"npartitions= must be a positive integer, got {npartitions!r}.")
    client, owned = connect(scheduler)
    try:
        return _load(client, owned, source, npartitions=npartitions,
                     mapping=ColumnMapping(item=item, annotator=annotator, label=label, round=round), sep=sep,
                     categories=categories, taxonomy=load_taxonomy(taxonomy) if taxonomy is not None else None,
                     ordinal=ordinal, duplicates=duplicates, normalize_labels=normalize_labels,
                     unknown_label=unknown_label, gold=gold, image_root=image_root)
    except BaseException:
        for resource in owned:
            resource.close()
        raise


def _inputs(source: Any) -> tuple[list[Piece], list[Any] | None, list[str], str]:
    """Pieces, the Dask DataFrame partitions (None for files), source names and the report's unit."""
    if type(source).__module__.startswith("dask.") and hasattr(source, "to_delayed"):
        frames = source.to_delayed()
        return [Piece(0, None, "frame") for _ in frames], frames, ["<Dask DataFrame>"], "row"
    files = list_files(source)
    pieces = file_pieces(files)
    kinds = {p.kind for p in pieces}
    unit = "record" if len(kinds) > 1 else ("row" if kinds == {"parquet"} else "line")
    return pieces, None, [f.name for f in files], unit


def _load(client: Any, owned: tuple, source: Any, *, npartitions: int | None, mapping: ColumnMapping,
          sep: str | None, categories: Sequence[str] | None, taxonomy: Any, ordinal: bool | None, duplicates: str,
          normalize_labels: bool, unknown_label: str | None, gold: Any, image_root: Any = None) -> DaskAnnotationSet:
    import dask

    pieces, frames, names, unit = _inputs(source)
    roots = {p.source: resolve_image_root(image_root, p.path if p.path is not None else None) for p in pieces}
    gold_labels = _coerce_gold(gold) if gold is not None else None
    gold_items = pd.Index(pd.unique(gold_labels.frame["item_id"]), dtype=object) if gold_labels is not None else None
    [gold_future] = client.scatter([gold_items], broadcast=True, hash=False)
    summarize = dask.delayed(summarize_piece, pure=False)
    tasks = [summarize(p, mapping, sep, gold_future, None if frames is None else frames[i], roots[p.source])
             for i, p in enumerate(pieces)]
    summaries = client.gather(client.compute(tasks))
    if frames is not None:  # number the rows of a Dask DataFrame across its partitions
        offsets = np.concatenate([[0], np.cumsum([s["rows"] for s in summaries])[:-1]])
        pieces = [Piece(0, None, "frame", first_row=int(o) + 1) for o in offsets]
        for s, o in zip(summaries, offsets):
            s["skipped_rows"] = s["skipped_rows"] + o
            s["image_refused_rows"] = s["image_refused_rows"] + o
    facts = _decide(summaries, categories=categories, taxonomy=taxonomy, normalize_labels=normalize_labels,
                    gold_labels=gold_labels, names=names, unit=unit)
    n_kept = sum(int(s["rows"]) for s in summaries) - len(facts["skipped"])
    if n_kept == 0:
        raise AnnotationSchemaError(
            f"No annotations left in {', '.join(names)}: all {sum(s['rows'] for s in summaries):,} rows were skipped "
            f"({facts['skipped']['reason'].value_counts().to_dict()}). Check that the right columns were used "
            "(item=, annotator=, label=) and that the files are complete.")
    coding = {"labels": facts["label_codes"], "annotators": facts["annotator_ids"],
              "rounds": pd.Index(facts["rounds"], dtype=object) if facts["rounds"] else None,
              "image_roots": roots}
    [coding_future] = client.scatter([coding], broadcast=True, hash=False)
    parts, infos = _shuffle(client, pieces, frames, mapping, sep, coding_future, facts, duplicates,
                            npartitions or max(1, len(client.scheduler_info().get("workers", {})),
                                               math.ceil(n_kept / PARTITION_ROWS)))
    _raise_on_duplicates(infos, facts, names)
    report = _report(summaries, infos, facts, names=names, unit=unit, duplicates=duplicates,
                     image_roots=roots)
    n_items = sum(i["n_items"] for i in infos)
    return DaskAnnotationSet(
        client=client, partitions=tuple(p for p, i in zip(parts, infos) if i["n_annotations"] > 0),
        categories=facts["categories"], annotator_ids=facts["annotator_ids"], rounds=tuple(facts["rounds"]),
        n_items=n_items, n_annotations=report.n_annotations, report=report, taxonomy=taxonomy,
        ordinal=bool(ordinal) if ordinal is not None else bool(taxonomy and taxonomy.ordinal),
        unknown_label=_unknown(clean_text(unknown_label) if unknown_label is not None else None, taxonomy,
                               facts["categories"]),
        gold=facts["gold"], gold_report=facts["gold_report"], owned=owned, attached_categories=facts["attached"],
    )


def _decide(summaries: list[dict], *, categories: Sequence[str] | None, taxonomy: Any, normalize_labels: bool,
            gold_labels: Any, names: list[str], unit: str) -> dict[str, Any]:
    """The global decisions, from the summaries alone: categories, label codes, annotators, rounds, gold."""
    values: dict[Any, list[int]] = {}
    for s in summaries:
        for v, n, k in zip(s["label_values"], s["label_counts"], s["label_counts_kept"]):
            entry = values.setdefault(v, [0, 0])
            entry[0] += int(n)
            entry[1] += int(k)
    raw = pd.Series(list(values.keys()), dtype=object)
    counts = np.array([c[0] for c in values.values()], dtype=np.int64)
    kept = np.array([c[1] for c in values.values()], dtype=np.int64)
    if len(raw) and _looks_multilabel(raw):
        raise InvalidParameterError(
            "The labels look like tag sets (JSON lists): the Dask backend reads single-label annotations. Load "
            "multi-label sets in memory (backend='memory').")
    declared = list(categories) if categories is not None else (list(taxonomy.names) if taxonomy is not None else None)
    cleaning = clean_label_column(raw, multilabel=False, normalize=normalize_labels, declared=declared, weights=counts)
    final = cleaning.labels
    used_mask = final.notna().to_numpy() & (kept > 0)
    used = final[used_mask]
    if categories is not None:
        check_known_labels(used, list(categories), what="declared categories",
                           weights=pd.Series(kept, index=final.index))
    elif taxonomy is not None:
        check_known_labels(used, taxonomy.names, what="taxonomy", suggest=taxonomy.suggest,
                           weights=pd.Series(kept, index=final.index))
    cats = list(resolve_categories(sorted(set(used)), explicit=categories, taxonomy=taxonomy))
    gold, gold_report = None, None
    if gold_labels is not None:
        present = {i for s in summaries for i in s["gold_present"]}
        gold, gold_report = restrict_gold(gold_labels, present, taxonomy)
        attached = [c for c in natural_order(set(gold.dropna())) if c not in set(cats)]
        cats += attached
        gold_report = note_attached(gold_report, attached)
    index = {c: i for i, c in enumerate(cats)}
    annotators = pd.unique(np.asarray([a for s in summaries for a in s["annotators"]], dtype=object))
    _, annotator_ids = _order_ids(pd.Series(annotators, dtype=object))
    rounds = [r for s in summaries if s["rounds"] is not None for r in s["rounds"]]
    rows = [(names[s["source"]], int(r), _REASONS[int(c)])
            for s in summaries for r, c in zip(s["skipped_rows"], s["skipped_reasons"])]
    skipped = pd.DataFrame(rows, columns=["source", "row", "reason"])
    warnings = []
    n_items_changed = sum(s["changed_items"] for s in summaries)
    n_ann_changed = sum(s["changed_annotators"] for s in summaries)
    if n_items_changed or n_ann_changed:
        warnings.append(f"surrounding or repeated whitespace removed from {count_noun(n_items_changed, 'item id')} and "
                        f"{count_noun(n_ann_changed, 'annotator id')}.")
    return {
        "categories": tuple(cats), "annotator_ids": pd.Index(annotator_ids, dtype=object),
        "rounds": natural_order(set(rounds)),
        "label_codes": {v: index[f] for v, f in zip(raw, final) if f is not None and f in index},
        "skipped": skipped, "warnings": warnings + list(cleaning.warnings), "normalizations": cleaning.normalizations,
        "gold": gold, "gold_report": gold_report, "attached": tuple(attached) if gold_labels is not None else (),
        "gold_codes": None if gold is None else (pd.Index(gold.index, dtype=object),
                                                 np.array([index[g] for g in gold], dtype=np.int32)),
        "mapping": summaries[0]["mapping"], "dropped": summaries[0]["dropped"],
    }


def _shuffle(client: Any, pieces: list[Piece], frames: list | None, mapping: ColumnMapping, sep: str | None,
             coding_future: Any, facts: dict, duplicates: str, npartitions: int) -> tuple[list, list[dict]]:
    """Code every piece into ``npartitions`` frames by item hash, bring frame ``b`` of every piece to partition
    ``b`` and finalize it there; ``(partition futures, infos)``.

    A hash partitioning done by the pieces themselves (:func:`._pieces.code_piece`): the rows travel once, as
    Arrow strings and integer codes, and arrive in input order (piece by piece), so nothing is sorted.
    """
    import dask

    [gold_future] = client.scatter([facts["gold_codes"]], broadcast=True, hash=False)
    sizes = dict(duplicates=duplicates, gold=gold_future, n_annotators=len(facts["annotator_ids"]),
                 n_categories=len(facts["categories"]), n_rounds=len(facts["rounds"]))
    if len(pieces) * npartitions > SPLIT_TASKS:
        return _p2p_shuffle(client, pieces, frames, mapping, sep, coding_future, facts, npartitions, sizes)
    code = dask.delayed(code_piece, pure=False, nout=npartitions)
    coded = [code(p, mapping, sep, coding_future, None if frames is None else frames[i], npartitions)
             for i, p in enumerate(pieces)]
    finalize = dask.delayed(finalize_bucket, pure=False)
    outputs = client.compute([finalize(*[c[b] for c in coded], **sizes) for b in range(npartitions)])
    infos = client.gather(client.map(itemgetter(1), outputs, pure=False))
    parts = client.map(itemgetter(0), outputs, pure=False)
    return parts, infos


def _p2p_shuffle(client: Any, pieces: list[Piece], frames: list | None, mapping: ColumnMapping, sep: str | None,
                 coding_future: Any, facts: dict, npartitions: int, sizes: dict) -> tuple[list, list[dict]]:
    """The same with Dask's p2p shuffle (for more than :data:`SPLIT_TASKS` piece × partition transfers: its
    task count grows with pieces + partitions, not their product); partitions then sorted back to input order."""
    import dask
    import dask.dataframe as dd

    optional = {"round": bool(facts["rounds"]), "image": "image" in facts["mapping"]}
    meta = pd.DataFrame({c: pd.Series(dtype=t) for c, t in CODED_META.items() if optional.get(c, True)})
    code = dask.delayed(code_piece, pure=False, nout=1)
    coded = dd.from_delayed([code(p, mapping, sep, coding_future, None if frames is None else frames[i])[0]
                             for i, p in enumerate(pieces)], meta=meta, verify_meta=False)
    shuffled = coded.shuffle(on="item_id", npartitions=npartitions)
    finalize = dask.delayed(finalize_bucket, pure=False)
    outputs = client.compute([finalize(d, **sizes) for d in shuffled.to_delayed()])
    infos = client.gather(client.map(itemgetter(1), outputs, pure=False))
    parts = client.map(itemgetter(0), outputs, pure=False)
    return parts, infos


def _raise_on_duplicates(infos: list[dict], facts: dict, names: list[str]) -> None:
    """The in-memory error message for repeated ``(item, annotator, round)`` rows (policy ``"error"``)."""
    frames = [i["duplicates"] for i in infos if i["duplicates"] is not None]
    if not frames:
        return
    rows = pd.concat(frames, ignore_index=True).sort_values(["_src", "_row"], kind="stable")
    decoded = pd.DataFrame({
        "item_id": rows["item_id"].to_numpy(dtype=object),
        "annotator_id": np.asarray(facts["annotator_ids"], dtype=object)[rows["annotator_id"].to_numpy()],
        "_row": rows["_row"].to_numpy(), "_source": np.asarray(names, dtype=object)[rows["_src"].to_numpy()],
    })
    if "round" in rows.columns:
        decoded["round"] = np.asarray(list(facts["rounds"]) + [None], dtype=object)[rows["round"].to_numpy()]
    handle_duplicates(decoded.reset_index(drop=True), "error", drop_cb=None)


def _report(summaries: list[dict], infos: list[dict], facts: dict, *, names: list[str], unit: str,
            duplicates: str, image_roots: dict[int, Any]) -> ImportReport:
    """The import report: every row read is kept or listed as skipped with its reason."""
    skipped = facts["skipped"]
    order = {r: i for i, r in enumerate(BLANK_DETAILS)}
    skipped = skipped.assign(_o=skipped["reason"].map(order), _s=skipped["source"].map(names.index))
    skipped = skipped.sort_values(["_o", "_s", "row"], kind="stable").drop(columns=["_o", "_s"])
    skipped["detail"] = skipped["reason"].map(BLANK_DETAILS)
    dropped = [i["dropped"] for i in infos if i["dropped"] is not None]
    if dropped:
        keep = "last" if duplicates == "keep_last" else "first"
        dup = pd.concat(dropped, ignore_index=True).sort_values(["_src", "_row"], kind="stable")
        skipped = pd.concat([skipped, pd.DataFrame({
            "source": np.asarray(names, dtype=object)[dup["_src"].to_numpy()], "row": dup["_row"].to_numpy(),
            "reason": "duplicate",
            "detail": f"duplicates='{duplicates}' kept the {keep} row of this (item, annotator, round)"})],
            ignore_index=True)
    n_annotations = sum(i["n_annotations"] for i in infos)
    warnings = list(facts["warnings"])
    if facts["rounds"]:
        n_missing = sum(i["no_round"][0] for i in infos)
        if n_missing:
            heads = pd.concat([i["no_round"][1] for i in infos]).sort_values(["_src", "_row"], kind="stable")
            warnings.append(f"{count_noun(n_missing, 'annotation')} {'has' if n_missing == 1 else 'have'} no round (e.g. {unit} "
                            f"{', '.join(map(str, heads['_row'].head(5).tolist()))}).")
    skipped, notes = _image_entries(skipped, summaries, names, image_roots)
    if facts["dropped"]:
        notes.append("the Dask backend reads item, annotator, label, round and image only; not loaded: "
                     + ", ".join(map(str, facts["dropped"])) + ".")
    if "scope" not in skipped.columns:
        skipped = skipped.assign(scope="row")
    skipped = skipped.assign(scope=skipped["scope"].fillna("row"))[["source", "row", "reason", "detail", "scope"]]
    return ImportReport(
        source=", ".join(names), format="tidy", unit=unit, rows_read=sum(int(s["rows"]) for s in summaries),
        rows_kept=n_annotations, skipped=skipped.reset_index(drop=True).astype(object), warnings=tuple(warnings),
        notes=tuple(notes), label_field=facts["mapping"].get("label"), column_mapping=dict(facts["mapping"]),
        label_normalizations=dict(facts["normalizations"]), n_annotations=n_annotations,
    )


def _image_entries(skipped: pd.DataFrame, summaries: list[dict], names: list[str],
                   roots: dict[int, Any]) -> tuple[pd.DataFrame, list[str]]:
    """Refused image references as ``image_refused`` entries of kept rows, and the notes on image roots and URLs
    (as :func:`analytics.io.images.check_raw_images` writes them in memory)."""
    rows = [(names[s["source"]], int(r), "image_refused", d, "annotation" if kept else "row")
            for s in summaries
            for r, d, kept in zip(s["image_refused_rows"], s["image_refused_details"], s["image_refused_kept"])]
    if rows:
        skipped = pd.concat([skipped.assign(scope="row"), pd.DataFrame(
            rows, columns=["source", "row", "reason", "detail", "scope"])], ignore_index=True)
    notes = []
    for source in sorted({s["source"] for s in summaries}):  # per file, in the order the in-memory loader writes
        mine = [s for s in summaries if s["source"] == source]
        if any(s["image_resolved"] for s in mine):
            notes.append(f"image paths were read relative to the image root {roots[source]}; paths outside it are "
                         "refused.")
        n_remote = sum(s["image_remote"] for s in mine)
        if n_remote:
            hosts = list(dict.fromkeys(h for s in mine for h in s["image_hosts"]))[:10]
            shown = f" (hosts: {', '.join(hosts)})" if hosts else ""
            notes.append(f"{count_noun(n_remote, 'image reference')} {'is a URL or a labeling-tool server path' if n_remote == 1 else 'are URLs or labeling-tool server paths'}{shown}: kept as "
                         "text and never downloaded; the dashboard shows remote images only from hosts you allow.")
    return skipped, notes
