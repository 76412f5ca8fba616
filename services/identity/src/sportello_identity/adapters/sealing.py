"""Secrets identity keeps in its database, sealed: the signing keys' private halves, the TOTP
secrets. A database dump alone opens none of them.

AES-256-GCM under a key derived (HKDF-SHA256) from the settings' key-encryption key, one
derived key per purpose, and what a secret belongs to (a key id, an account id) bound in as
associated data, so a sealed secret copied to another document does not open.
"""

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SIGNING_KEYS = "sportello-identity signing keys"
TOTP_SECRETS = "sportello-identity totp secrets"


class KeySealer:
    """Seals and opens secrets of one purpose with the key-encryption key."""

    def __init__(self, key_encryption_key: str, purpose: str = SIGNING_KEYS) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=purpose.encode(),
        ).derive(key_encryption_key.encode())
        self._aead = AESGCM(derived)

    def seal(self, owner: str, secret: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, secret, owner.encode())

    def open(self, owner: str, sealed: bytes) -> bytes:
        return self._aead.decrypt(sealed[:12], sealed[12:], owner.encode())
