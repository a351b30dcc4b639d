"""Mail and SMS in the recipient's language: the customer's settings, else the request's, else English."""

import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.i18n import N_, MessageLocale
from app.outbox import enqueue_email, enqueue_sms
from app.runtime import RequestMeta, Runtime
from app.templates import Brand, MessageValue, Text
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


def support_locale(settings: Settings) -> MessageLocale:
    """How the shared staff mailbox (SUPPORT_EMAIL) reads its notices: SUPPORT_LANGUAGE and SUPPORT_TIMEZONE."""
    return MessageLocale.of(settings.support_language, settings.support_timezone)


# The greeting's name for the shared staff mailbox.
SUPPORT_TEAM = Text(N_("support team"))


async def notify_support(session: AsyncSession, rt: Runtime, template: str, values: Mapping[str, MessageValue]) -> None:
    """A staff notice to the shared mailbox, in its language (never the customer's the notice is about)."""
    await email(
        session,
        rt,
        template,
        rt.settings.support_email,
        {**values, "name": SUPPORT_TEAM},
        locale=support_locale(rt.settings),
    )


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
