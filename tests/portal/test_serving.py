"""The portal under /account/: one page for every route, versioned immutable assets, its strict CSP."""

import gzip
import re
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.portal import PORTAL_CSP, PORTAL_DIR
from app.portal_build import differences

# HTTP and GraphQL-layer behaviour: the SQLite pass answers for every database (ONLY_DATABASE_TESTS).
pytestmark = pytest.mark.database_independent

VERSION = (PORTAL_DIR / "VERSION").read_text().strip()


def test_the_served_copy_is_the_build_of_the_sources() -> None:
    # A change under portal/ without `make portal` (or a hand edit of app/static/portal) fails here.
    assert differences() == []


@pytest.mark.parametrize(
    "path",
    [
        "/account/",
        "/account/login",
        "/account/orders",
        "/account/activate?token=abc",
        "/account/tickets/T-00000012",
        "/account/some/unknown/page",
        "/account/%2e%2e/graphql",
    ],
)
async def test_every_path_below_account_answers_the_page(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert f'src="/account/assets/{VERSION}/src/main.js"' in response.text
    assert response.headers["cache-control"] == "no-store"
    # Each security header once: the page's own CSP, never the middleware's API default beside it.
    assert response.headers.get_list("content-security-policy") == [PORTAL_CSP]
    for name in ("x-content-type-options", "x-frame-options", "referrer-policy", "cache-control"):
        assert len(response.headers.get_list(name)) == 1, name


async def test_account_without_slash_redirects_to_the_portal(client: httpx.AsyncClient) -> None:
    response = await client.get("/account")
    assert response.status_code == 308
    assert response.headers["location"].endswith("/account/")


async def test_the_page_has_no_inline_script_or_style(client: httpx.AsyncClient) -> None:
    html = (await client.get("/account/")).text
    assert "<style" not in html
    assert " style=" not in html
    assert "<script>" not in html  # only external scripts (src=…)
    assert "<script " in html
    assert " on" + "click=" not in html


async def test_assets_are_versioned_and_cached_for_long(client: httpx.AsyncClient) -> None:
    script = await client.get(f"/account/assets/{VERSION}/src/main.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers.get_list("content-security-policy") == ["default-src 'none'; frame-ancestors 'none'"]
    style = await client.get(f"/account/assets/{VERSION}/styles.css")
    assert style.status_code == 200
    assert style.headers["content-type"].startswith("text/css")


async def test_assets_are_compressed_and_api_answers_are_not(client: httpx.AsyncClient) -> None:
    # Assets hold nothing secret; API answers can (tokens), so they are never compressed (BREACH).
    i18n = await client.get(f"/account/assets/{VERSION}/src/i18n.js", headers={"accept-encoding": "gzip"})
    assert i18n.headers["content-encoding"] == "gzip"
    assert i18n.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert i18n.text == (PORTAL_DIR / "assets" / "src" / "i18n.js").read_text(encoding="utf-8")
    plain = await client.get(f"/account/assets/{VERSION}/src/i18n.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    api = await client.post(
        "/graphql", json={"query": "{ __schema { types { name description } } }"}, headers={"accept-encoding": "gzip"}
    )
    assert api.status_code == 200
    assert "content-encoding" not in api.headers


@pytest.mark.parametrize(
    "path",
    [
        "/account/assets/0000000000000000/src/main.js",  # another version: never the HTML page instead
        f"/account/assets/{VERSION}/src/nothing.js",
        f"/account/assets/{VERSION}/%2e%2e/VERSION",
        f"/account/assets/{VERSION}/%2e%2e/%2e%2e/portal.py",
        f"/account/assets/{VERSION}/..%2f..%2fportal.py",
    ],
)
async def test_unknown_assets_are_404_not_the_page(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert "text/html" not in response.headers["content-type"]
    assert response.headers["cache-control"] == "no-store"


async def test_only_get_reaches_the_portal(client: httpx.AsyncClient) -> None:
    response = await client.post("/account/login", content=b"email=a")
    assert response.status_code == 405


async def test_the_portal_can_be_switched_off(app_factory: object) -> None:
    _, api = await app_factory(portal_enabled=False)  # type: ignore[operator]
    response = await api.client.get("/account/")
    assert response.status_code == 404
    assert (await api.client.get("/graphql", headers={"accept": "text/html"})).status_code in (200, 400)


@pytest.mark.parametrize(
    ("changes", "url"),
    [
        ({}, "http://localhost:8000/account/"),
        ({"host": "0.0.0.0", "port": 9000}, "http://localhost:9000/account/"),  # noqa: S104
        ({"public_url": "https://accounts.example.com"}, "https://accounts.example.com/account/"),
        ({"storefront_url": "https://shop.example.com/me"}, "http://localhost:8000/account/"),
    ],
)
def test_the_portal_address_is_a_host_name(changes: dict[str, object], url: str) -> None:
    # `serve` prints this address; a host name, not an IP, since browsers bind passkeys to names.
    assert Settings(**changes).portal_url == url  # type: ignore[arg-type]


@pytest.mark.parametrize(("enabled", "printed"), [("true", True), ("false", False)])
def test_serve_prints_the_portal_address(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, enabled: str, printed: bool
) -> None:
    import uvicorn

    from app.cli import main

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.setenv("PORTAL_ENABLED", enabled)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("PORT", "8000")  # serve --port writes PORT: monkeypatch puts it back afterwards
    started: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(args))
    assert main(["serve", "--port", "8123"]) == 0
    assert started
    out = capsys.readouterr().out
    assert ("My Account portal: http://localhost:8123/account/" in out) is printed
    assert ("Staff console: http://localhost:8123/account/staff" in out) is printed


STATIC_IMPORT = re.compile(r'^(?:import|export)\s[^;]*?from\s+"([^"]+)";|^import\s+"([^"]+)";', re.MULTILINE)
PAGE_MODULE = re.compile(r'import\("(\./pages/[^"]+)"\)')


def _with_static_imports(module: Path) -> set[Path]:
    """A module and everything it imports statically: what the browser fetches before it runs."""
    found: set[Path] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        for match in STATIC_IMPORT.finditer(current.read_text(encoding="utf-8")):
            todo.append((current.parent / (match.group(1) or match.group(2))).resolve())
    return found


def test_first_load_stays_within_the_budget() -> None:
    # The budget: the first load of any page fetches at most 150 KB of compressed script and style.
    # That is the stylesheet, main.js with what it imports statically, and the page's module with its own
    # (pages load with import() when first visited), each compressed as it travels.
    sources = (PORTAL_DIR / "assets" / "src").resolve()
    base = _with_static_imports(sources / "main.js")
    pages = [(sources / name).resolve() for name in PAGE_MODULE.findall((sources / "routes.js").read_text())]
    assert len(pages) > 10

    def compressed(paths: set[Path]) -> int:
        return sum(len(gzip.compress(path.read_bytes())) for path in paths)

    stylesheet = len(gzip.compress((PORTAL_DIR / "assets" / "styles.css").read_bytes()))
    heaviest = max(compressed(base | _with_static_imports(page)) for page in pages)
    assert stylesheet + heaviest < 150_000
