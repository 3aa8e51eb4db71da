"""A fixed envelope and key file made once by Chromium's WebCrypto (tests/sealing/vectors/chromium-x25519.*):
the Python side must keep opening it, so a change to either implementation that breaks the format fails here
even where no browser is installed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ggzy.sealing import envelope, keys

VECTORS = Path(__file__).resolve().parents[1] / "sealing" / "vectors"


def test_the_chromium_vector_opens_with_python(tmp_path: Path) -> None:
    meta = json.loads((VECTORS / "chromium-x25519.json").read_text())
    env = VECTORS / "chromium-x25519.ggzyenv"
    assert hashlib.sha256(env.read_bytes()).hexdigest() == meta["sha256"]
    scanner = envelope.EnvelopeScanner()
    scanner.feed(env.read_bytes())
    header = scanner.finish()
    ks = keys.read_keyfile(json.loads((VECTORS / "chromium-x25519.ggzykey").read_text()), meta["passphrase"])
    data_key = envelope.unwrap_data_key(header, enc_private=ks.enc_private)
    out = tmp_path / "files"
    out.mkdir()
    opened = envelope.open_bid(env, data_key, expected_sha256=meta["sha256"], sign_public=ks.sign_public,
                               extract_to=out)
    assert opened.signature_ok and opened.sha256_ok and opened.problems == []
    assert opened.sheet == meta["sheet"] and opened.size == meta["size"]
    for f in meta["files"]:
        assert (out / f["name"]).read_bytes() == (f["line"] * f["repeat"]).encode()
