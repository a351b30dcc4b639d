"""Shared by the bench scripts: the database URL, the server's environment, free ports, /proc CPU times."""

import base64
import os
import resource
import secrets
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"
# Every seeded account has this password (a throwaway bench value) and an email bench-NNNNNNN@example.com.
BENCH_PASSWORD = "bench-orders-passphrase-2026"
BENCH_EMAIL_DOMAIN = "example.com"
BENCH_EMAIL_PREFIX = "bench-"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def bench_email(index: int) -> str:
    return f"{BENCH_EMAIL_PREFIX}{index:07d}@{BENCH_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class Database:
    url: URL

    @classmethod
    def parse(cls, value: str) -> "Database":
        return cls(make_url(value))

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.database or "")

    @property
    def name(self) -> str:
        return self.url.database or ""

    def asyncpg_kwargs(
        self, *, database: str | None = None, host: str | None = None, port: int | None = None
    ) -> dict[str, object]:
        return {
            "host": host or self.url.host or "127.0.0.1",
            "port": port or self.url.port or 5432,
            "user": self.url.username or "postgres",
            "password": self.url.password,
            "database": database or self.url.database,
        }

    def via(self, host: str, port: int) -> "Database":
        """The same database reached through another host and port (the statement-counting proxy)."""
        return Database(self.url.set(host=host, port=port))

    def rendered(self) -> str:
        return self.url.render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(database: Database, data_dir: Path) -> dict[str, str]:
    """Settings for a benchmark server: test mode, no background jobs, quiet logs, throwaway secrets.

    Sign-in throttling per client address is raised: every benchmark customer signs in from 127.0.0.1.
    The server runs the code of this checkout (PYTHONPATH), not whichever one the virtualenv's editable
    install points at (a worktree shares its virtualenv with the main checkout).
    """
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")))),
            "ENVIRONMENT": "test",
            "DATABASE_URL": database.rendered(),
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ENCRYPTION_KEYS": "bench:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "OUTBOX_IN_PROCESS": "false",
            "ANOMALY_SCAN_MINUTES": "0",
            "LOG_LEVEL": "WARNING",
            "MAIL_BACKEND": "file",
            "ADDRESS_LOCK_AFTER": "1000000",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def cli_executable() -> str:
    """The project's `customer-accounts` command in the same virtualenv as this interpreter."""
    candidate = Path(sys.executable).parent / "customer-accounts"
    return str(candidate) if candidate.exists() else "customer-accounts"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    # After "pid (comm)": state is field 3, utime field 14, stime field 15 (1-based, man proc).
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS


def raise_open_files_limit() -> int:
    """Raise this process's open-files limit to its hard limit (inherited by what it spawns afterwards):
    every WebSocket is a file descriptor, on the server's side and the client's."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (VmRSS in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")
