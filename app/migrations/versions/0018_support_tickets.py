"""support tickets

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('support_ticket',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('category', sa.Enum('ORDER', 'PAYMENT', 'RETURN', 'ACCOUNT', 'PRODUCT', 'OTHER', name='ticketcategory', native_enum=False, length=32), nullable=False),
    sa.Column('state', sa.Enum('OPEN', 'PENDING_CUSTOMER', 'RESOLVED', 'CLOSED', name='ticketstate', native_enum=False, length=32), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=True),
    sa.Column('return_id', sa.Uuid(), nullable=True),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['customer.id'], name=op.f('fk_support_ticket_assignee_id_customer')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_support_ticket_customer_id_customer')),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_support_ticket_order_id_customer_order')),
    sa.ForeignKeyConstraint(['return_id'], ['return_request.id'], name=op.f('fk_support_ticket_return_id_return_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_ticket')),
    sa.UniqueConstraint('number', name=op.f('uq_support_ticket_number'))
    )
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_ticket_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index('ix_support_ticket_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_support_ticket_customer_created', ['customer_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_support_ticket_state_created', ['state', 'created_at'], unique=False)

    op.create_table('ticket_message',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('ticket_id', sa.Uuid(), nullable=False),
    sa.Column('author_kind', sa.Enum('CUSTOMER', 'STAFF', name='ticketauthorkind', native_enum=False, length=32), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('author_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['customer.id'], name=op.f('fk_ticket_message_author_id_customer')),
    sa.ForeignKeyConstraint(['ticket_id'], ['support_ticket.id'], name=op.f('fk_ticket_message_ticket_id_support_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_message'))
    )
    with op.batch_alter_table('ticket_message', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_message_ticket_created', ['ticket_id', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_message', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_message_ticket_created')

    op.drop_table('ticket_message')
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_support_ticket_state_created')
        batch_op.drop_index('ix_support_ticket_customer_created')
        batch_op.drop_index('ix_support_ticket_created')
        batch_op.drop_index(batch_op.f('ix_support_ticket_assignee_id'))

    op.drop_table('support_ticket')
