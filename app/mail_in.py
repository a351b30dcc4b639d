"""`customer-accounts mail-in`: the SMTP listener (aiosmtpd) that turns replies to ticket mails into ticket
messages (app/services/ticket_mail.py has the rules; README "Tickets by mail").

RCPT TO accepts only our signed reply addresses (550 otherwise), one per message; DATA writes the reply or
refuses it with a 5xx answer. Every refusal is logged with its reason, the ticket (when known) and the
sender's domain: never the body, never a whole address. It runs on the event loop of the caller (the CLI's,
or a test's), so it shares the runtime's database engine.
"""

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from app.runtime import Runtime
from app.services import ticket_mail

logger = logging.getLogger(__name__)

ACCEPTED = "250 2.0.0 Added to the ticket"
ONE_RECIPIENT = "550 5.5.3 Send one ticket reply per message"
NO_BOUNCES = "550 5.7.1 Bounces and messages without a sender are not accepted"
TRY_LATER = "451 4.3.0 Temporary failure, try again later"


class MailInHandler:
    def __init__(self, rt: Runtime) -> None:
        self._rt = rt

    def _refused(self, refusal: ticket_mail.MailRefused, envelope: Envelope, ticket: str | None = None) -> str:
        logger.warning(
            "mail-in refused",
            extra={
                "reason": refusal.reason,
                "ticket_id": ticket,
                "sender_domain": ticket_mail.sender_domain(str(envelope.mail_from or "")),
            },
        )
        return refusal.reply

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            ticket_mail.check_recipient(self._rt, address)
        except ticket_mail.MailRefused as refusal:
            return self._refused(refusal, envelope)
        if envelope.rcpt_tos:
            return self._refused(ticket_mail.MailRefused("several_recipients", ONE_RECIPIENT), envelope)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        target = ticket_mail.check_recipient(self._rt, envelope.rcpt_tos[0])  # checked at RCPT already
        ticket = str(target.ticket_id)
        if not envelope.mail_from or envelope.mail_from == "<>":
            return self._refused(ticket_mail.MailRefused("no_envelope_sender", NO_BOUNCES), envelope, ticket)
        content: Any = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content or "").encode()
        try:
            accepted = await ticket_mail.accept_reply(self._rt, target, raw)
        except ticket_mail.MailRefused as refusal:
            return self._refused(refusal, envelope, ticket)
        except Exception:
            logger.exception("mail-in failed", extra={"ticket_id": ticket})
            return TRY_LATER
        logger.info("mail-in accepted", extra={"ticket_id": ticket, "ticket_message_id": str(accepted.message.id)})
        return ACCEPTED


async def start_mail_in(rt: Runtime, host: str | None = None, port: int | None = None) -> asyncio.Server:
    """Listen on host:port (default MAIL_IN_HOST:MAIL_IN_PORT) on the running loop; close() the server to stop."""
    settings = rt.settings
    # aiosmtpd logs every command at INFO (whole addresses, and more at DEBUG): only its warnings go out.
    logging.getLogger("mail.log").setLevel(max(logging.WARNING, logging.getLogger("mail.log").getEffectiveLevel()))
    loop = asyncio.get_running_loop()
    handler = MailInHandler(rt)

    def protocol() -> SMTP:
        return SMTP(
            handler,
            data_size_limit=settings.mail_in_max_bytes,
            hostname=settings.mail_in_domain or "localhost",
            ident="customer-accounts mail-in",
            timeout=60,
            loop=loop,
        )

    server = await loop.create_server(
        protocol, host=host or settings.mail_in_host, port=port if port is not None else settings.mail_in_port
    )
    bound = server.sockets[0].getsockname() if server.sockets else ("", 0)
    logger.info("mail-in listening", extra={"host": bound[0], "port": bound[1]})
    return server
