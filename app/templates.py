"""Message templates: every email has a plain-text and an HTML part; SMS are plain text."""

from dataclasses import dataclass
from html import escape
from string import Template

from app.links import Route


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class EmailTemplate:
    subject: str
    paragraphs: tuple[str, ...]
    link_label: str | None = None
    # The storefront page the link opens (the README's route contract); None for a link elsewhere.
    link_route: Route | None = None

    def render(self, values: dict[str, str]) -> RenderedEmail:
        safe = dict(values.items())
        subject = Template(self.subject).substitute(safe)
        paragraphs = [Template(p).substitute(safe) for p in self.paragraphs]
        link = values.get("link")
        text_parts = [f"Hello {values.get('name') or 'there'},", *paragraphs]
        if link and self.link_label:
            text_parts.append(f"{self.link_label}: {link}")
        text_parts.append("— Customer Accounts")
        html_paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        html_link = (
            f'<p><a href="{escape(link, quote=True)}">{escape(self.link_label)}</a></p>'
            if link and self.link_label
            else ""
        )
        # One element per line: SMTP limits lines to 998 characters.
        html = "\n".join(
            [
                "<!doctype html>",
                '<html><body style="font-family: sans-serif">',
                f"<p>Hello {escape(values.get('name') or 'there')},</p>",
                html_paragraphs,
                html_link,
                "<p>— Customer Accounts</p>",
                "</body></html>",
            ]
        )
        return RenderedEmail(subject=subject, text="\n\n".join(text_parts) + "\n", html=html)


