"""Importing the expert pool (评标专家库) from CSV and XLSX: all rows or none, created / updated / unchanged.

Qualification data (years, senior title: Evaluation Rules Art.11) and avoidance data (employers, relatives and
interests, penalties: Evaluation Rules Art.12; GP Regs Art.9) come in through this import.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.audit.service import verify_chain
from ggzy.auth.passwords import verify_password
from ggzy.expert import pool_service as svc
from ggzy.expert.errors import ImportConflict, ImportInvalid
from ggzy.expert.models import (
    DeclarationKind,
    Expert,
    ExpertDeclaration,
    ExpertEmployment,
    ExpertPenalty,
    ExpertSpecialty,
    ExpertStatus,
)
from ggzy.kit.clock import FrozenClock
from ggzy.kit.errors import DomainError
from ggzy.notify.models import OutboxMessage
from ggzy.party.models import Organisation, OrgKind, Role, User
from tests.expert.pool_helpers import counts, csv_bytes, id_number, phone, row, uscc, xlsx_bytes
from tests.factories import create_party, query


async def _staff(db: AsyncSession, clock: FrozenClock):  # type: ignore[no-untyped-def]
    _, _, actor = await create_party(db, OrgKind.centre, now=clock.now())
    return actor


@pytest.mark.parametrize("fmt", ["csv", "csv-bom", "xlsx"])
async def test_import_creates_experts_logins_and_children(db: AsyncSession, clock: FrozenClock, fmt: str) -> None:
    staff = await _staff(db, clock)
    rows = [row(1), row(2, 处罚="2024-05-01|2025-04-30|杭州市住建局|无正当理由缺席评标"), row(3, 申报="")]
    content = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows, bom=fmt == "csv-bom")

    result = await svc.import_experts(db, staff, content, filename=f"pool.{fmt[:4]}", now=clock.now())

    assert (result.created, result.updated, result.unchanged, result.rows) == (3, 0, 0, 3)
    assert result.kind == ("xlsx" if fmt == "xlsx" else "csv")
    assert [o[0] for o in result.outcomes] == [2, 3, 4]  # header is row 1
    experts = {r.id_number: r for r in await query(db, select(Expert.id, Expert.id_number, Expert.name,
               Expert.years_in_field, Expert.years_as_of, Expert.senior_title, Expert.status, Expert.user_id,
               Expert.employer_credit_code))}
    e1 = experts[id_number(1)]
    assert (e1.name, e1.years_in_field, e1.senior_title, e1.status) == ("专家1", 15, True, ExpertStatus.active)
    assert e1.years_as_of == date(2026, 3, 2)
    assert e1.employer_credit_code == uscc(2)
    codes = await query(db, select(ExpertSpecialty.code).where(ExpertSpecialty.expert_id == e1.id))
    assert sorted(c[0] for c in codes) == ["A08", "A0801"]
    jobs = await query(db, select(ExpertEmployment.org_name, ExpertEmployment.start, ExpertEmployment.end)
                       .where(ExpertEmployment.expert_id == e1.id).order_by(ExpertEmployment.start))
    assert [tuple(j) for j in jobs] == [("浙江建工集团", date(2005, 7, 1), date(2012, 12, 31)),
                                        ("杭州设计院1", date(2013, 1, 1), None)]
    decl = await query(db, select(ExpertDeclaration.kind, ExpertDeclaration.org_credit_code)
                       .where(ExpertDeclaration.expert_id == e1.id))
    assert [tuple(d) for d in decl] == [(DeclarationKind.relative, uscc(901))]
    pen = await query(db, select(ExpertPenalty.until, ExpertPenalty.authority)
                      .where(ExpertPenalty.expert_id == experts[id_number(2)].id))
    assert [tuple(p) for p in pen] == [(date(2025, 4, 30), "杭州市住建局")]

    # Each expert got a login in the one pool organisation, username = phone, and the password works once told.
    users = {u.username: u for u in await query(db, select(User.id, User.username, User.role, User.password_hash,
                                                               User.organisation_id))}
    login = next(x for x in result.logins if x.row == 2)
    assert login.username == phone(1)
    u1 = users[phone(1)]
    assert u1.id == e1.user_id and u1.role == Role.expert
    assert verify_password(u1.password_hash, login.initial_password)
    orgs = await query(db, select(Organisation.id).where(Organisation.kind == OrgKind.expert))
    assert [o[0] for o in orgs] == [u1.organisation_id]
    sms = await query(db, select(OutboxMessage.address, OutboxMessage.body).where(OutboxMessage.address == phone(1)))
    assert len(sms) == 1 and login.initial_password in sms[0].body

    # One audit event for the import (counts and the file's SHA-256), never a password; the chain still verifies.
    events = await query(db, select(AuditEvent.after).where(AuditEvent.tag == "expert:imported"))
    assert len(events) == 1
    after = events[0][0]
    assert (after["created"], after["file_sha256"]) == (3, result.file_sha256)
    assert login.initial_password not in str(after)
    assert (await verify_chain(db)).ok


async def test_reimport_updates_changed_rows_and_reports_unchanged(db: AsyncSession, clock: FrozenClock) -> None:
    staff = await _staff(db, clock)
    first = [row(1), row(2), row(3)]
    await svc.import_experts(db, staff, csv_bytes(first), now=clock.now())
    before = await counts(db)
    clock.advance(days=30)

    second = [
        row(1),  # the same: unchanged
        row(2, 职称="正高级工程师", 从业年限="16", 专业="A0801;B02", 工作经历=""),  # data, specialties, history changed
        row(3, 处罚="2026-01-05||省住建厅|评标中违法打分"),  # a new permanent penalty only
        row(4),  # new
    ]
    result = await svc.import_experts(db, staff, xlsx_bytes(second), now=clock.now())

    assert (result.created, result.updated, result.unchanged) == (1, 2, 1)
    assert [o[2] for o in result.outcomes] == ["unchanged", "updated", "updated", "created"]
    assert len(result.logins) == 1 and result.logins[0].row == 5
    after = await counts(db)
    assert after["experts"] == before["experts"] + 1
    assert after["users"] == before["users"] + 1  # updates make no second login
    e2 = (await query(db, select(Expert.id, Expert.title, Expert.years_in_field, Expert.years_as_of)
                      .where(Expert.id_number == id_number(2))))[0]
    assert (e2.title, e2.years_in_field, e2.years_as_of) == ("正高级工程师", 16, date(2026, 4, 1))
    codes = await query(db, select(ExpertSpecialty.code).where(ExpertSpecialty.expert_id == e2.id))
    assert sorted(c[0] for c in codes) == ["A0801", "B02"]
    assert not await query(db, select(ExpertEmployment.id).where(ExpertEmployment.expert_id == e2.id))
    # Penalties and declarations are only ever added by an import: the file of row 2 had the same declaration.
    assert len(await query(db, select(ExpertDeclaration.id).where(ExpertDeclaration.expert_id == e2.id))) == 1
    e3 = (await query(db, select(Expert.id).where(Expert.id_number == id_number(3))))[0]
    pens = await query(db, select(ExpertPenalty.until).where(ExpertPenalty.expert_id == e3.id))
    assert [p[0] for p in pens] == [None]

    # Importing the second file again changes nothing at all.
    again = await svc.import_experts(db, staff, xlsx_bytes(second), now=clock.now())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert await counts(db) == after


async def test_errors_in_several_rows_are_all_reported_and_nothing_is_written(
    db: AsyncSession, clock: FrozenClock
) -> None:
    staff = await _staff(db, clock)
    await svc.import_experts(db, staff, csv_bytes([row(1)]), now=clock.now())
    before = await counts(db)
    bad_check = id_number(3)[:17] + ("0" if id_number(3)[17] != "0" else "1")
    rows = [
        row(2),  # fine, but must not be written either
        row(3, 身份证号=bad_check),  # row 3: check digit
        row(4, 手机="12345", 专业="工程"),  # row 4: phone and specialty
        row(5, 单位信用代码="91330100MA0000015X", 地区="990100"),  # row 5: credit code and region
        row(6, 工作经历="某单位|bad|2030-01-01|", 处罚="2024-01-01|2023-01-01||理由"),  # row 6: future start, order
        row(7, 身份证号=id_number(2)),  # row 7: same ID number as row 2
        row(8, 从业年限="abc", 申报="cousin|某公司||"),  # row 8: years and declaration kind
    ]
    with pytest.raises(ImportInvalid) as caught:
        await svc.import_experts(db, staff, csv_bytes(rows), now=clock.now())
    await db.rollback()

    err = caught.value
    assert err.status == 422 and err.code == "expert.import_invalid"
    found = {(e["row"], e["field"], e["code"]) for e in err.detail["errors"]}
    assert found == {
        (3, "id_number", "expert.id_number_invalid"),
        (4, "phone", "expert.phone_invalid"),
        (4, "specialties", "expert.specialty_invalid"),
        (5, "employer_credit_code", "expert.credit_code_invalid"),
        (5, "region", "expert.region_invalid"),
        (6, "employments", "expert.credit_code_invalid"),
        (6, "penalties", "expert.date_order"),
        (7, "id_number", "expert.id_number_duplicate"),
        (8, "years_in_field", "expert.years_invalid"),
        (8, "declarations", "expert.declaration_kind_invalid"),
    }
    by_row = {e["row"]: e for e in err.detail["errors"]}
    assert by_row[3]["column"] == "身份证号" and "校验位" in by_row[3]["message"]
    assert by_row[7]["message"] == "该身份证号码与第2行重复"
    assert err.detail["error_count"] == 10 and err.detail["rows"] == 7
    assert await counts(db) == before


async def test_employment_errors_name_the_entry(db: AsyncSession, clock: FrozenClock) -> None:
    staff = await _staff(db, clock)
    jobs = f"甲单位||2001-01-01|2002-01-01;乙单位|{uscc(5)}|2030-01-01|;丙单位|2003-01-01"
    with pytest.raises(ImportInvalid) as caught:
        await svc.import_experts(db, staff, csv_bytes([row(1, 工作经历=jobs)]), now=clock.now())
    errors = caught.value.detail["errors"]
    assert [(e["entry"], e["code"]) for e in errors] == [(2, "expert.date_in_future"), (3, "expert.entry_invalid")]
    assert errors[0]["message"].startswith("第2条：")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "expert.import_empty"),
        ("姓名,身份证号\n".encode(), "expert.import_empty"),
        ("姓名\n张三\n".encode("gbk"), "expert.import_unreadable"),
        (b"PK\x03\x04not really a zip file", "expert.import_unreadable"),
    ],
)
async def test_unreadable_or_empty_files_are_refused(
    db: AsyncSession, clock: FrozenClock, content: bytes, code: str
) -> None:
    staff = await _staff(db, clock)
    with pytest.raises(DomainError) as caught:
        await svc.import_experts(db, staff, content, now=clock.now())
    assert (caught.value.code, caught.value.status) == (code, 422)


async def test_header_problems_are_row_1_errors(db: AsyncSession, clock: FrozenClock) -> None:
    staff = await _staff(db, clock)
    header = ["name", "身份证号", "手机", "手机号码", "工作单位", "职称", "从业年限", "专业", "备注"]
    content = csv_bytes([row(1, name="专家1")], header=header)
    with pytest.raises(ImportInvalid) as caught:
        await svc.import_experts(db, staff, content, now=clock.now())
    found = {(e["row"], e["field"], e["code"]) for e in caught.value.detail["errors"]}
    assert found == {
        (1, "phone", "expert.import_duplicate_column"),
        (1, "备注", "expert.import_unknown_column"),
        (1, "region", "expert.import_missing_column"),
    }


async def test_english_headers_and_numeric_cells_from_excel(db: AsyncSession, clock: FrozenClock) -> None:
    """English keys are accepted; numbers Excel stored as numbers are read as text — except the ID number,
    whose last digits a number cell has already lost."""
    staff = await _staff(db, clock)
    header = ["name", "id_number", "phone", "employer", "title", "senior_title", "years_in_field", "specialties",
              "region"]
    good = {"name": "王五", "id_number": id_number(7), "phone": int(phone(7)), "employer": "某院", "title": "教授",
            "senior_title": "yes", "years_in_field": 20, "specialties": "c01", "region": 330100}
    result = await svc.import_experts(db, staff, xlsx_bytes([good], header=header), now=clock.now())
    assert result.created == 1
    got = (await query(db, select(Expert.phone, Expert.region, Expert.senior_title)))[0]
    assert tuple(got) == (phone(7), "330100", True)

    numeric = {**good, "id_number": int(id_number(8)[:17] + "0"), "phone": phone(8)}
    with pytest.raises(ImportInvalid) as caught:
        await svc.import_experts(db, staff, xlsx_bytes([numeric], header=header), now=clock.now())
    assert [(e["row"], e["field"]) for e in caught.value.detail["errors"]] == [(2, "id_number")]
    assert "文本" in caught.value.detail["errors"][0]["message"]


async def test_phone_taken_as_username_falls_back_to_id_number(db: AsyncSession, clock: FrozenClock) -> None:
    staff = await _staff(db, clock)
    # Two experts share a phone (e.g. an office number): the second login is named by the ID number.
    result = await svc.import_experts(db, staff, csv_bytes([row(1), row(2, 手机=phone(1))]), now=clock.now())
    assert [x.username for x in result.logins] == [phone(1), id_number(2)]


async def test_a_larger_file_goes_through_the_bulk_paths(db: AsyncSession, clock: FrozenClock) -> None:
    """1,200 rows: several IN-list chunks, bulk inserts (COPY on PostgreSQL) and the statistics refresh."""
    staff = await _staff(db, clock)
    rows = [row(n) for n in range(1, 1201)]
    first = await svc.import_experts(db, staff, csv_bytes(rows), now=clock.now())
    assert (first.created, len({x.username for x in first.logins})) == (1200, 1200)
    rows[1100] = row(1101, 专业="B0101")
    second = await svc.import_experts(db, staff, csv_bytes(rows), now=clock.now())
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1199)
    got = await query(db, select(ExpertSpecialty.code).join(Expert, Expert.id == ExpertSpecialty.expert_id)
                      .where(Expert.id_number == id_number(1101)))
    assert [c[0] for c in got] == ["B0101"]
    assert (await counts(db))["expert_specialties"] == 1199 * 2 + 1


async def test_a_login_taken_meanwhile_is_a_conflict_and_nothing_is_written(
    db: AsyncSession, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another transaction takes the username between the check and the insert: 409, nothing half-imported."""
    staff = await _staff(db, clock)
    _, other, _ = await create_party(db, OrgKind.bidder, now=clock.now())
    before = await counts(db)

    async def stale(_session: AsyncSession, new_rows: list[Any]) -> dict[str, str]:
        return {rec.id_number: other.username for _, rec in new_rows}

    monkeypatch.setattr(svc, "_assign_usernames", stale)
    with pytest.raises(ImportConflict) as caught:
        await svc.import_experts(db, staff, csv_bytes([row(1)]), now=clock.now())
    assert caught.value.status == 409
    await db.rollback()
    assert await counts(db) == before
