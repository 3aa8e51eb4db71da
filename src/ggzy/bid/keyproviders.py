"""Where an organisation's keys come from: adapters behind one interface.

`SoftwareKeys` (keys generated on the user's machine — the browser or `ggzy keys new`) is the first
implementation: the platform checks the public keys' shape and a proof of possession. `CertificateKeys` is
where a CA adapter (CA 数字证书) plugs in; until one is configured it refuses honestly instead of pretending.
"""

from __future__ import annotations

from typing import Protocol

from ggzy.bid.errors import BadProof, CaNotConfigured, KeySetInvalid, UnknownSuite
from ggzy.bid.models import KeyProvider
from ggzy.bid.rules import PUBLIC_KEY_LENGTHS, keyset_proof_message
from ggzy.sealing.codec import b64d
from ggzy.sealing.suites import get_suite


class KeyAdapter(Protocol):
    """Checks a key set before it is registered; raises a DomainError when it must be refused."""

    provider: KeyProvider

    def verify(
        self, *, org_id: str, suite: str, enc_public: str, sign_public: str, proof: str, certificate: str
    ) -> None: ...


def decode_public(suite: str, enc_public: str, sign_public: str) -> tuple[bytes, bytes]:
    """Decode and length-check the raw public keys of `suite` (strict base64)."""
    if suite not in PUBLIC_KEY_LENGTHS:
        raise UnknownSuite(detail={"suite": suite, "known": sorted(PUBLIC_KEY_LENGTHS)})
    try:
        get_suite(suite)
    except (KeyError, ImportError):
        raise UnknownSuite(detail={"suite": suite, "known": sorted(PUBLIC_KEY_LENGTHS)}) from None
    enc_len, sign_len = PUBLIC_KEY_LENGTHS[suite]
    try:
        enc, sign = b64d(enc_public), b64d(sign_public)
    except ValueError:
        raise KeySetInvalid(detail={"check": "base64"}) from None
    if len(enc) != enc_len:
        raise KeySetInvalid(detail={"check": "enc_public_length", "expected": enc_len})
    if len(sign) != sign_len:
        raise KeySetInvalid(detail={"check": "sign_public_length", "expected": sign_len})
    if enc == sign:
        raise KeySetInvalid(detail={"check": "distinct_keys"})
    return enc, sign


class SoftwareKeys:
    """Keys made on the user's machine: the registering user proves it holds the signing key."""

    provider = KeyProvider.software

    def verify(
        self, *, org_id: str, suite: str, enc_public: str, sign_public: str, proof: str, certificate: str
    ) -> None:
        _, sign = decode_public(suite, enc_public, sign_public)
        if certificate:
            raise KeySetInvalid(detail={"check": "certificate_not_expected"})
        try:
            signature = b64d(proof)
        except ValueError:
            raise BadProof(detail={"check": "base64"}) from None
        message = keyset_proof_message(org_id=org_id, enc_public=enc_public, sign_public=sign_public)
        if not get_suite(suite).verify(sign, message, signature):
            raise BadProof()


class CertificateKeys:
    """CA-issued keys (CA 数字证书). Not configured on this platform: every registration is refused (422).

    A real adapter must verify, before accepting a key set:
    1. the PEM chain in `certificate` builds to a root the centre configured as trusted (no other roots);
    2. every certificate in the chain is within its validity period at the server's time and not revoked
       (OCSP or CRL from the issuing CA; a failed status check refuses rather than accepts);
    3. the subject identifies this organisation: its 统一社会信用代码 equals Organisation.credit_code;
    4. the certificate's key usage allows digital signatures, and its public key is `sign_public`;
    5. the encryption key is certified too (an encryption certificate in the chain, or the CA's dual-certificate
       scheme), and equals `enc_public`;
    6. the proof of possession verifies exactly as for software keys.
    Which CA, which roots and which OID carries the credit code differ per province, so they are configuration,
    not code; until that configuration exists this class says so instead of accepting anything.
    """

    provider = KeyProvider.ca

    def verify(
        self, *, org_id: str, suite: str, enc_public: str, sign_public: str, proof: str, certificate: str
    ) -> None:
        decode_public(suite, enc_public, sign_public)
        raise CaNotConfigured()


ADAPTERS: dict[KeyProvider, KeyAdapter] = {KeyProvider.software: SoftwareKeys(), KeyProvider.ca: CertificateKeys()}


def adapter_for(provider: KeyProvider | str) -> KeyAdapter:
    return ADAPTERS[KeyProvider(provider)]
