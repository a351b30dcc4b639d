"""Start-up checks of what the server depends on, each reported in one log line.

The database must answer at start-up: without it the server cannot tell whether the schema is migrated,
so it refuses to start (`StartupError`, one line, non-zero exit). Redis may be down: the server starts
degraded (throttled operations answer SERVICE_UNAVAILABLE, /readyz says 503) and heals when Redis
answers, so the order in which services come up does not matter.
"""

import asyncio
import logging
import sys
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.outages import describe
from app.runtime import Runtime, redact_url

logger = logging.getLogger("app.startup")


class StartupError(RuntimeError):
    """The server cannot start; the message says why in one line."""


async def redis_problem(rt: Runtime) -> str | None:
    """None when Redis answers a PING (or is not configured), else what went wrong, in a few words."""
    if rt.redis is None:
        return None
    try:
        await asyncio.wait_for(rt.redis.ping(), timeout=rt.settings.redis_timeout_seconds * 2 + 1)
    except Exception as error:
        return describe(error, 200)
    return None


SERVER_DEGRADED = "sign-ins and codes answer SERVICE_UNAVAILABLE and /readyz answers 503 until Redis answers"
WORKER_DEGRADED = "events wait in the outbox until Redis answers"


def report_redis_down(rt: Runtime, problem: str, consequence: str = SERVER_DEGRADED) -> None:
    logger.warning(
        "Redis unreachable at %s (%s): starting degraded; %s",
        redact_url(rt.settings.redis_url or ""),
        problem,
        consequence,
    )


class OneLineStartupFailure:
    """Keeps a `StartupError` to its one line: the ASGI server would otherwise log its traceback too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def send_quietly(message: Message) -> None:
            # Sent from inside the handler of the failure, so the exception being handled is ours to see.
            failure: Any = sys.exc_info()[1]
            if message["type"] == "lifespan.startup.failed" and isinstance(failure, StartupError):
                message = {**message, "message": ""}
            await send(message)

        await self.app(scope, receive, send_quietly)
