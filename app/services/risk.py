"""Risk checks on sensitive changes: score the signals we hold, decide, and record the decision.

Signals and their weights:
- NEW_ADDRESS (20): this client address never signed in to the account before this session;
- NEW_DEVICE (10): nor did this browser (user agent);
- RECENT_CREDENTIAL_CHANGE (40): a password reset or email change in the last 24 hours;
- CHANGE_VELOCITY (40): three or more sensitive changes in the last hour;
- FAILED_SIGN_INS (20): three or more failed sign-ins in the 24 hours before this session;
- DISPOSABLE_EMAIL (30): the new email address is at a disposable-mail domain.
The sum decides: below RISK_STEP_UP_SCORE allow; from it, a step-up (a recent password or second factor
in this session) is needed; from RISK_HOLD_SCORE the change waits for a link to the current email
address; from RISK_REFUSE_SCORE it is refused.
"""

import enum
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from disposable_email_domains import blocklist
from sqlalchemy import func, select
from sqlmodel import col

from app.runtime import RequestMeta, Runtime
from app.services import audit
from models.auth import AuthSession
from models.base import utcnow
from models.security import SecurityEvent, SecurityEventOutcome, SecurityEventType

WEIGHTS = {
    "NEW_ADDRESS": 20,
    "NEW_DEVICE": 10,
    "RECENT_CREDENTIAL_CHANGE": 40,
    "CHANGE_VELOCITY": 40,
    "FAILED_SIGN_INS": 20,
    "DISPOSABLE_EMAIL": 30,
}
SENSITIVE = [
    SecurityEventType.PASSWORD_CHANGED,
    SecurityEventType.EMAIL_CHANGE_REQUESTED,
    SecurityEventType.TWO_FACTOR_DISABLED,
    SecurityEventType.RECOVERY_CODES_REGENERATED,
    SecurityEventType.PHONE_CHANGED,
]
HISTORY = timedelta(days=90)


class RiskOutcome(enum.Enum):
    ALLOW = "ALLOW"
    STEP_UP = "STEP_UP"
    HOLD = "HOLD"
    REFUSE = "REFUSE"


@dataclass(frozen=True)
class RiskDecision:
    outcome: RiskOutcome
    score: int
    reasons: list[str] = field(default_factory=list)


def is_disposable(email: str) -> bool:
    return email.rsplit("@", 1)[-1].lower() in blocklist


async def assess(
    rt: Runtime,
    meta: RequestMeta,
    customer_id: uuid.UUID,
    auth_session: AuthSession | None,
    change: str,
    *,
    new_email: str | None = None,
) -> RiskDecision:
    """Decide how a sensitive change may proceed, and record the decision with its reasons."""
    now = utcnow()
    session_start = auth_session.created_at if auth_session is not None else now
    reasons: list[str] = []
    async with rt.db.read() as session:

        async def count(*conditions: object) -> int:
            found = await session.execute(
                select(func.count())
                .select_from(SecurityEvent)
                .where(
                    col(SecurityEvent.customer_id) == customer_id,
                    *conditions,  # type: ignore[arg-type]
                )
            )
            return int(found.scalar_one())

        earlier_sign_in = (
            col(SecurityEvent.type) == SecurityEventType.SIGN_IN,
            col(SecurityEvent.outcome) == SecurityEventOutcome.SUCCESS,
            col(SecurityEvent.created_at) < session_start - timedelta(seconds=1),
            col(SecurityEvent.created_at) > now - HISTORY,
        )
        if await count(*earlier_sign_in, col(SecurityEvent.ip_address) == meta.ip_address) == 0:
            reasons.append("NEW_ADDRESS")
        if await count(*earlier_sign_in, col(SecurityEvent.user_agent) == meta.user_agent) == 0:
            reasons.append("NEW_DEVICE")
        recent = await count(
            col(SecurityEvent.type).in_([SecurityEventType.PASSWORD_RESET, SecurityEventType.EMAIL_CHANGED]),
            col(SecurityEvent.outcome) == SecurityEventOutcome.SUCCESS,
            col(SecurityEvent.created_at) > now - timedelta(hours=24),
        )
        if recent:
            reasons.append("RECENT_CREDENTIAL_CHANGE")
        velocity = await count(
            col(SecurityEvent.type).in_(SENSITIVE),
            col(SecurityEvent.outcome) == SecurityEventOutcome.SUCCESS,
            col(SecurityEvent.created_at) > now - timedelta(hours=1),
        )
        if velocity >= 3:
            reasons.append("CHANGE_VELOCITY")
        failed = await count(
            col(SecurityEvent.type) == SecurityEventType.SIGN_IN,
            col(SecurityEvent.outcome).in_([SecurityEventOutcome.FAILURE, SecurityEventOutcome.BLOCKED]),
            col(SecurityEvent.created_at) < session_start,
            col(SecurityEvent.created_at) > session_start - timedelta(hours=24),
        )
        if failed >= 3:
            reasons.append("FAILED_SIGN_INS")
    if new_email is not None and is_disposable(new_email):
        reasons.append("DISPOSABLE_EMAIL")

    score = sum(WEIGHTS[reason] for reason in reasons)
    settings = rt.settings
    if score >= settings.risk_refuse_score:
        outcome = RiskOutcome.REFUSE
    elif score >= settings.risk_hold_score:
        outcome = RiskOutcome.HOLD
    elif score >= settings.risk_step_up_score:
        verified = auth_session.verified_at if auth_session is not None else None
        fresh = verified is not None and now - verified <= timedelta(minutes=settings.step_up_minutes)
        outcome = RiskOutcome.ALLOW if fresh else RiskOutcome.STEP_UP
    else:
        outcome = RiskOutcome.ALLOW
    decision = RiskDecision(outcome=outcome, score=score, reasons=reasons)
    await audit.record_alone(
        rt,
        meta,
        SecurityEventType.RISK_DECISION,
        SecurityEventOutcome.BLOCKED if outcome is RiskOutcome.REFUSE else SecurityEventOutcome.SUCCESS,
        customer_id=customer_id,
        reason=outcome.value,
        detail=f"{change}: score {score}" + (f" ({', '.join(reasons)})" if reasons else ""),
    )
    return decision
