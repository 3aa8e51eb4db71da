"""Cipher suites behind one interface (docs/sealed-bids.md, "Suites"). Modules register themselves."""

from __future__ import annotations

import importlib
from typing import Any, Protocol


class Digest(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def hexdigest(self) -> str: ...


class BodyCipher(Protocol):
    """An AEAD keyed with the data key (AES-256-GCM or SM4-GCM)."""

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes: ...
    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        """Raises cryptography.exceptions.InvalidTag when anything was changed."""
        ...


class Suite(Protocol):
    name: str
    data_key_len: int

    def body(self, data_key: bytes) -> BodyCipher: ...

    def wrap(self, recipient_public: bytes, secret: bytes, info: bytes) -> dict[str, Any]:
        """Encrypt `secret` to a recipient: returns the recipient entry's crypto fields (`epk`?, `wrapped`)."""
        ...

    def unwrap(self, entry: dict[str, Any], enc_private: bytes, info: bytes) -> bytes:
        """The inverse of wrap with the recipient's private key (suite's own private-key encoding)."""
        ...

    def sign(self, sign_private: bytes, message: bytes) -> bytes: ...
    def verify(self, sign_public: bytes, message: bytes, signature: bytes) -> bool: ...
    def digest(self) -> Digest:
        """The suite's file digest (SHA-256 or SM3)."""
        ...

    def generate(self) -> tuple[bytes, bytes, bytes, bytes]:
        """A new key set: (enc_private, enc_public, sign_private, sign_public)."""
        ...


SUITE_MODULES = ["ggzy.sealing.x25519", "ggzy.sealing.gm"]
_SUITES: dict[str, Suite] = {}


def register_suite(suite: Suite) -> None:
    _SUITES[suite.name] = suite


def _load_all() -> None:
    for mod in SUITE_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            # A suite whose module (or optional library) is absent is simply not offered; any other
            # import error is a bug and must surface.
            missing = exc.name or ""
            if missing != mod and missing.startswith("ggzy"):
                raise


def get_suite(name: str) -> Suite:
    """The suite called `name`; unknown names raise KeyError (callers turn it into their own error)."""
    if name not in _SUITES:
        _load_all()
    return _SUITES[name]


def suite_names() -> list[str]:
    _load_all()
    return sorted(_SUITES)
