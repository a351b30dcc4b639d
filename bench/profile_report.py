"""Summarise a cProfile file of the server: where the time goes, by package and by function.

.venv/bin/python -m bench.profile_report server.prof
"""

import pstats
import sys
from collections import Counter
from pathlib import Path

# Longest prefix wins: path fragment -> label.
PACKAGES = (
    ("site-packages/strawberry/", "strawberry"),
    ("site-packages/graphql/", "graphql-core"),
    ("site-packages/sqlalchemy/", "sqlalchemy"),
    ("site-packages/sqlmodel/", "sqlmodel"),
    ("site-packages/pydantic/", "pydantic"),
    ("site-packages/asyncpg/", "asyncpg"),
    ("site-packages/aiodataloader", "aiodataloader"),
    ("site-packages/starlette/", "starlette"),
    ("site-packages/uvicorn/", "uvicorn"),
    ("site-packages/anyio/", "anyio"),
    ("site-packages/", "other site-packages"),
    ("/resolvers/", "app: resolvers"),
    ("/schema/", "app: schema"),
    ("/loaders/", "app: loaders"),
    ("/models/", "app: models"),
    ("/app/", "app: app"),
    ("/lib/python3", "stdlib"),
)


def package_of(filename: str) -> str:
    if filename.startswith("<") or filename == "~":
        return "builtins (C)"
    for fragment, label in PACKAGES:
        if fragment in filename:
            return label
    return "other"


def report(path: Path, top: int = 30) -> str:
    stats = pstats.Stats(str(path))
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())  # tottime over every function
    by_package: Counter[str] = Counter()
    for (filename, _line, _name), entry in raw.items():
        by_package[package_of(filename)] += entry[2]
    lines = [f"profile {path}: {total:.2f} s of own time in profiled functions", "", "own time by package:"]
    for package, seconds in by_package.most_common():
        lines.append(f"  {seconds / total * 100:5.1f} %  {seconds:7.2f} s  {package}")
    lines += ["", f"top {top} functions by own time:"]
    ranked = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in ranked:
        short = filename.split("site-packages/")[-1] if "site-packages/" in filename else filename[-60:]
        lines.append(f"  {tottime:6.2f} s  {cumtime:6.2f} s cum  {calls:>9} calls  {short}:{line} {name}")
    lines += ["", f"top {top} by cumulative time (excluding the event loop and uvicorn plumbing):"]
    skip = ("asyncio", "uvicorn", "cProfile", "runpy", "<built-in method builtins.exec>", "app/cli.py")
    cumulative = sorted(raw.items(), key=lambda item: item[1][3], reverse=True)
    shown = 0
    for (filename, line, name), (_cc, calls, _tottime, cumtime, _callers) in cumulative:
        if any(fragment in filename or fragment in name for fragment in skip) or filename == "~":
            continue
        short = filename.split("site-packages/")[-1] if "site-packages/" in filename else filename[-60:]
        lines.append(f"  {cumtime:6.2f} s cum  {calls:>9} calls  {short}:{line} {name}")
        shown += 1
        if shown >= top:
            break
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    print(report(Path(args[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
