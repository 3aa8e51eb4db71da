"""The bid package inside an envelope: manifest, signature, file digests, the opening sheet."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from ggzy.sealing.codec import canonical_json
from ggzy.sealing.errors import PackageInvalid
from ggzy.sealing.package import (
    MAGIC,
    PackageReader,
    build_manifest,
    sheet_problems,
    valid_file_name,
    write_package,
)
from tests.sealing.helpers import BIDDER, LOT, TENDER, key_set, sheet, write_files


def _package(tmp_path: Path, sizes: dict[str, int] | None = None) -> tuple[bytes, list[Path]]:
    files = write_files(tmp_path / "in", sizes or {"商务标.pdf": 70_000, "技术标.docx": 5, "空.txt": 0})
    out = io.BytesIO()
    write_package(out, keys=key_set(), tender_id=TENDER, lot_id=LOT, bidder_org_id=BIDDER, sheet=sheet(),
                  files=files)
    return out.getvalue(), files


def _read(data: bytes, piece: int = 1000, **kw: object) -> PackageReader:
    r = PackageReader(**kw)  # type: ignore[arg-type]
    for i in range(0, len(data), piece):
        r.feed(data[i:i + piece])
    return r.finish()


def test_package_layout_and_reader(tmp_path: Path) -> None:
    data, files = _package(tmp_path)
    assert data[:8] == MAGIC
    (mlen,) = struct.unpack(">I", data[8:12])
    manifest = data[12:12 + mlen]
    (slen,) = struct.unpack(">H", data[12 + mlen:14 + mlen])
    assert slen == 64  # Ed25519
    body = data[14 + mlen + slen:]
    assert body == b"".join(f.read_bytes() for f in files)
    for piece in (1, 7, 65_536, len(data)):
        r = _read(data, piece, sign_public=key_set().sign_public)
        assert r.signature_ok is True and r.manifest_bytes == manifest
        assert [f[0] for f in r.files] == ["商务标.pdf", "技术标.docx", "空.txt"]


def test_signature_from_another_key_is_a_finding_not_an_exception(tmp_path: Path) -> None:
    data, _ = _package(tmp_path)
    assert _read(data, sign_public=key_set("other").sign_public).signature_ok is False
    assert _read(data).signature_ok is None


def test_extraction(tmp_path: Path) -> None:
    data, files = _package(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    _read(data, 3333, extract_to=out)
    for f in files:
        assert (out / f.name).read_bytes() == f.read_bytes()


def test_altered_file_bytes_fail_the_digest(tmp_path: Path) -> None:
    data, _ = _package(tmp_path)
    bad = bytearray(data)
    bad[len(data) - 40_000] ^= 1  # inside 商务标.pdf (70,000 bytes, followed by 5 + 0)
    with pytest.raises(PackageInvalid) as info:
        _read(bytes(bad))
    assert info.value.check == "file_digest"


def test_truncated_and_trailing_packages(tmp_path: Path) -> None:
    data, _ = _package(tmp_path)
    with pytest.raises(PackageInvalid) as info:
        _read(data[:-1])
    assert info.value.check == "truncated"
    with pytest.raises(PackageInvalid) as info:
        _read(data + b"x")
    assert info.value.check == "trailing_bytes"


def _raw_package(manifest: dict[str, object] | bytes, body: bytes = b"") -> bytes:
    m = manifest if isinstance(manifest, bytes) else canonical_json(manifest)
    return MAGIC + struct.pack(">I", len(m)) + m + struct.pack(">H", 64) + bytes(64) + body


def _manifest(**changes: object) -> dict[str, object]:
    m = build_manifest(tender_id=TENDER, lot_id=LOT, bidder_org_id=BIDDER, keys=key_set(), sheet=sheet(), files=[])
    import json

    d: dict[str, object] = json.loads(m)
    d.update(changes)
    return d


@pytest.mark.parametrize("changes", [
    {"format": "zip"}, {"version": 2}, {"suite": "rot13"}, {"signing_key_id": "xyz"}, {"sheet": []},
    {"files": {}}, {"files": [{"name": "../etc/passwd", "size": 1, "digest": "0" * 64}]},
    {"files": [{"name": "a", "size": -1, "digest": "0" * 64}]},
    {"files": [{"name": "a", "size": 1, "digest": "0" * 63}]},
    {"files": [{"name": "a", "size": 0, "digest": "0" * 64}] * 2},
    {"extra": 1}, {"tender_id": ""},
])
def test_bad_manifests_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(PackageInvalid) as info:
        _read(_raw_package(_manifest(**changes)))
    assert info.value.check == "manifest"


def test_non_canonical_manifest_or_bad_lengths_are_refused() -> None:
    import json

    with pytest.raises(PackageInvalid):
        _read(_raw_package(json.dumps(_manifest()).encode()))
    with pytest.raises(PackageInvalid) as info:
        _read(MAGIC + struct.pack(">I", 2 << 20))
    assert info.value.check == "manifest"
    m = canonical_json(_manifest())
    with pytest.raises(PackageInvalid) as info:
        _read(MAGIC + struct.pack(">I", len(m)) + m + struct.pack(">H", 0))
    assert info.value.check == "signature"


@pytest.mark.parametrize("name,ok", [
    ("商务标.pdf", True), ("a b.txt", True), ("", False), (".", False), ("..", False), ("a/b", False),
    ("a\\b", False), ("a\x00", False), (" lead", False), ("x" * 256, False), ("é" * 127, True),
])
def test_file_names(name: str, ok: bool) -> None:
    assert valid_file_name(name) is ok


def test_file_changed_between_passes_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A document edited while it is being sealed would never verify at the opening: stop at once."""
    files = write_files(tmp_path, {"a.pdf": 10})
    calls = {"n": 0}
    from ggzy.sealing import package

    real = package._stream

    def edit_after_first_pass(*args: object, **kw: object) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            files[0].write_bytes(b"changed!!!")
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(package, "_stream", edit_after_first_pass)
    with pytest.raises(PackageInvalid) as info:
        write_package(io.BytesIO(), keys=key_set(), tender_id=TENDER, lot_id=LOT, bidder_org_id=BIDDER,
                      sheet=sheet(), files=files)
    assert info.value.check == "file_changed"


