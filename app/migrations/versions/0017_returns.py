"""returns

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('return_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('REQUESTED', 'APPROVED', 'REJECTED', 'RECEIVED', 'REFUNDED', 'CLOSED', name='returnstatus', native_enum=False, length=32), nullable=False),
    sa.Column('resolution', sa.Enum('REFUND', 'STORE_CREDIT', 'EXCHANGE', name='returnresolution', native_enum=False, length=32), nullable=False),
    sa.Column('decision_reason', sa.Enum('AUTO_APPROVED', 'ABOVE_AUTO_APPROVE_LIMIT', 'NOT_IN_GOOD_STANDING', 'TOO_MANY_RECENT_RETURNS', 'STAFF_APPROVED', 'STAFF_REJECTED', name='returndecisionreason', native_enum=False, length=32), nullable=False),
    sa.Column('refund_destination', sa.Enum('ORIGINAL_PAYMENT', 'STORE_CREDIT', 'NONE', name='returnrefunddestination', native_enum=False, length=32), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('tax_total', sa.BigInteger(), nullable=False),
    sa.Column('restocking_fee', sa.BigInteger(), nullable=False),
    sa.Column('shipping_deduction', sa.BigInteger(), nullable=False),
    sa.Column('refund_total', sa.BigInteger(), nullable=False),
    sa.Column('refunded_amount', sa.BigInteger(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('staff_note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('rejection_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('refund_failure_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('refund_failure_message', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('refund_attempts', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_return_request_customer_id_customer')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['customer.id'], name=op.f('fk_return_request_decided_by_id_customer')),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_return_request_order_id_customer_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_request')),
    sa.UniqueConstraint('number', name=op.f('uq_return_request_number'))
    )
    with op.batch_alter_table('return_request', schema=None) as batch_op:
        batch_op.create_index('ix_return_request_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_return_request_customer_created', ['customer_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_request_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_return_request_status_created', ['status', 'created_at', 'id'], unique=False)

    op.create_table('return_line',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('return_id', sa.Uuid(), nullable=False),
    sa.Column('order_line_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('DAMAGED', 'DEFECTIVE', 'WRONG_ITEM', 'NOT_AS_DESCRIBED', 'SIZE_OR_FIT', 'NO_LONGER_NEEDED', 'ARRIVED_LATE', 'OTHER', name='returnreason', native_enum=False, length=32), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('tax_amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'], name=op.f('fk_return_line_order_line_id_order_line')),
    sa.ForeignKeyConstraint(['return_id'], ['return_request.id'], name=op.f('fk_return_line_return_id_return_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_line'))
    )
    with op.batch_alter_table('return_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_line_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_line_return_id'), ['return_id'], unique=False)

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returnable', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('returnable')

    with op.batch_alter_table('return_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_line_return_id'))
        batch_op.drop_index(batch_op.f('ix_return_line_order_line_id'))

    op.drop_table('return_line')
    with op.batch_alter_table('return_request', schema=None) as batch_op:
        batch_op.drop_index('ix_return_request_status_created')
        batch_op.drop_index(batch_op.f('ix_return_request_order_id'))
        batch_op.drop_index('ix_return_request_customer_created')
        batch_op.drop_index('ix_return_request_created')

    op.drop_table('return_request')
