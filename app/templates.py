"""Message templates: every email has a plain-text and an HTML part, laid out by one layout; SMS are plain text.

Each mail is a Jinja2 file in app/mail_templates/<name>.mail with a `subject` block and a `body` block whose
`para(...)` calls give the paragraphs; the layout (layout.html, layout.txt) adds the greeting, the link and
the shop's name. Every text goes through gettext in the recipient's language (app/i18n.py).
"""

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from app.i18n import ENGLISH, N_, MessageLocale, describe_minutes, format_moment, format_money
from app.links import Route

TEMPLATE_DIR = Path(__file__).parent / "mail_templates"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class Minutes:
    """A duration, written in the recipient's language ('2 hours', '2 Stunden')."""

    minutes: int


@dataclass(frozen=True)
class Text:
    """A sentence or word a service composes, written in the recipient's language when the mail is rendered: an
    English msgid (marked with N_ so `make messages` finds it) and the values of its placeholders, which may be
    Money, moments or Text themselves."""

    message: str
    values: Mapping[str, "MessageValue"] = field(default_factory=dict)


# What services hand a template: text as is (a customer's or staff member's own words, numbers, codes), or values
# the recipient's locale writes.
MessageValue = str | Money | Minutes | datetime | Text


@dataclass(frozen=True)
class Brand:
    """What the layout shows of the shop: its name and accent colour."""

    name: str = "Customer Accounts"
    color: str = "#1f4e79"

    @classmethod
    def of(cls, mail_from: str, color: str = "#1f4e79") -> "Brand":
        return cls(name=parseaddr(mail_from)[0] or cls.name, color=color)


@dataclass(frozen=True)
class MailTemplate:
    # The label of the mail's link (an English msgid); None for a mail without a link.
    link_label: str | None = None
    # The storefront page the link opens (the README's route contract); None for a link elsewhere.
    link_route: Route | None = None


EMAIL_TEMPLATES: dict[str, MailTemplate] = {
    "activation": MailTemplate(N_("Activate your account"), Route.ACTIVATE),
    "already_registered": MailTemplate(N_("Reset your password"), Route.FORGOT_PASSWORD),
    "registration_received": MailTemplate(None),
    "account_approved": MailTemplate(N_("Sign in"), Route.SIGN_IN),
    "account_suspended": MailTemplate(None),
    "account_reactivated": MailTemplate(N_("Sign in"), Route.SIGN_IN),
    "password_reset": MailTemplate(N_("Choose a new password"), Route.RESET_PASSWORD),
    "password_changed": MailTemplate(N_("Reset your password"), Route.FORGOT_PASSWORD),
    "account_locked": MailTemplate(N_("Reset your password"), Route.FORGOT_PASSWORD),
    "two_factor_reset": MailTemplate(N_("Sign in"), Route.SIGN_IN),
    "account_created": MailTemplate(N_("Choose your password"), Route.RESET_PASSWORD),
    "sign_in_code": MailTemplate(None),
    "security_alerts": MailTemplate(None),
    "approval_waiting": MailTemplate(None),
    "webhook_endpoint_disabled": MailTemplate(None),
    "email_change_confirm": MailTemplate(N_("Confirm the new address"), Route.CONFIRM_EMAIL),
    "email_change_approve": MailTemplate(N_("Approve the change"), Route.APPROVE_EMAIL_CHANGE),
    "email_changed_undo": MailTemplate(N_("Undo the change"), Route.UNDO_EMAIL_CHANGE),
    "email_change_undone": MailTemplate(N_("Choose a new password"), Route.FORGOT_PASSWORD),
    "account_deleted": MailTemplate(None),
    "claim_guest_orders": MailTemplate(N_("Add the orders to my account"), Route.CLAIM_ORDERS),
    "data_export_ready": MailTemplate(N_("Download your data")),
    "role_granted": MailTemplate(None),
    "affiliate_request_rejected": MailTemplate(None),
    "credit_limit_approved": MailTemplate(None),
    "credit_limit_declined": MailTemplate(None),
    "offer_sent": MailTemplate(N_("View your offers"), Route.OFFER),
    "offer_accepted": MailTemplate(N_("Pay your order"), Route.OFFER),
    "offer_rejected": MailTemplate(None),
    "offer_expired": MailTemplate(None),
    "offer_revised": MailTemplate(N_("View your offers"), Route.OFFER),
    "offer_withdrawn": MailTemplate(None),
    "offer_paid": MailTemplate(None),
    "offer_staff_notice": MailTemplate(None),
    "ticket_customer_message": MailTemplate(None),
    "ticket_staff_reply": MailTemplate(N_("View the conversation"), Route.TICKET),
    "ticket_state_changed": MailTemplate(N_("View the conversation"), Route.TICKET),
    "ticket_assigned": MailTemplate(None),
    "return_requested": MailTemplate(N_("View your returns"), Route.RETURN),
    "return_approved": MailTemplate(N_("Download your return slip"), Route.RETURN),
    "return_rejected": MailTemplate(N_("View your returns"), Route.RETURN),
    "return_received": MailTemplate(N_("View your returns"), Route.RETURN),
    "return_refunded": MailTemplate(N_("View your returns"), Route.RETURN),
    "return_closed": MailTemplate(None),
    "return_staff_notice": MailTemplate(None),
}