EMAIL_TEMPLATES: dict[str, EmailTemplate] = {
    "activation": EmailTemplate(
        subject="Activate your account",
        paragraphs=(
            "Thanks for registering. Confirm your email address to activate your account.",
            "The link is valid for $valid_for and can be used once. If you did not register, ignore this email.",
        ),
        link_label="Activate your account",
        link_route=Route.ACTIVATE,
    ),
    "already_registered": EmailTemplate(
        subject="You already have an account",
        paragraphs=(
            "Someone (hopefully you) tried to register a new account with this email address, "
            "but it already has one. You can sign in, or reset your password if you forgot it.",
            "If this was not you, you can ignore this email: nothing was changed.",
        ),
        link_label="Reset your password",
        link_route=Route.FORGOT_PASSWORD,
    ),
    "registration_received": EmailTemplate(
        subject="We received your registration",
        paragraphs=(
            "Thanks for registering. An administrator will review your account; "
            "we will email you as soon as it is approved.",
        ),
    ),
    "account_approved": EmailTemplate(
        subject="Your account is approved",
        paragraphs=("Your account has been approved. You can sign in now.",),
        link_label="Sign in",
        link_route=Route.SIGN_IN,
    ),
    "account_suspended": EmailTemplate(
        subject="Your account is suspended",
        paragraphs=("Your account has been suspended. Contact support if you think this is a mistake.",),
    ),
    "account_reactivated": EmailTemplate(
        subject="Your account is active again",
        paragraphs=("Your account has been reactivated. You can sign in again.",),
        link_label="Sign in",
        link_route=Route.SIGN_IN,
    ),
    "password_reset": EmailTemplate(
        subject="Reset your password",
        paragraphs=(
            "We received a request to reset your password. The link is valid for $valid_for and can be used once.",
            "If you did not ask for this, ignore this email: your password stays the same.",
        ),
        link_label="Choose a new password",
        link_route=Route.RESET_PASSWORD,
    ),
    "password_changed": EmailTemplate(
        subject="Your password was changed",
        paragraphs=(
            "The password of your account was just changed and your other sessions were signed out.",
            "If this was not you, reset your password at once and contact support.",
        ),
        link_label="Reset your password",
        link_route=Route.FORGOT_PASSWORD,
    ),
    "account_locked": EmailTemplate(
        subject="Sign-in to your account is paused",
        paragraphs=(
            "There were too many failed attempts to sign in to your account, so sign-in is paused "
            "for $minutes minutes.",
            "If this was you, wait and try again, or reset your password. If it was not you, someone may be "
            "guessing your password: your account is safe, but consider choosing a new, unique password.",
        ),
        link_label="Reset your password",
        link_route=Route.FORGOT_PASSWORD,
    ),
    "sign_in_code": EmailTemplate(
        subject="Your sign-in code",
        paragraphs=(
            "Your sign-in code is $code. It is valid for $valid_for.",
            "If you are not signing in right now, someone knows your password: change it at once.",
        ),
    ),
    "security_alerts": EmailTemplate(
        subject="Security alerts: $count new",
        paragraphs=(
            "The audit job found $count new security alert(s): $summary",
            "Review them with the securityAlerts query and acknowledge them when handled.",
        ),
    ),
    "email_change_confirm": EmailTemplate(
        subject="Confirm your new email address",
        paragraphs=(
            "Confirm that you want to sign in with $new_email from now on. The link is valid for $valid_for.",
            "If you did not ask for this, ignore this email.",
        ),
        link_label="Confirm the new address",
        link_route=Route.CONFIRM_EMAIL,
    ),
    "email_change_approve": EmailTemplate(
        subject="Approve the change of your email address",
        paragraphs=(
            "Someone signed in to your account asked to change its email address to $new_email. For your "
            "safety the change waits for your approval from this address. The link is valid for $valid_for.",
            "If this was not you, do not approve it, and change your password.",
        ),
        link_label="Approve the change",
        link_route=Route.APPROVE_EMAIL_CHANGE,
    ),
    "email_changed_undo": EmailTemplate(
        subject="Your email address was changed",
        paragraphs=(
            "Your account now signs in with $new_email, and your other sessions were signed out.",
            "If this was not you, undo the change within $valid_for with the link below.",
        ),
        link_label="Undo the change",
        link_route=Route.UNDO_EMAIL_CHANGE,
    ),
    "email_change_undone": EmailTemplate(
        subject="The change of your email address was undone",
        paragraphs=(
            "Your account signs in with this address again and every session was signed out. "
            "If you did not make the change, choose a new password now.",
        ),
        link_label="Choose a new password",
        link_route=Route.FORGOT_PASSWORD,
    ),
    "account_deleted": EmailTemplate(
        subject="Your account was deleted",
        paragraphs=(
            "Your account and the personal data in it were deleted. Orders and invoices are kept without your "
            "personal details for as long as the law requires.",
            "You can register again with this address at any time.",
        ),
    ),
    "claim_guest_orders": EmailTemplate(
        subject="Add your earlier orders to your account",
        paragraphs=(
            "$count order(s) were placed with this email address without signing in. Confirm that they are "
            "yours to see them in your account.",
            "The link is valid for $valid_for. If you did not ask for this, ignore this email.",
        ),
        link_label="Add the orders to my account",
        link_route=Route.CLAIM_ORDERS,
    ),
    "data_export_ready": EmailTemplate(
        subject="Your data export is ready",
        paragraphs=(
            "You asked for a copy of the personal data we hold about you. It is ready to download as a JSON file.",
            "The link works for $valid_for. If you did not ask for this, change your password and sign out "
            "your other sessions.",
        ),
        link_label="Download your data",
    ),
    "role_granted": EmailTemplate(
        subject="Your account has a new role",
        paragraphs=("Your account was granted the $role role.",),
    ),
    "affiliate_request_rejected": EmailTemplate(
        subject="Your affiliate request",
        paragraphs=("Your request for affiliate status was not approved. Reason: $reason",),
    ),
    "credit_limit_approved": EmailTemplate(
        subject="Your credit limit was approved",
        paragraphs=(
            "Your request for a credit limit was approved: you can now buy on account up to $amount $currency.",
        ),
    ),
    "credit_limit_declined": EmailTemplate(
        subject="About your credit limit request",
        paragraphs=("We could not approve your request for a credit limit in $currency.", "Reason: $reason"),
    ),
    # Offers (quotes): the customer hears of each change, and so does the support address.
    "offer_sent": EmailTemplate(
        subject="Your offer $number",
        paragraphs=(
            "We have prepared offer $number for you: $total, valid until $valid_until.",
            "Sign in to your account to view it, download it as PDF, accept or decline it.",
        ),
        link_label="View your offers",
        link_route=Route.OFFER,
    ),
    "offer_accepted": EmailTemplate(
        subject="You accepted offer $number",
        paragraphs=(
            "Thank you for accepting offer $number. It is now order $order_number, waiting for payment of $total.",
        ),
        link_label="Pay your order",
        link_route=Route.OFFER,
    ),
    "offer_rejected": EmailTemplate(
        subject="You declined offer $number",
        paragraphs=("You declined offer $number. Your reason: $reason", "Reply to this email if we can do better."),
    ),
    "offer_expired": EmailTemplate(
        subject="Offer $number has expired",
        paragraphs=("Offer $number was valid until $valid_until and has expired. Ask us for a new one any time.",),
    ),
    "offer_paid": EmailTemplate(
        subject="Offer $number is paid",
        paragraphs=("Thank you: order $order_number from offer $number is paid ($total).",),
    ),
    "offer_staff_notice": EmailTemplate(
        subject="Offer $number $event",
        paragraphs=("Offer $number for $customer_email ($total) $event.", "$detail"),
    ),
    # Support tickets: each message goes to the other party, the ticket number in the subject.
    "ticket_customer_message": EmailTemplate(
        subject="[$number] $subject",
        paragraphs=("$customer_email wrote on ticket $number ($category):", "$body"),
    ),
    "ticket_staff_reply": EmailTemplate(
        subject="[$number] $subject",
        paragraphs=("$author replied to your support ticket $number:", "$body"),
        link_label="View the conversation",
        link_route=Route.TICKET,
    ),
    "ticket_state_changed": EmailTemplate(
        subject="[$number] Your ticket is $state",
        paragraphs=("Your support ticket $number ($subject) is now $state.", "$next_step"),
        link_label="View the conversation",
        link_route=Route.TICKET,
    ),
    "ticket_assigned": EmailTemplate(
        subject="[$number] Assigned to you: $subject",
        paragraphs=("Support ticket $number ($subject) is now yours to answer.",),
    ),
    # Returns (RMA): the customer hears of every step, the support address of every change.
    "return_requested": EmailTemplate(
        subject="Return $number received for review",
        paragraphs=(
            "We have your return request $number for order $order_number ($items).",
            "Our team will review it shortly; we will email you as soon as it is decided.",
        ),
        link_label="View your returns",
        link_route=Route.RETURN,
    ),
    "return_approved": EmailTemplate(
        subject="Return $number approved",
        paragraphs=(
            "Your return $number for order $order_number is approved ($items).",
            "Sign in to download the return slip, put it in the parcel and send the goods back. $money_line",
        ),
        link_label="Download your return slip",
        link_route=Route.RETURN,
    ),
    "return_rejected": EmailTemplate(
        subject="Return $number declined",
        paragraphs=("We cannot accept return $number for order $order_number.", "Reason: $reason"),
        link_label="View your returns",
        link_route=Route.RETURN,
    ),
    "return_received": EmailTemplate(
        subject="Return $number arrived",
        paragraphs=("The goods of return $number arrived at our warehouse.", "$next_step"),
        link_label="View your returns",
        link_route=Route.RETURN,
    ),
    "return_refunded": EmailTemplate(
        subject="Return $number refunded",
        paragraphs=("We have refunded $refund for return $number ($destination).",),
        link_label="View your returns",
        link_route=Route.RETURN,
    ),
    "return_closed": EmailTemplate(
        subject="Return $number closed",
        paragraphs=("Return $number for order $order_number is complete. Thank you.",),
    ),
    "return_staff_notice": EmailTemplate(
        subject="Return $number $event",
        paragraphs=("Return $number (order $order_number, $customer_email, $value) $event.", "$detail"),
    ),
}

SMS_TEMPLATES: dict[str, str] = {
    "activation_code": "Your activation code is $code. It expires in $valid_for.",
    "sign_in_code": "Your sign-in code is $code. It expires in $valid_for.",
    "password_reset_code": "Your password reset code is $code. It expires in $valid_for. Ignore if not requested.",
}


def render_email(template: str, values: dict[str, str]) -> RenderedEmail:
    return EMAIL_TEMPLATES[template].render(values)


def render_sms(template: str, values: dict[str, str]) -> str:
    return Template(SMS_TEMPLATES[template]).substitute(values)


def describe_minutes(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
