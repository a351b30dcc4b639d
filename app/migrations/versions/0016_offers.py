"""offers

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('offer',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.Enum('NEW', 'ACCEPTED', 'REJECTED', 'EXPIRED', 'PAID', name='offerstate', native_enum=False, length=32), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('tax_total', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('order_id', sa.Uuid(), nullable=True),
    sa.Column('rejection_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_offer_customer_id_customer')),
    sa.ForeignKeyConstraint(['created_by_id'], ['customer.id'], name=op.f('fk_offer_created_by_id_customer')),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_offer_order_id_customer_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer')),
    sa.UniqueConstraint('number', name=op.f('uq_offer_number')),
    sa.UniqueConstraint('order_id', name=op.f('uq_offer_order_id'))
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index('ix_offer_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_offer_customer_created', ['customer_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_offer_state_valid_until', ['state', 'valid_until'], unique=False)

    op.create_table('offer_line',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('offer_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('tax_rate_bp', sa.Integer(), nullable=False),
    sa.Column('tax_amount', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_line_offer_id_offer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_line'))
    )
    with op.batch_alter_table('offer_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_line_offer_id'), ['offer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('offer_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_line_offer_id'))

    op.drop_table('offer_line')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_state_valid_until')
        batch_op.drop_index('ix_offer_customer_created')
        batch_op.drop_index('ix_offer_created')

    op.drop_table('offer')
