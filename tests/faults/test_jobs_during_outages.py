"""Scheduled jobs during an outage: a short line per round, no traceback; they resume when it ends."""

import asyncio
import logging

import pytest

from app import jobs
from app.outages import ServiceUnavailableError


async def test_a_job_meeting_an_outage_logs_one_quiet_line_and_keeps_its_schedule(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds: list[int] = []
    stop = asyncio.Event()

    async def job() -> int:
        rounds.append(len(rounds))
        if len(rounds) < 3:
            raise ServiceUnavailableError("database", "ConnectionRefusedError: [Errno 111]")
        stop.set()
        return 2

    with caplog.at_level(logging.INFO, logger="app.jobs"):
        await asyncio.wait_for(jobs._every(1, stop, job, "did things", "things failed", now=True), timeout=30)
    assert len(rounds) == 3
    outage_lines = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(outage_lines) == 2
    assert all(r.exc_info is None and r.levelno == logging.INFO for r in outage_lines)
    assert any(r.getMessage() == "did things" for r in caplog.records)


async def test_a_job_failing_for_another_reason_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = asyncio.Event()

    async def job() -> int:
        stop.set()
        raise RuntimeError("a bug")

    with caplog.at_level(logging.INFO, logger="app.jobs"):
        await asyncio.wait_for(jobs._every(1, stop, job, "did things", "things failed", now=True), timeout=30)
    failures = [r for r in caplog.records if r.getMessage() == "things failed"]
    assert len(failures) == 1
    assert failures[0].exc_info is not None
