"""Read a visitor's name and ID number out of a scanner's text output (pure).

Reception either types the document or pastes what the ID-card reader (身份证阅读器) or an OCR app produced.
Readers print `姓名:张三|性别:男|…|身份证号:…`, some print JSON, OCR of the card gives labelled lines
(`姓名 张三` … `公民身份号码 3301…`) with stray spaces and full-width digits. The number's own checks (check
digit, region, birth date) are kit.idcard's; here we only find the text, and refuse when the card's printed
birth date disagrees with the number (an OCR misread).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

ScanReason = Literal["no_id_number", "no_name", "birth_mismatch"]

_NUMBER = re.compile(r"(?<![0-9])((?:[0-9] ?){17}[0-9Xx])(?![0-9])")
_NUMBER_LABELS = ("公民身份号码", "身份证号码", "身份证号", "证件号码", "证件号", "身份号码")
_LABEL_WORDS = ("姓名", "性别", "民族", "出生", "住址", "地址", "公民身份号码", "身份证", "签发机关", "有效期限",
                "证件", "号码")
_NAME_CHARS = r"[\u3400-\u9fff·]{1,30}"
_NAME_AFTER_LABEL = re.compile(r"姓\s*名\s*[:=]?\s*(" + _NAME_CHARS + ")")
_NAME_ALONE = re.compile(r"^\s*([\u3400-\u9fff]{2,6}|[\u3400-\u9fff]{1,10}·[\u3400-\u9fff·]{1,20})\s*$")
_BIRTH = re.compile(r"出\s*生(?:日期)?\s*[:=]?\s*(\d{4})\s*(?:年|[-./])?\s*(\d{1,2})\s*(?:月|[-./])?\s*(\d{1,2})")
_JSON_NAME_KEYS = ("name", "xm", "姓名", "partyname")
_JSON_NUMBER_KEYS = ("idnumber", "id_number", "idno", "cardno", "certno", "sfzh", "身份证号", "公民身份号码")


class ScanError(ValueError):
    def __init__(self, reason: ScanReason, message: str) -> None:
        self.reason: ScanReason = reason
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Scanned:
    name: str
    id_number: str
    """As found (spaces removed, X upper-cased); not validated yet."""


def _clean(text: str) -> str:
    # NFKC turns full-width digits, letters and colons (０-９, Ｘ, ：) into ASCII; readers separate fields with |.
    return unicodedata.normalize("NFKC", text).replace("|", "\n").replace("\t", " ")


def _strip_labels(name: str) -> str:
    """OCR may glue the next label on (姓名张三性别男): cut at the first label word."""
    cut = min((i for w in _LABEL_WORDS if (i := name.find(w)) >= 0), default=len(name))
    return name[:cut].strip("·")


def _from_json(text: str) -> Scanned | None:
    try:
        doc: Any = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    flat = {str(k).lower().replace("-", "_"): v for k, v in doc.items()}
    name = next((str(flat[k]) for k in _JSON_NAME_KEYS if isinstance(flat.get(k), str)), "")
    number = next((str(flat[k]) for k in _JSON_NUMBER_KEYS if isinstance(flat.get(k), str)), "")
    if not number:
        raise ScanError("no_id_number", "the reader's JSON has no ID number")
    if not name:
        raise ScanError("no_name", "the reader's JSON has no name")
    return Scanned(name.strip(), re.sub(r"\s+", "", number).upper())


def _number(text: str) -> tuple[str, int]:
    """The ID number (labelled first, else the first 18-character run) and where it starts."""
    for label in _NUMBER_LABELS:
        at = text.find(label)
        if at >= 0:
            found = _NUMBER.search(text, at + len(label))
            if found:
                return found[1].replace(" ", "").upper(), found.start()
    found = _NUMBER.search(text)
    if not found:
        raise ScanError("no_id_number", "no 18-character ID number in the text")
    return found[1].replace(" ", "").upper(), found.start()


def _name(text: str, number_at: int) -> str:
    labelled = _NAME_AFTER_LABEL.search(text)
    if labelled:
        name = _strip_labels(labelled[1])
        if name:
            return name
    for line in text.splitlines():
        alone = _NAME_ALONE.match(line)
        if alone and not any(w in alone[1] for w in _LABEL_WORDS):
            return alone[1]
    # "张三 330102…": the word right before the number.
    before = re.findall(_NAME_CHARS, text[:number_at])
    if before and not any(w in before[-1] for w in _LABEL_WORDS):
        return _strip_labels(before[-1])
    raise ScanError("no_name", "no name in the text")


def _check_birth(text: str, number: str) -> None:
    printed = _BIRTH.search(text)
    if printed is None or len(number) != 18 or not number[6:14].isdigit():
        return
    try:
        on_card = date(int(printed[1]), int(printed[2]), int(printed[3]))
        in_number = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return  # an unreadable date is the number check's business, not a mismatch
    if on_card != in_number:
        raise ScanError("birth_mismatch", f"the card says born {on_card}, the number says {in_number}")


def parse_scan(text: str) -> Scanned:
    """Name and ID number from a reader's or OCR's text; raises ScanError saying what is missing."""
    text = _clean(text).strip()
    if not text:
        raise ScanError("no_id_number", "the scanner text is empty")
    if text.startswith("{"):
        found = _from_json(text)
        if found is not None:
            return found
    number, at = _number(text)
    name = _name(text, at)
    _check_birth(text, number)
    return Scanned(name, number)
