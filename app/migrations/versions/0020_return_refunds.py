"""return refunds: each movement of a return's money, against the payment it gives back

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 08:42:01.918691

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('return_refund',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('return_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('payment_id', sa.Uuid(), nullable=True),
    sa.Column('destination', sa.Enum('ORIGINAL_PAYMENT', 'STORE_CREDIT', 'NONE', name='returnrefunddestination', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'SUCCEEDED', 'FAILED', name='returnrefundstatus', native_enum=False, length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('method_label', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('gateway_refund_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('failure_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_return_refund_customer_id_customer')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_return_refund_payment_id_payment')),
    sa.ForeignKeyConstraint(['return_id'], ['return_request.id'], name=op.f('fk_return_refund_return_id_return_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_refund'))
    )
    with op.batch_alter_table('return_refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_refund_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_refund_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_refund_return_id'), ['return_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('return_refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_refund_return_id'))
        batch_op.drop_index(batch_op.f('ix_return_refund_payment_id'))
        batch_op.drop_index(batch_op.f('ix_return_refund_customer_id'))

    op.drop_table('return_refund')
