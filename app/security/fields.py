"""Encrypted personal fields and their blind indexes.

Values are AES-GCM encrypted with the keyring (app/security/crypto.py), bound to their row and column
so a ciphertext cannot be moved to another account. Where we must look a value up (phone sign-in,
uniqueness), a keyed hash of the normalised value — the blind index — is stored beside it.
"""

import hashlib
import hmac
import uuid

from app.security.crypto import Keyring


class FieldCipher:
    def __init__(self, keyring: Keyring, secret_key: bytes) -> None:
        self.keyring = keyring
        # A key of its own for blind indexes, derived from SECRET_KEY.
        self._index_key = hmac.new(secret_key, b"customer-accounts blind index v1", hashlib.sha256).digest()

    @staticmethod
    def context(table: str, column: str, row_id: uuid.UUID) -> str:
        return f"{table}.{column}:{row_id}"

    def encrypt(self, table: str, column: str, row_id: uuid.UUID, value: str | None) -> str | None:
        if value is None:
            return None
        return self.keyring.encrypt(value, context=self.context(table, column, row_id))

    def decrypt(self, table: str, column: str, row_id: uuid.UUID, sealed: str | None) -> str | None:
        if sealed is None:
            return None
        return self.keyring.decrypt(sealed, context=self.context(table, column, row_id))

    def index(self, kind: str, value: str | None) -> str | None:
        if value is None:
            return None
        return hmac.new(self._index_key, f"{kind}\x1f{value}".encode(), hashlib.sha256).hexdigest()

    # The customer's phone number is the one encrypted field so far that needs an index.
    def seal_phone(self, customer_id: uuid.UUID, phone: str | None) -> tuple[str | None, str | None]:
        """(ciphertext, blind index) to store for an E.164 phone number."""
        return self.encrypt("customer", "phone", customer_id, phone), self.index("phone", phone)

    def open_phone(self, customer_id: uuid.UUID, sealed: str | None) -> str | None:
        return self.decrypt("customer", "phone", customer_id, sealed)
