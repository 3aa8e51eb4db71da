"""Read an expert import file (CSV in UTF-8, with or without BOM, or XLSX) into a header and numbered rows.

Row numbers are what the user sees in the spreadsheet: the header is row 1. Blank rows are skipped but still
counted, so the numbers stay right. The file type is taken from its first bytes (XLSX is a ZIP archive), not
from its name, which browsers and users get wrong.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from ggzy.expert.errors import ImportEmpty, ImportTooLarge, ImportUnreadable

MAX_BYTES: Final = 32 * 1024 * 1024
"""20,000 experts with long histories fit in a few MB; anything far larger is a mistake or an attack."""
MAX_ROWS: Final = 50_000
MAX_COLUMNS: Final = 64
_ZIP_MAGIC: Final = b"PK\x03\x04"


@dataclass(slots=True)
class Table:
    kind: str
    """"csv" or "xlsx"."""
    header: list[object]
    rows: list[tuple[int, Sequence[object]]]
    """(spreadsheet row number, cells) for each non-blank data row."""


def read_table(content: bytes) -> Table:
    """Parse the upload; raises expert.import_unreadable / import_empty / import_too_large."""
    if len(content) > MAX_BYTES:
        raise ImportTooLarge(detail={"max_bytes": MAX_BYTES})
    if content.startswith(_ZIP_MAGIC):
        kind, records = "xlsx", _xlsx_records(content)
    else:
        kind, records = "csv", _csv_records(content)
    header: list[object] | None = None
    rows: list[tuple[int, Sequence[object]]] = []
    for row_no, cells in enumerate(records, start=1):
        if row_no == 1:
            header = _trim(cells)
            continue
        if row_no > MAX_ROWS + 1:
            raise ImportTooLarge(detail={"max_rows": MAX_ROWS})
        if any(_present(c) for c in cells):
            rows.append((row_no, cells))
    if header is None or not any(_present(c) for c in header) or not rows:
        raise ImportEmpty()
    return Table(kind=kind, header=header, rows=rows)


def _present(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""


def _trim(cells: Sequence[object]) -> list[object]:
    """Drop blank cells after the last header (Excel keeps formatting there)."""
    out = list(cells)
    while out and not _present(out[-1]):
        out.pop()
    if len(out) > MAX_COLUMNS:
        raise ImportTooLarge(detail={"max_columns": MAX_COLUMNS})
    return out


def _csv_records(content: bytes) -> Iterator[Sequence[object]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportUnreadable(
            message_zh="CSV 文件不是 UTF-8 编码：请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”后重新上传",
            message_en="The CSV file is not UTF-8: save it as \"CSV UTF-8 (comma delimited)\" and upload again",
        ) from None
    if "\x00" in text:
        raise ImportUnreadable()
    try:
        # One record per spreadsheet row, even when a quoted cell spans several lines.
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error:
        raise ImportUnreadable() from None


def _xlsx_records(content: bytes) -> Iterator[Sequence[object]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportUnreadable() from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise ImportEmpty()
        # A read-only sheet may report a stale dimension; cap the columns read instead of trusting it.
        yield from sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise ImportUnreadable() from None
    finally:
        book.close()
