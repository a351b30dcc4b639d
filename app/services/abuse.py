"""Abuse blocking for the account services: who may try again, and when."""

from app.runtime import RequestMeta, Runtime
from app.services.errors import AccountError, AccountErrorCode
from app.throttle import Decision, Policy

UNKNOWN_ADDRESS = "unknown"


def throttled(decision: Decision) -> AccountError:
    return AccountError.one(
        AccountErrorCode.THROTTLED,
        f"Too many attempts. Try again in {decision.retry_after_seconds} seconds.",
        None,
    )


async def check(rt: Runtime, checks: list[tuple[Policy, str]]) -> Decision | None:
    """Count one attempt against each (policy, subject) in order; the first refusal, or None if all allow."""
    for policy, subject in checks:
        decision = await rt.throttle.attempt(policy, subject)
        if not decision.allowed:
            return decision
    return None


def address(meta: RequestMeta) -> str:
    return meta.ip_address or UNKNOWN_ADDRESS


async def guard_codes(rt: Runtime, meta: RequestMeta, subject: str) -> None:
    """Limit guesses of codes (activation, reset, second factor) per account and per client address."""
    policies = rt.throttle.policies
    refused = await check(rt, [(policies.codes_per_address, address(meta)), (policies.codes_per_account, subject)])
    if refused is not None:
        raise throttled(refused)


async def guard_messages(rt: Runtime, meta: RequestMeta, identifier_hash: str) -> None:
    """Limit messages (activation, reset) sent for one identifier and from one client address."""
    policies = rt.throttle.policies
    refused = await check(
        rt, [(policies.messages_per_address, address(meta)), (policies.messages_per_account, identifier_hash)]
    )
    if refused is not None:
        raise throttled(refused)
