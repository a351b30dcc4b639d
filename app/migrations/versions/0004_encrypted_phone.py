"""encrypt phone numbers, with a blind index for look-ups

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:12:48.400838

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _field_cipher():  # type: ignore[no-untyped-def]
    # Existing numbers are encrypted with the keys the app will read them with.
    from app.config import Settings
    from app.security.crypto import Keyring
    from app.security.fields import FieldCipher

    settings = Settings().with_secrets()
    assert settings.encryption_keys is not None
    return FieldCipher(Keyring.parse(settings.encryption_keys.get_secret_value()), settings.secret_key_bytes)


def upgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("phone_index", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    connection = op.get_bind()
    customer = sa.table(
        "customer",
        sa.column("id", sa.Uuid()),
        sa.column("phone", sa.String()),
        sa.column("phone_encrypted", sa.Text()),
        sa.column("phone_index", sa.String()),
    )
    rows = connection.execute(sa.select(customer.c.id, customer.c.phone).where(customer.c.phone.is_not(None))).all()
    if rows:
        fields = _field_cipher()
        for row_id, phone in rows:
            sealed, index = fields.seal_phone(row_id, phone)
            connection.execute(
                customer.update().where(customer.c.id == row_id).values(phone_encrypted=sealed, phone_index=index)
            )

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_customer_phone"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_customer_phone_index"), ["phone_index"])
        batch_op.drop_column("phone")


def downgrade() -> None:
    # The plain numbers cannot come back without the keys: downgrading drops them.
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.VARCHAR(length=20), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_customer_phone_index'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_customer_phone'), ['phone'])
        batch_op.drop_column('phone_index')
        batch_op.drop_column('phone_encrypted')

    # ### end Alembic commands ###
