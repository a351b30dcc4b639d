"""Re-encrypt every encrypted field under the current key, in small batches, while the server runs.

Each row is rewritten with a conditional update on its old ciphertext, so a value changed meanwhile
by a request is left alone (it was already written with the current key).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from app.runtime import Runtime
from models.address import Address
from models.customer import Customer
from models.outbox import OutboxMessage, OutboxStatus
from models.payment import PaymentMethod
from models.two_factor import TotpCredential
from models.webhook import WebhookEndpoint

BATCH_SIZE = 200


@dataclass(frozen=True)
class EncryptedColumn:
    name: str
    model: Any
    key: Any  # primary key column
    column: Any
    context: Callable[[Any], str]
    where: tuple[Any, ...] = ()


def encrypted_columns() -> list[EncryptedColumn]:
    return [
        EncryptedColumn(
            "customer.phone",
            Customer,
            col(Customer.id),
            col(Customer.phone_encrypted),
            lambda row_id: f"customer.phone:{row_id}",
        ),
        EncryptedColumn(
            "customer.date_of_birth",
            Customer,
            col(Customer.id),
            col(Customer.date_of_birth_encrypted),
            lambda row_id: f"customer.date_of_birth:{row_id}",
        ),
        EncryptedColumn(
            "address.phone",
            Address,
            col(Address.id),
            col(Address.phone_encrypted),
            lambda row_id: f"address.phone:{row_id}",
        ),
        EncryptedColumn(
            "totp_credential.secret",
            TotpCredential,
            col(TotpCredential.customer_id),
            col(TotpCredential.secret_encrypted),
            lambda row_id: f"totp:{row_id}",
        ),
        EncryptedColumn(
            "payment_method.token",
            PaymentMethod,
            col(PaymentMethod.id),
            col(PaymentMethod.token_encrypted),
            lambda row_id: f"payment-method:{row_id}",
        ),
        EncryptedColumn(
            "outbox_message.payload",
            OutboxMessage,
            col(OutboxMessage.id),
            col(OutboxMessage.payload),
            lambda row_id: f"outbox:{row_id}",
            (col(OutboxMessage.status) != OutboxStatus.SENT,),
        ),
        EncryptedColumn(
            "webhook_endpoint.secret",
            WebhookEndpoint,
            col(WebhookEndpoint.id),
            col(WebhookEndpoint.secret_encrypted),
            lambda row_id: f"webhook-endpoint.secret:{row_id}",
        ),
        EncryptedColumn(
            "webhook_endpoint.previous_secret",
            WebhookEndpoint,
            col(WebhookEndpoint.id),
            col(WebhookEndpoint.previous_secret_encrypted),
            lambda row_id: f"webhook-endpoint.previous-secret:{row_id}",
        ),
    ]


async def rotate_keys(rt: Runtime, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """How many values of each column were re-encrypted."""
    current = rt.keyring.current_kid
    counts: dict[str, int] = {}
    for target in encrypted_columns():
        counts[target.name] = 0
        after: uuid.UUID | None = None
        while True:
            statement = select(target.key, target.column).where(
                target.column.is_not(None), target.column != "", *target.where
            )
            if after is not None:
                statement = statement.where(target.key > after)
            async with rt.db.read() as session:
                rows = (await session.execute(statement.order_by(target.key).limit(batch_size))).all()
            if not rows:
                break
            async with rt.db.unit_of_work() as session:
                for row_id, sealed in rows:
                    if rt.keyring.key_id_of(sealed) == current:
                        continue
                    context = target.context(row_id)
                    fresh = rt.keyring.encrypt(rt.keyring.decrypt(sealed, context=context), context=context)
                    result = await session.execute(
                        update(target.model)
                        .where(target.key == row_id, target.column == sealed)
                        .values({target.column.key: fresh})
                    )
                    counts[target.name] += int(getattr(result, "rowcount", 0))
            after = rows[-1][0]
    return counts
