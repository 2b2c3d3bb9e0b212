"""The workspace's tables (SQLAlchemy Core), as of the newest schema revision :data:`HEAD_REVISION`.

The schema is created and upgraded only by the Alembic migrations in ``migrations/versions`` (each one a frozen
copy of its own tables); this module is what the code reads and writes, and ``tests/workspace/test_migrations.py``
checks that upgrading an empty database to the head gives exactly these tables.

Per delivery, next to the raw material (the annotations, gold labels, predictions and taxonomy as Parquet/JSON
blobs, the source files' hashes, the import reports and the QualityReport JSON), the summaries every trend needs
are stored at add time — one row per coefficient, per category, per annotator on gold and per class pair — so
that a history over hundreds of deliveries is a few indexed queries and never re-reads an export.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["HEAD_REVISION", "KNOWN_REVISIONS", "metadata", "deliveries", "delivery_files", "delivery_data",
           "delivery_items", "coefficients", "category_stats", "annotator_gold", "pair_stats", "decisions"]

#: Alembic revision of the schema this code reads and writes, and every revision it can upgrade from.
HEAD_REVISION = "0002"
KNOWN_REVISIONS = ("0001", "0002")

metadata = sa.MetaData()

def _fk() -> sa.ForeignKey:
    return sa.ForeignKey("deliveries.id", ondelete="CASCADE")

deliveries = sa.Table(
    "deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("added_at", sa.String(40), nullable=False),
    sa.Column("vendor", sa.String(200)),
    sa.Column("guideline_version", sa.String(200)),
    sa.Column("taxonomy", sa.Text),
    sa.Column("source", sa.Text),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("n_annotations", sa.Integer, nullable=False),
    sa.Column("n_items", sa.Integer, nullable=False),
    sa.Column("n_annotators", sa.Integer, nullable=False),
    sa.Column("n_categories", sa.Integer, nullable=False),
    sa.Column("n_repeat_items", sa.Integer, nullable=False),
    sa.Column("repeats_json", sa.Text, nullable=False),
    sa.Column("multilabel", sa.Boolean, nullable=False),
    sa.Column("unknown_label", sa.Text),
    sa.Column("n_unknown", sa.Integer),
    sa.Column("n_gold_items", sa.Integer, nullable=False),
    sa.Column("primary_coefficient", sa.String(40)),
    sa.Column("categories_json", sa.Text, nullable=False),
    sa.Column("metadata_json", sa.Text, nullable=False),
    sa.Column("settings_json", sa.Text, nullable=False),
    sa.Column("import_json", sa.Text, nullable=False),
    sa.Column("report_json", sa.Text, nullable=False),
    sa.Column("aqa_version", sa.String(40), nullable=False),
    sqlite_autoincrement=True,
)

delivery_files = sa.Table(
    "delivery_files", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("delivery_id", sa.Integer, _fk(), nullable=False, index=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("n_bytes", sa.BigInteger, nullable=False),
)

delivery_data = sa.Table(
    "delivery_data", metadata,
    sa.Column("delivery_id", sa.Integer, _fk(), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("format", sa.String(20), nullable=False),
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

delivery_items = sa.Table(
    "delivery_items", metadata,
    sa.Column("delivery_id", sa.Integer, _fk(), primary_key=True),
    sa.Column("item_key", sa.String(16), primary_key=True),
    sa.Column("n_annotations", sa.Integer, nullable=False),
    sa.Index("ix_delivery_items_item_key", "item_key"),
)

coefficients = sa.Table(
    "coefficients", metadata,
    sa.Column("delivery_id", sa.Integer, _fk(), primary_key=True),
    sa.Column("coefficient", sa.String(40), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("value", sa.Double),
    sa.Column("standard_error", sa.Double),
    sa.Column("ci_low", sa.Double),
    sa.Column("ci_high", sa.Double),
    sa.Column("n_items", sa.Integer),
    sa.Column("n_annotators", sa.Integer),
    sa.Column("reason", sa.Text),
)

category_stats = sa.Table(
    "category_stats", metadata,
    sa.Column("delivery_id", sa.Integer, _fk(), primary_key=True),
    sa.Column("category", sa.Text, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("n_labels", sa.Integer, nullable=False),
    sa.Column("kappa", sa.Double),
    sa.Column("standard_error", sa.Double),
    sa.Column("ci_low", sa.Double),
    sa.Column("ci_high", sa.Double),
    sa.Column("n_items", sa.Integer),
)

annotator_gold = sa.Table(
    "annotator_gold", metadata,
    sa.Column("delivery_id", sa.Integer, _fk(), primary_key=True),
    sa.Column("annotator_id", sa.Text, primary_key=True),
    sa.Column("n_gold", sa.Integer, nullable=False),
    sa.Column("n_correct", sa.Integer, nullable=False),
    sa.Column("flagged", sa.Boolean, nullable=False),
)

pair_stats = sa.Table(
    "pair_stats", metadata,
    sa.Column("delivery_id", sa.Integer, _fk(), primary_key=True),
    sa.Column("class_a", sa.Text, primary_key=True),
    sa.Column("class_b", sa.Text, primary_key=True),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("n_items", sa.Integer, nullable=False),
    sa.Column("score", sa.Double),
)

# -- schema 2 (0002) ---------------------------------------------------------------------------------------------
decisions = sa.Table(
    "decisions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("base_delivery_id", sa.Integer, nullable=False, index=True),  # kept when that delivery is removed
    sa.Column("delivery_name", sa.String(200), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("classes_json", sa.Text, nullable=False),
    sa.Column("annotators_json", sa.Text, nullable=False),
    sa.Column("new_classes_json", sa.Text, nullable=False),
    sa.Column("definition", sa.Text),
    sa.Column("note", sa.Text),
    sa.Column("author", sa.String(200)),
    sa.Column("recommendation_json", sa.Text),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("prediction_json", sa.Text, nullable=False),
    sqlite_autoincrement=True,
)
