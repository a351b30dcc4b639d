"""Mail and SMS in the recipient's language (the customer's settings, else the request's, else English), sent
only on the channels the customer allows.

Every message has a kind (the tables below; a test fails for a template without one):
- SECURITY: proves or protects control of the account (codes and links to activate, sign in, reset, confirm or
  undo an email change, claim orders, download an export) or says its access changed (password or email
  changed, locked, approved, suspended, reactivated, deleted, a role granted, a registration received).
- TRANSACTION: a commitment or money the customer is party to, or the decision on something they applied for:
  an offer accepted (an order to pay), a payment, a refund, the decision on a return, a credit limit or
  affiliate status.
- NOTIFICATION: news the account also shows: a new offer, one that expired, progress of a return, support
  replies and ticket states, and echoes of the customer's own actions (offer declined, return requested).
- STAFF: work mail to the shop's staff (notices, assignments, security alerts).
Only NOTIFICATION obeys the customer's settings: `emailNotifications` for mail, `smsNotifications` for SMS
(off unless the customer turns it on). The others go out whatever the settings say: a customer cannot turn
off the codes that let them in, the warnings that protect them, or the record of their transactions.
"""

import enum
import logging
import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.i18n import N_, MessageLocale
from app.outbox import enqueue_email, enqueue_sms
from app.runtime import RequestMeta, Runtime
from app.templates import Brand, MessageValue, Text
from models.profile import CustomerSettings

logger = logging.getLogger(__name__)


class MessageKind(enum.Enum):
    SECURITY = "security"
    TRANSACTION = "transaction"
    NOTIFICATION = "notification"
    STAFF = "staff"


_S, _T, _N, _STAFF = MessageKind.SECURITY, MessageKind.TRANSACTION, MessageKind.NOTIFICATION, MessageKind.STAFF
EMAIL_KINDS: dict[str, MessageKind] = {
    "activation": _S,
    "already_registered": _S,
    "registration_received": _S,
    "account_approved": _S,
    "account_suspended": _S,
    "account_reactivated": _S,
    "account_locked": _S,
    "account_deleted": _S,
    "password_reset": _S,
    "password_changed": _S,
    "two_factor_reset": _S,
    "account_created": _S,
    "sign_in_code": _S,
    "email_change_confirm": _S,
    "email_change_approve": _S,
    "email_changed_undo": _S,
    "email_change_undone": _S,
    "claim_guest_orders": _S,
    "data_export_ready": _S,
    "role_granted": _S,
    "offer_accepted": _T,
    "offer_paid": _T,
    "return_approved": _T,
    "return_rejected": _T,
    "return_refunded": _T,
    "credit_limit_approved": _T,
    "credit_limit_declined": _T,
    "affiliate_request_rejected": _T,
    "offer_sent": _N,
    "offer_rejected": _N,
    "offer_expired": _N,
    "offer_revised": _N,
    "offer_withdrawn": _N,
    "return_requested": _N,
    "return_received": _N,
    "return_closed": _N,
    "ticket_staff_reply": _N,
    "ticket_state_changed": _N,
    "offer_staff_notice": _STAFF,
    "return_staff_notice": _STAFF,
    "ticket_customer_message": _STAFF,
    "ticket_assigned": _STAFF,
    "security_alerts": _STAFF,
    "approval_waiting": _STAFF,
    "webhook_endpoint_disabled": _STAFF,
}
SMS_KINDS: dict[str, MessageKind] = {
    "activation_code": _S,
    "sign_in_code": _S,
    "password_reset_code": _S,
    "two_factor_reset": _S,
}


def allowed(kind: MessageKind, channel: str, settings: CustomerSettings | None) -> bool:
    """Whether a message of `kind` may go on `channel` ("email" or "sms") to a customer with these settings
    (None: the customer never changed them, so the defaults: mail on, SMS off)."""
    if kind is not MessageKind.NOTIFICATION:
        return True
    if settings is None:
        return channel == "email"
    return settings.email_notifications if channel == "email" else settings.sms_notifications


async def _may_send(
    session: AsyncSession, kinds: Mapping[str, MessageKind], channel: str, template: str, customer_id: uuid.UUID | None
) -> bool:
    kind = kinds[template]  # a KeyError here is a template nobody classified: add it to the table above
    if kind is not MessageKind.NOTIFICATION or customer_id is None:
        return True
    if allowed(kind, channel, await session.get(CustomerSettings, customer_id)):
        return True
    logger.info("not sending %s %s: the customer turned %s notifications off", channel, template, channel)
    return False


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


async def notify_support(
    session: AsyncSession,
    rt: Runtime,
    template: str,
    values: Mapping[str, MessageValue],
    *,
    reply_to: str | None = None,
) -> None:
    """A staff notice to the shared mailbox, in its language (never the customer's the notice is about)."""
    await email(
        session,
        rt,
        template,
        rt.settings.support_email,
        {**values, "name": SUPPORT_TEAM},
        locale=support_locale(rt.settings),
        reply_to=reply_to,
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
    reply_to: str | None = None,
) -> bool:
    """Queue a mail in this unit of work, unless it is a notification the customer turned off (returns whether
    it was queued); `locale` when the caller already knows it (e.g. read before a deletion); `reply_to`: a
    Reply-To address (a ticket's signed one)."""
    if not await _may_send(session, EMAIL_KINDS, "email", template, customer_id):
        return False
    locale = locale or await locale_for(session, customer_id, meta)
    enqueue_email(
        session, rt.keyring, template, recipient, values, locale=locale, brand=brand_of(rt.settings), reply_to=reply_to
    )
    return True


async def sms(
    session: AsyncSession,
    rt: Runtime,
    template: str,
    recipient: str,
    values: Mapping[str, MessageValue],
    *,
    customer_id: uuid.UUID | None = None,
    meta: RequestMeta | None = None,
) -> bool:
    """Queue an SMS in this unit of work, unless it is a notification the customer did not allow by SMS."""
    if not await _may_send(session, SMS_KINDS, "sms", template, customer_id):
        return False
    enqueue_sms(session, rt.keyring, template, recipient, values, locale=await locale_for(session, customer_id, meta))
    return True
