"""security event service account

Work done by an integration through its API key (a warehouse system marking a return received) names
the service account that did it, so the staff-actions log lists it beside the work of people.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 05:30:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_account_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_security_event_service_account_id_service_account'),
            'service_account',
            ['service_account_id'],
            ['id'],
        )


def downgrade() -> None:
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_security_event_service_account_id_service_account'), type_='foreignkey')
        batch_op.drop_column('service_account_id')