SMS_TEMPLATES: dict[str, str] = {
    "activation_code": N_("Your activation code is %(code)s. It expires in %(valid_for)s."),
    "sign_in_code": N_("Your sign-in code is %(code)s. It expires in %(valid_for)s."),
    "password_reset_code": N_(
        "Your password reset code is %(code)s. It expires in %(valid_for)s. Ignore if not requested."
    ),
    "two_factor_reset": N_("Support reset your two-factor authentication. If this was not you, contact support now."),
}


@cache
def _environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html", "mail"), default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(MessageLocale(language=language).translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["nl2br"] = nl2br
    return env


def nl2br(value: str) -> Markup:
    """The line breaks someone typed, kept in HTML: escape first, then break."""
    escaped = escape(value).replace("\r\n", "\n").replace("\r", "\n")
    return Markup("<br>\n").join(escaped.split("\n"))


def _plain(value: str) -> str:
    return value.unescape() if isinstance(value, Markup) else value


def localize(values: Mapping[str, MessageValue], locale: MessageLocale) -> dict[str, str]:
    def one(value: MessageValue) -> str:
        if isinstance(value, Money):
            return format_money(value.amount_minor, value.currency, locale)
        if isinstance(value, Minutes):
            return describe_minutes(value.minutes, locale)
        if isinstance(value, datetime):
            return format_moment(value, locale)
        if isinstance(value, Text):
            message = locale.gettext(value.message)
            return message % localize(value.values, locale) if value.values else message
        return value

    return {key: one(value) for key, value in values.items()}


def render_email(
    template: str,
    values: Mapping[str, MessageValue],
    locale: MessageLocale = ENGLISH,
    brand: Brand | None = None,
) -> RenderedEmail:
    spec = EMAIL_TEMPLATES[template]
    env = _environment(locale.language)
    context = localize(values, locale)
    paragraphs: list[str] = []

    def para(text: str) -> str:
        paragraphs.append(text)
        return ""

    mail = env.get_template(f"{template}.mail")
    rendered = mail.new_context({**context, "para": para})
    # The blocks come out escaped for HTML; the subject is a header, the paragraphs are kept for both parts.
    subject = html.unescape("".join(mail.blocks["subject"](rendered)))
    "".join(mail.blocks["body"](rendered))
    link = context.get("link") or None
    label = locale.gettext(spec.link_label) if link and spec.link_label else None
    layout = {
        "lang": locale.language,
        "subject": subject,
        "name": context.get("name") or "",
        "link": link,
        "link_label": label,
        "brand": brand or Brand(),
    }
    text = env.get_template("layout.txt").render(layout, paragraphs=[_plain(p) for p in paragraphs])
    body = env.get_template("layout.html").render(layout, paragraphs=paragraphs)
    return RenderedEmail(subject=subject, text=text, html=body)


def render_sms(template: str, values: Mapping[str, MessageValue], locale: MessageLocale = ENGLISH) -> str:
    return locale.gettext(SMS_TEMPLATES[template]) % localize(values, locale)
