"""Builders for expert-pool tests: valid ID numbers and credit codes, import files as CSV or XLSX bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.demo.uscc import make_uscc
from ggzy.expert.models import Expert, ExpertDeclaration, ExpertEmployment, ExpertPenalty, ExpertSpecialty
from ggzy.kit.idcard import make_id_number
from ggzy.notify.models import OutboxMessage
from ggzy.party.models import User
from tests.factories import query

HEADER = ["姓名", "身份证号", "手机", "工作单位", "单位信用代码", "职称", "高级职称(是/否)", "从业年限", "专业",
          "地区", "工作经历", "处罚", "申报"]


def uscc(n: int) -> str:
    """A valid 统一社会信用代码, different for each n."""
    return make_uscc("9", "1", "330100", f"MA{n:06d}")


def id_number(n: int, *, born: date = date(1975, 6, 15)) -> str:
    """A valid ID number, different for each n < 1000 (the sequence code)."""
    return make_id_number("330102", born, n % 1000) if n < 1000 else make_id_number(
        "330102", date(1960 + n // 1000 % 30, 1 + n // 30000 % 12, 1), n % 1000)


def phone(n: int) -> str:
    return f"139{n:08d}"


def row(n: int, **over: Any) -> dict[str, Any]:
    """One valid expert row (Chinese headers) for expert number n."""
    base: dict[str, Any] = {
        "姓名": f"专家{n}", "身份证号": id_number(n), "手机": phone(n), "工作单位": f"杭州设计院{n % 7}",
        "单位信用代码": uscc(n % 7 + 1), "职称": "高级工程师", "高级职称(是/否)": "是", "从业年限": "15",
        "专业": "A08;A0801", "地区": "330100",
        "工作经历": f"浙江建工集团|{uscc(900)}|2005-07-01|2012-12-31；杭州设计院{n % 7}||2013-01-01|",
        "处罚": "", "申报": f"relative|某某建设有限公司|{uscc(901)}|配偶任法定代表人",
    }
    base.update(over)
    return base


def csv_bytes(rows: Sequence[dict[str, Any]], *, header: Sequence[str] = HEADER, bom: bool = False) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    data = out.getvalue().encode()
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: Sequence[dict[str, Any]], *, header: Sequence[str] = HEADER) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("专家")
    ws.append(list(header))
    for r in rows:
        ws.append([r.get(h) for h in header])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


POOL_TABLES = (Expert, ExpertSpecialty, ExpertEmployment, ExpertPenalty, ExpertDeclaration, User, OutboxMessage)


async def counts(db: AsyncSession) -> dict[str, int]:
    """Row counts of every table an import writes."""
    out: dict[str, int] = {}
    for model in POOL_TABLES:
        rows = await query(db, select(func.count()).select_from(model))
        out[model.__tablename__] = int(rows[0][0])
    return out
