"""Schema 2: the decision log — taxonomy and guideline decisions with the evidence and predicted effect behind them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("base_delivery_id", sa.Integer, nullable=False, index=True),
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


def downgrade() -> None:
    op.drop_table("decisions")
