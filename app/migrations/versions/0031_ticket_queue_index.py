"""ticket queue index

The staff console's support queue lists tickets by their latest message (tickets(order: LAST_ACTIVITY)),
keyset paged on (last_message_at, id): an index in that order keeps a page a range scan however many
tickets there are.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 03:40:00

"""
from collections.abc import Sequence

from alembic import op


revision: str = '0031'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_support_ticket_last_message', 'support_ticket', ['last_message_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_support_ticket_last_message', table_name='support_ticket')
