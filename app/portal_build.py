"""The portal's one build step: copy `portal/` (the sources) to `app/static/portal/` (what the server serves).

No bundler, no transpiler: the sources are plain ES modules and CSS, served as they are. The step only puts
them where package data lives and stamps a version, the hash of the sources, into the asset URLs of
index.html (`/account/assets/<version>/…`): assets are then cached for a year, and a change to any source is
a new URL. `make test` rebuilds into a scratch folder and compares, so the committed copy cannot drift.

    python -m app.portal_build          # rebuild app/static/portal
    python -m app.portal_build --check  # exit 1 when app/static/portal is not the build of portal/
"""

import argparse
import filecmp
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent.parent / "portal"
OUTPUT_DIR = Path(__file__).resolve().parent / "static" / "portal"
ASSETS_URL = "/account/assets/"
VERSION_FILE = "VERSION"


def source_files(source: Path) -> list[Path]:
    return sorted(
        (path for path in source.rglob("*") if path.is_file() and not path.name.startswith(".")),
        key=lambda path: path.relative_to(source).as_posix(),
    )


def source_hash(source: Path) -> str:
    digest = hashlib.sha256()
    for path in source_files(source):
        content = path.read_bytes()
        digest.update(f"{path.relative_to(source).as_posix()}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()[:16]


def build(source: Path = SOURCE_DIR, output: Path = OUTPUT_DIR) -> str:
    """Write the served copy of `source` to `output` (replacing it); returns the version."""
    version = source_hash(source)
    if output.exists():
        shutil.rmtree(output)
    (output / "assets").mkdir(parents=True)
    for path in source_files(source):
        relative = path.relative_to(source)
        if relative.as_posix() == "index.html":
            html = path.read_text(encoding="utf-8").replace(ASSETS_URL, f"{ASSETS_URL}{version}/")
            (output / "index.html").write_text(html, encoding="utf-8")
            continue
        target = output / "assets" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (output / VERSION_FILE).write_text(version + "\n", encoding="utf-8")
    return version


def differences(source: Path = SOURCE_DIR, output: Path = OUTPUT_DIR) -> list[str]:
    """What differs between `output` and a fresh build of `source` (empty: up to date)."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "portal"
        build(source, fresh)
        problems: list[str] = []

        def walk(comparison: filecmp.dircmp[str], prefix: str) -> None:
            problems.extend(f"missing: {prefix}{name}" for name in comparison.right_only)
            problems.extend(f"not built from portal/: {prefix}{name}" for name in comparison.left_only)
            _, mismatch, errors = filecmp.cmpfiles(
                comparison.left, comparison.right, comparison.common_files, shallow=False
            )
            problems.extend(f"out of date: {prefix}{name}" for name in mismatch + errors)
            for name, sub in comparison.subdirs.items():
                walk(sub, f"{prefix}{name}/")

        if not output.is_dir():
            return [f"missing: {output}"]
        walk(filecmp.dircmp(str(output), str(fresh)), "")
        return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only check that app/static/portal is up to date")
    args = parser.parse_args(argv)
    if args.check:
        problems = differences()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("app/static/portal is stale: run `make portal`", file=sys.stderr)
        return 1 if problems else 0
    print(f"built app/static/portal, version {build()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
