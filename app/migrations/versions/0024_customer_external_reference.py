"""customer external reference

Customers get the id an integration's system (a POS, an ERP) knows them by, unique when present, for the
idempotent upsertCustomer (scope customers:write) and customerRecord(externalReference:) lookups
(scope customers:read); `updated_at` gets an index for customerRecords(updatedSince:), which pages through
(updated_at, id).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 22:58:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('external_reference', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
    op.create_index(op.f('ix_customer_external_reference'), 'customer', ['external_reference'], unique=True)
    op.create_index(op.f('ix_customer_updated_at'), 'customer', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_customer_updated_at'), table_name='customer')
    op.drop_index(op.f('ix_customer_external_reference'), table_name='customer')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('external_reference')
