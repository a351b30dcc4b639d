"""Short-lived signed download links: /files/<kind>/<id>?expires=<unix time>&signature=<HMAC>.

The signature covers the kind, the object id and the expiry, so a link cannot be moved to another
object or kept alive longer; it is checked in constant time. The link is the credential (it works from
an email in any browser), so it is short-lived and its object is re-checked when it is served.
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

PATH_PREFIX = "/files"
_KIND = re.compile(r"^[a-z][a-z-]{0,31}$")
_DIGITS = re.compile(r"[0-9]{1,12}")


class LinkError(Exception):
    """A link that is malformed, was tampered with, or has expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SignedLinks:
    secret: bytes
    base_url: str

    def _signature(self, kind: str, object_id: str, expires: int) -> str:
        key = hmac.new(self.secret, b"signed-download-links", hashlib.sha256).digest()
        mac = hmac.new(key, f"{kind}\n{object_id}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def url(self, kind: str, object_id: str, expires_at: datetime) -> str:
        if not _KIND.match(kind):
            raise ValueError(f"not a link kind: {kind!r}")
        expires = int(expires_at.timestamp())
        query = urlencode({"expires": expires, "signature": self._signature(kind, object_id, expires)})
        return f"{self.base_url}{PATH_PREFIX}/{kind}/{object_id}?{query}"

    def expiry(self, minutes: int, now: datetime | None = None) -> datetime:
        return (now or datetime.now(UTC)).replace(microsecond=0) + timedelta(minutes=minutes)

    def verify(self, kind: str, object_id: str, expires: str | None, signature: str | None, now: datetime) -> None:
        """Raise LinkError unless the link is genuine and not yet expired."""
        if not expires or not signature or not _DIGITS.fullmatch(expires) or len(signature) > 64:
            raise LinkError("malformed")
        expected = self._signature(kind, object_id, int(expires))
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise LinkError("invalid signature")
        if int(expires) <= now.timestamp():
            raise LinkError("expired")
