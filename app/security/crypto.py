"""Field-level encryption: AES-256-GCM with a key id in every ciphertext, several keys accepted.

Format: ``v1.<kid>.<base64url nonce>.<base64url ciphertext+tag>``. The first configured key encrypts;
any configured key decrypts, so keys can be rotated without downtime.
"""

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12


class KeyringError(ValueError):
    """Malformed ENCRYPTION_KEYS, or a ciphertext no configured key can open."""


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Keyring:
    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise KeyringError("at least one encryption key is required")
        self._keys = {kid: AESGCM(key) for kid, key in keys}
        self.current_kid = keys[0][0]

    @classmethod
    def parse(cls, spec: str) -> "Keyring":
        keys = []
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            kid, sep, encoded = item.partition(":")
            if not sep or not kid or "." in kid:
                raise KeyringError("each encryption key must look like kid:base64key")
            try:
                key = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise KeyringError(f"encryption key {kid!r} is not valid base64") from exc
            if len(key) != KEY_BYTES:
                raise KeyringError(f"encryption key {kid!r} must be {KEY_BYTES} bytes")
            keys.append((kid, key))
        return cls(keys)

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.current_kid].encrypt(nonce, plaintext.encode(), context.encode())
        return ".".join((VERSION, self.current_kid, _b64e(nonce), _b64e(sealed)))

    @staticmethod
    def key_id_of(token: str) -> str | None:
        parts = token.split(".")
        return parts[1] if len(parts) == 4 else None

    def decrypt(self, token: str, *, context: str = "") -> str:
        try:
            version, kid, nonce, sealed = token.split(".")
        except ValueError as exc:
            raise KeyringError("malformed ciphertext") from exc
        if version != VERSION or kid not in self._keys:
            raise KeyringError(f"no key {kid!r} to decrypt with")
        try:
            return self._keys[kid].decrypt(_b64d(nonce), _b64d(sealed), context.encode()).decode()
        except (InvalidTag, ValueError) as exc:
            raise KeyringError("ciphertext failed authentication") from exc
