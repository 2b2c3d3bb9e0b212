"""Schema 1: deliveries with their raw material, source-file hashes, reports, and per-delivery summaries.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _fk() -> sa.ForeignKey:
    return sa.ForeignKey("deliveries.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "deliveries",
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
    op.create_table(
        "delivery_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.Integer, _fk(), nullable=False, index=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("n_bytes", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "delivery_data",
        sa.Column("delivery_id", sa.Integer, _fk(), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "delivery_items",
        sa.Column("delivery_id", sa.Integer, _fk(), primary_key=True),
        sa.Column("item_key", sa.String(16), primary_key=True),
        sa.Column("n_annotations", sa.Integer, nullable=False),
    )
    op.create_index("ix_delivery_items_item_key", "delivery_items", ["item_key"])
    op.create_table(
        "coefficients",
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
    op.create_table(
        "category_stats",
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
    op.create_table(
        "annotator_gold",
        sa.Column("delivery_id", sa.Integer, _fk(), primary_key=True),
        sa.Column("annotator_id", sa.Text, primary_key=True),
        sa.Column("n_gold", sa.Integer, nullable=False),
        sa.Column("n_correct", sa.Integer, nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False),
    )
    op.create_table(
        "pair_stats",
        sa.Column("delivery_id", sa.Integer, _fk(), primary_key=True),
        sa.Column("class_a", sa.Text, primary_key=True),
        sa.Column("class_b", sa.Text, primary_key=True),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("n_items", sa.Integer, nullable=False),
        sa.Column("score", sa.Double),
    )


def downgrade() -> None:
    for table in ("pair_stats", "annotator_gold", "category_stats", "coefficients", "delivery_items",
                  "delivery_data", "delivery_files", "deliveries"):
        op.drop_table(table)