def test_write_package_refuses_an_invalid_sheet(tmp_path: Path) -> None:
    with pytest.raises(PackageInvalid) as info:
        write_package(io.BytesIO(), keys=key_set(), tender_id=TENDER, lot_id=LOT, bidder_org_id=BIDDER,
                      sheet=sheet(price="abc"), files=[])
    assert info.value.check == "sheet"


# ------------------------------------------------------------------------------------------------ opening sheet


def test_a_complete_sheet_has_no_problems() -> None:
    assert sheet_problems(sheet()) == []
    assert sheet_problems(sheet(price="1", duration_days=1)) == []
    assert sheet_problems(sheet(), lot_id=LOT) == []


@pytest.mark.parametrize("changes,field", [
    ({"price": "1.234"}, "price"), ({"price": "-5"}, "price"), ({"price": "0"}, "price"), ({"price": "0.00"}, "price"),
    ({"price": "1e6"}, "price"), ({"price": "01"}, "price"), ({"price": 100}, "price"), ({"price": " 1"}, "price"),
    ({"duration_days": 0}, "duration_days"), ({"duration_days": "180"}, "duration_days"),
    ({"duration_days": True}, "duration_days"), ({"duration_days": 1.5}, "duration_days"),
    ({"quality": ""}, "quality"), ({"project_lead": None}, "project_lead"),
    ({"lead_certificate": "  "}, "lead_certificate"), ({"price_in_words": 5}, "price_in_words"),
])
def test_sheet_problems(changes: dict[str, object], field: str) -> None:
    problems = sheet_problems(sheet(**changes))
    assert problems and all(p.startswith(field) for p in problems), problems


def test_price_in_words_mismatch_is_not_a_sheet_problem() -> None:
    """Evaluation Rules Art.19: the words prevail over the figures; the platform records both, never 'fixes'."""
    assert sheet_problems(sheet(price="100.00", price_in_words="壹佰零壹元整")) == []


def test_sheet_for_another_lot_and_not_an_object() -> None:
    assert sheet_problems(sheet(), lot_id="L-2") == ["lot_id: does not match the lot the bid is for"]
    assert sheet_problems([]) == ["sheet: must be a JSON object"]
