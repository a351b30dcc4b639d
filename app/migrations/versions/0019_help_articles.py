"""help articles

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('help_article',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('title_folded', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('search_folded', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['customer.id'], name=op.f('fk_help_article_author_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_article')),
    sa.UniqueConstraint('slug', name=op.f('uq_help_article_slug'))
    )
    with op.batch_alter_table('help_article', schema=None) as batch_op:
        batch_op.create_index('ix_help_article_published_category', ['published', 'category'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('help_article', schema=None) as batch_op:
        batch_op.drop_index('ix_help_article_published_category')

    op.drop_table('help_article')
