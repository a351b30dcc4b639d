"""privacy policy: every published version, each in force from its date

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 23:35:30.101520

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('privacy_policy',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('effective_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_policy')),
    sa.UniqueConstraint('version', name=op.f('uq_privacy_policy_version'))
    )
    with op.batch_alter_table('privacy_policy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_policy_effective_from'), ['effective_from'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('privacy_policy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_policy_effective_from'))

    op.drop_table('privacy_policy')
