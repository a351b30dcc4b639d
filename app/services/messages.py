"""Mail and SMS in the recipient's language: the customer's settings, else the request's, else English."""

import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.i18n import MessageLocale
from app.outbox import enqueue_email, enqueue_sms
from app.runtime import RequestMeta, Runtime
from app.templates import Brand, MessageValue
from models.profile import CustomerSettings


async def locale_for(
    session: AsyncSession, customer_id: uuid.UUID | None, meta: RequestMeta | None = None
) -> MessageLocale:
    """The customer's language and time zone; for what they left unset (or an address without an account),
    the language the request carried (Accept-Language); English and UTC when nothing says otherwise."""
    row = await session.get(CustomerSettings, customer_id) if customer_id is not None else None
    language = (row.language if row else None) or (meta.language if meta else None)
    return MessageLocale.of(language, row.timezone if row else None)


async def document_locale(session: AsyncSession, customer_id: uuid.UUID | None) -> MessageLocale:
    """The language and time zone a customer's PDF is printed in: the customer's settings only, never the
    language of whoever opens the link (staff downloading it, an accountant it was forwarded to), so one document
    reads the same for everyone. English and UTC for a guest's document or a customer who set nothing."""
    return await locale_for(session, customer_id)


def brand_of(settings: Settings) -> Brand:
    return Brand.of(settings.mail_from, settings.mail_brand_color)


async def email(
    session: AsyncSession,
    rt: Runtime,
    template: str,
    recipient: str,
    values: Mapping[str, MessageValue],
    *,
    customer_id: uuid.UUID | None = None,
    meta: RequestMeta | None = None,
    locale: MessageLocale | None = None,
) -> None:
    """Queue a mail in this unit of work; `locale` when the caller already knows it (e.g. read before a deletion)."""
    locale = locale or await locale_for(session, customer_id, meta)
    enqueue_email(session, rt.keyring, template, recipient, values, locale=locale, brand=brand_of(rt.settings))


async def sms(
    session: AsyncSession,
    rt: Runtime,
    template: str,
    recipient: str,
    values: Mapping[str, MessageValue],
    *,
    customer_id: uuid.UUID | None = None,
    meta: RequestMeta | None = None,
) -> None:
    enqueue_sms(session, rt.keyring, template, recipient, values, locale=await locale_for(session, customer_id, meta))
