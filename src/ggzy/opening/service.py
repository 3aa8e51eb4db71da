"""Use cases of the remote opening hall (不见面开标): the deadline hand-over, sign-in, the decryption window,
platform faults and the rescue key, the floating coefficient, 唱标 with live objections, confirmation and the
published record.

Every write locks the opening row, re-checks its stage and its clock inside the transaction, appends its audit
event and commits; live events go out only after the commit. Public events carry the stage and the countdown
only: the hall's parties re-fetch their own view, and the public sees the record once it is published.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor, system_actor
from ggzy.bid import rescue as bid_rescue
from ggzy.bid import service as bid_service
from ggzy.bid.models import Bid, KeySet, RescueKey, RescueShare
from ggzy.kit.clock import Clock
from ggzy.kit.db import commit
from ggzy.kit.errors import DomainError
from ggzy.kit.timefmt import show
from ggzy.notify.service import notify_orgs
from ggzy.opening import rules, state
from ggzy.opening.errors import (
    AlreadyAnswered,
    BadDataKey,
    BadOpeningTransition,
    CentreOnly,
    ConfirmClosed,
    EntryNotFound,
    NotABidder,
    NotHallParty,
    NothingToRescue,
    NotHost,
    NotPending,
    ObjectionNotFound,
    ObjectionsOpen,
    OpeningNotFound,
    RecordMismatch,
    RecordNotPublished,
    RescuePending,
    SignInClosed,
    TextRequired,
    WindowClosed,
)
from ggzy.opening.models import (
    DecryptStatus,
    Opening,
    OpeningEntry,
    OpeningObjection,
    OpeningSignIn,
    OpeningStatus,
)
from ggzy.opening.record import RecordData, RecordObjection, RecordRow, render_pdf
from ggzy.project.models import Notice, NoticeKind, Project
from ggzy.project.service import org_names
from ggzy.realtime.broker import publish_after_commit
from ggzy.realtime.channels import register_channel
from ggzy.sealing.codec import b64d, b64e
from ggzy.sealing.envelope import open_bid, unwrap_data_key
from ggzy.sealing.errors import EnvelopeAuthFailed, SealingError
from ggzy.sealing.suites import get_suite
from ggzy.storage.blobstore import BlobStore, LocalBlobStore
from ggzy.tender import documents as tender_docs
from ggzy.tender import state as tender_state
from ggzy.tender.models import Lot, Tender, TenderStatus

HALL = system_actor("opening")
"""The platform acting at the deadline and when a window expires (`system:opening`)."""
CHANNEL = "opening:"
S = OpeningStatus
D = DecryptStatus


def channel(tender_id: str) -> str:
    return f"{CHANNEL}{tender_id}"


async def _anyone(_s: AsyncSession, _a: Actor, _c: str) -> bool:
    return True


# Public: events say only which stage the hall is in and its countdown; each party re-fetches its own view.
register_channel(CHANNEL, _anyone, prefix=True, public=True)


def _event(session: AsyncSession, opening: Opening | None, tender: Tender, what: str) -> None:
    data: dict[str, Any] = {"what": what, "tender_status": str(tender.status)}
    if opening is not None:
        data.update(
            status=str(opening.status),
            decrypt_until=opening.decrypt_until.isoformat() if opening.decrypt_until else None,
            confirm_until=opening.confirm_until.isoformat() if opening.confirm_until else None,
            rescue_until=opening.rescue_until.isoformat() if opening.rescue_until else None,
        )
    publish_after_commit(session, None, channel(tender.id), "opening:changed", data)


# ---------------------------------------------------------------- loading


async def _opening(session: AsyncSession, tender_id: str, *, lock: bool = False) -> Opening:
    stmt = select(Opening).where(Opening.tender_id == tender_id)
    if lock:
        stmt = stmt.with_for_update()
    opening = (await session.execute(stmt)).scalars().first()
    if opening is None:
        raise OpeningNotFound()
    return opening


async def _entries(session: AsyncSession, opening_id: str) -> list[OpeningEntry]:
    """In 唱标 order: by lot, then in the order the bids were received."""
    stmt = (
        select(OpeningEntry)
        .join(Lot, Lot.id == OpeningEntry.lot_id)
        .join(Bid, Bid.id == OpeningEntry.bid_id)
        .where(OpeningEntry.opening_id == opening_id)
        .order_by(Lot.number, Bid.received_at, OpeningEntry.id)
    )
    return list((await session.execute(stmt)).scalars().all())


async def _entry(session: AsyncSession, opening: Opening, entry_id: str) -> OpeningEntry:
    entry = (await session.execute(
        select(OpeningEntry).where(OpeningEntry.id == entry_id, OpeningEntry.opening_id == opening.id)
    )).scalars().first()
    if entry is None:
        raise EntryNotFound()
    return entry


async def _objections(session: AsyncSession, opening_id: str) -> list[OpeningObjection]:
    stmt = (select(OpeningObjection).where(OpeningObjection.opening_id == opening_id)
            .order_by(OpeningObjection.raised_at, OpeningObjection.id))
    return list((await session.execute(stmt)).scalars().all())


async def _lots(session: AsyncSession, tender_id: str) -> list[Lot]:
    return list((await session.execute(
        select(Lot).where(Lot.tender_id == tender_id).order_by(Lot.number))).scalars().all())


def _lot_label(lot: Lot) -> str:
    return f"{lot.number} {lot.name}"


async def _bidder_orgs(session: AsyncSession, opening_id: str) -> list[str]:
    stmt = select(OpeningEntry.bidder_org_id).where(OpeningEntry.opening_id == opening_id).distinct()
    return list((await session.execute(stmt)).scalars().all())


async def _custodian_orgs(session: AsyncSession, tender_id: str) -> set[str]:
    stmt = (select(RescueShare.custodian_org_id).join(RescueKey, RescueKey.id == RescueShare.rescue_key_id)
            .where(RescueKey.tender_id == tender_id))
    return set((await session.execute(stmt)).scalars().all())


async def _settled(session: AsyncSession, opening_id: str) -> bool:
    """No entry is still waiting for its data key. A count, not a load: it runs on every decryption, and loading
    every entry there made an opening of n bids cost n² (benchmarks/opening.py --service)."""
    stmt = select(func.count(OpeningEntry.id)).where(
        OpeningEntry.opening_id == opening_id, OpeningEntry.decrypt_status == D.pending)
    return int((await session.execute(stmt)).scalar_one()) == 0


def _snapshot(e: OpeningEntry) -> dict[str, Any]:
    return {"entry_id": e.id, "bid_id": e.bid_id, "lot_id": e.lot_id, "bidder_org_id": e.bidder_org_id,
            "decrypt_status": e.decrypt_status, "failure_reason": e.failure_reason}


def _managers(tender: Tender) -> list[str]:
    return [o for o in (tender.agency_org_id, tender.tenderer_org_id) if o]


# ---------------------------------------------------------------- at the deadline (tender hook)


async def start_opening(session: AsyncSession, tender: Tender, now: datetime) -> Opening | None:
    """In the closing transaction: pull the active bids; lots with fewer than 3 fail (Bidding Regs Art.44).

    Every lot failing fails the tender (流标) with a public notice that it will be re-tendered (MOF 87
    Art.41); no bid is ever decrypted. Otherwise the tender moves to `opening` with one entry per bid of the
    lots that go ahead. Returns the Opening, or None when the tender failed.
    """
    bids = await bid_service.active_bids(session, tender.id)
    lots = await _lots(session, tender.id)
    by_id = {lot.id: lot for lot in lots}
    outcomes = rules.lot_outcomes([lot.id for lot in lots], [b.lot_id for b in bids])
    failed = [o for o in outcomes if not o.goes_ahead]
    going = {o.lot_id for o in outcomes if o.goes_ahead}
    deadline = tender.bid_deadline or now
    bidders = list(dict.fromkeys(b.bidder_org_id for b in bids))
    failed_rows = [{"lot_id": o.lot_id, "number": by_id[o.lot_id].number, "name": by_id[o.lot_id].name,
                    "bids": o.bids} for o in failed if o.lot_id in by_id]
    notice = await _failure_notice(session, tender, failed_rows, whole=not going, now=now) if failed else None
    if not going:
        before = {"status": tender.status}
        tender_state.transition_to(tender, TenderStatus.failed)
        tender.updated_at, tender.next_check_at = now, None
        await record(session, "tender:failed", HALL, subject_type="tender", subject_id=tender.id,
                     project_id=tender.project_id, before=before, now=now,
                     after={"status": tender.status, "reason": "fewer_than_3_bids", "lots": failed_rows,
                            "notice_id": notice.id if notice else None, "law": "Bidding Regs Art.44; MOF 87 Art.41"})
        await notify_orgs(
            session, [*_managers(tender), *bidders], kind="tender:failed", tender_id=tender.id,
            project_id=tender.project_id, now=now, link=f"/notices/{notice.id}" if notice else "",
            title_zh=f"流标：{tender.title}", title_en=f"Tender failed: {tender.title}",
            body_zh=f"{tender.code} 投标人不足3家，不予开标，将依法重新招标（《招标投标法实施条例》第四十四条）。",
            body_en=f"{tender.code}: fewer than 3 bidders; no opening, the tender will be re-tendered (Bidding Regs "
                    "Art.44).",
        )
        _event(session, None, tender, "failed")
        return None

    opening = Opening(
        tender_id=tender.id, status=S.signing_in, started_at=deadline,
        window_minutes=tender.decryption_window_minutes, failed_lots=failed_rows,
    )
    session.add(opening)
    await session.flush()
    entries = [OpeningEntry(opening_id=opening.id, bid_id=b.id, lot_id=b.lot_id, bidder_org_id=b.bidder_org_id,
                            decrypt_status=D.pending) for b in bids if b.lot_id in going]
    session.add_all(entries)
    before = {"status": tender.status}
    tender_state.transition_to(tender, TenderStatus.opening)
    tender.updated_at, tender.next_check_at = now, None
    await session.flush()
    await record(session, "opening:started", HALL, subject_type="tender", subject_id=tender.id,
                 project_id=tender.project_id, before=before, now=now,
                 after={"status": tender.status, "opening_id": opening.id, "started_at": deadline,
                        "window_minutes": opening.window_minutes, "entries": [_snapshot(e) for e in entries],
                        "failed_lots": failed_rows})
    await notify_orgs(
        session, [*_managers(tender), *bidders], kind="opening:started", tender_id=tender.id,
        project_id=tender.project_id, now=now, link=f"/tenders/{tender.id}/opening",
        title_zh=f"开标大厅已开启：{tender.title}", title_en=f"Opening hall open: {tender.title}",
        body_zh=f"{tender.code} 已于 {show(deadline)}（北京时间）开标，请投标人进入开标大厅签到并在解密时间内解密。",
        body_en=f"{tender.code}: the opening started at {show(deadline)} (Beijing); bidders sign in and decrypt "
                "within the window.",
    )
    _event(session, opening, tender, "started")
    return opening


async def _failure_notice(session: AsyncSession, tender: Tender, failed: list[dict[str, Any]], *, whole: bool,
                          now: datetime) -> Notice:
    project = await session.get(Project, tender.project_id)
    lines = [f"标段 {f['number']} {f['name']}：有效投标人 {f['bids']} 家，不足3家" for f in failed]
    what = "本项目" if whole else "下列标段"
    body = (f"{tender.title}（项目编号 {tender.code}）于 {show(tender.bid_deadline)}（北京时间）投标截止。\n"
            f"{what}投标人不足3家，不予开标，按流标处理，招标人将依法重新招标"
            "（《招标投标法实施条例》第四十四条；《政府采购货物和服务招标投标管理办法》第四十一条）。\n\n"
            + "\n".join(lines))
    notice = Notice(
        project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.tender_failed, line=tender.line,
        region=project.region if project else "", title=f"{tender.title}流标公告", body=body,
        data={"lots": failed, "whole_tender": whole, "retender": True}, published_at=now,
        published_by="system:opening",
    )
    session.add(notice)
    await session.flush()
    return notice


# ---------------------------------------------------------------- sign-in, bidder list


async def sign_in(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> OpeningSignIn:
    """签到: a bidder with a bid in the hall, from the opening until the decryption window closes."""
    opening = await _opening(session, tender_id, lock=True)
    if actor.org_id is None or actor.user_id is None or actor.org_id not in await _bidder_orgs(session, opening.id):
        raise NotABidder()
    if opening.status not in (S.signing_in, S.decrypting) or (
            opening.decrypt_until is not None and now >= opening.decrypt_until):
        raise SignInClosed()
    existing = (await session.execute(select(OpeningSignIn).where(
        OpeningSignIn.opening_id == opening.id, OpeningSignIn.org_id == actor.org_id))).scalars().first()
    if existing is not None:
        return existing  # signing in twice is harmless; the first time counts
    row = OpeningSignIn(opening_id=opening.id, org_id=actor.org_id, user_id=actor.user_id, at=now, ip=actor.ip)
    session.add(row)
    await session.flush()
    tender = await tender_docs.get_tender(session, tender_id)
    await record(session, "opening:signed_in", actor, subject_type="opening", subject_id=opening.id,
                 project_id=tender.project_id, now=now, after={"tender_id": tender_id, "org_id": actor.org_id})
    _event(session, opening, tender, "signed_in")
    await commit(session)
    return row


async def _hosted(session: AsyncSession, actor: Actor, tender_id: str) -> tuple[Tender, Opening]:
    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    if not rules.hosts(actor, tender):
        raise NotHost()
    return tender, await _opening(session, tender_id, lock=True)


async def publish_bidders(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> Opening:
    """The host publishes the bidder list and the decryption window opens (countdown from now)."""
    tender, opening = await _hosted(session, actor, tender_id)
    state.transition_to(opening, S.decrypting)
    opening.bidder_list_published_at = opening.decrypt_opens_at = now
    opening.decrypt_until = now + timedelta(minutes=opening.window_minutes)
    opening.next_check_at = opening.decrypt_until
    entries = await _entries(session, opening.id)
    names = await org_names(session, [e.bidder_org_id for e in entries])
    await record(session, "opening:bidders_published", actor, subject_type="opening", subject_id=opening.id,
                 project_id=tender.project_id, now=now, before={"status": S.signing_in},
                 after={"status": opening.status, "decrypt_until": opening.decrypt_until,
                        "bidders": [{"org_id": e.bidder_org_id, "name": names.get(e.bidder_org_id, ""),
                                     "lot_id": e.lot_id} for e in entries]})
    await notify_orgs(
        session, [e.bidder_org_id for e in entries], kind="opening:decrypting", tender_id=tender.id,
        project_id=tender.project_id, now=now, link=f"/tenders/{tender.id}/opening",
        title_zh=f"请解密投标文件：{tender.title}", title_en=f"Decrypt your bid: {tender.title}",
        body_zh=f"解密截止时间 {show(opening.decrypt_until)}（北京时间）；逾期未解密视为撤销投标。",
        body_en=f"Decrypt by {show(opening.decrypt_until)} (Beijing); a bid not decrypted in time is deemed revoked.",
    )
    _event(session, opening, tender, "bidders_published")
    await commit(session)
    return opening


# ---------------------------------------------------------------- decryption


@dataclass(frozen=True)
class _Outcome:
    status: DecryptStatus
    reason: str = ""
    opened: Any = None
    data_key: bytes | None = None


def _file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def _blob_path(blobs: BlobStore, sha256: str) -> Path:
    if not isinstance(blobs, LocalBlobStore):
        raise TypeError("the opening reads envelopes from the local blob store")
    return blobs.path_for(sha256)


def _open_one(path: Path, data_key: bytes, *, sha256: str, sign_public: bytes, expect: dict[str, str],
              ok_status: DecryptStatus) -> _Outcome:
    """One bid, one streaming pass (runs in a worker thread). A wrong key is refused; damage is recorded."""
    try:
        opened = open_bid(path, data_key, expected_sha256=sha256, sign_public=sign_public)
    except FileNotFoundError:
        return _Outcome(D.failed, "stored envelope missing (platform storage)")
    except SealingError as exc:
        # A tag failure is what both a wrong key and altered bytes look like: the stored hash tells them apart.
        actual = _file_sha256(path)
        if actual != sha256:
            return _Outcome(D.failed, "stored envelope altered: its SHA-256 no longer matches the receipt")
        if isinstance(exc, EnvelopeAuthFailed):
            raise BadDataKey() from None
        return _Outcome(D.failed, f"envelope/package invalid: {exc}", data_key=data_key)
    problems = list(opened.problems)
    for name, value in expect.items():
        if opened.manifest.get(name) != value:
            problems.append(f"{name}: the package names another {name} than the bid")
    if problems:
        return _Outcome(D.failed, "; ".join(problems), opened, data_key)
    return _Outcome(ok_status, "", opened, data_key)


def _apply(entry: OpeningEntry, out: _Outcome, now: datetime) -> None:
    entry.decrypt_status = out.status
    entry.failure_reason = out.reason
    if out.data_key is not None:
        entry.data_key = b64e(out.data_key)
    if out.opened is not None:
        sheet = out.opened.sheet if isinstance(out.opened.sheet, dict) else {}
        f = rules.sheet_fields(sheet)
        entry.decrypted_at = now
        entry.signature_ok = bool(out.opened.signature_ok)
        entry.sheet = sheet
        entry.price, entry.price_in_words, entry.words_match = f.price, f.price_in_words, f.words_match
        entry.duration_days, entry.quality = f.duration_days, f.quality
        entry.project_lead, entry.lead_certificate = f.project_lead, f.lead_certificate
        entry.files = [{"name": n, "size": s, "digest": d} for n, s, d in out.opened.files]


async def decrypt_entry(
    session: AsyncSession, actor: Actor, tender_id: str, entry_id: str, data_key_b64: str, *, clock: Clock,
    blobs: BlobStore,
) -> OpeningEntry:
    """A bidder hands over the data key its browser unwrapped; the platform opens and verifies the bid.

    The envelope is read OUTSIDE any transaction (a 200 MB bid must not hold SQLite's write lock); the window
    and the entry are checked again, at the clock, in the writing transaction.
    """
    opening = await _opening(session, tender_id)
    entry = await _entry(session, opening, entry_id)
    if actor.org_id is None or actor.org_id != entry.bidder_org_id:
        raise NotABidder()
    now = clock.now()
    if opening.status != S.decrypting or opening.decrypt_until is None or now >= opening.decrypt_until:
        raise WindowClosed()
    if entry.decrypt_status != D.pending:
        raise NotPending()
    bid = await session.get(Bid, entry.bid_id)
    key_set = await session.get(KeySet, bid.key_set_id) if bid else None
    if bid is None or key_set is None:
        raise EntryNotFound()
    try:
        data_key = b64d(data_key_b64.strip())
    except (ValueError, AttributeError):
        raise BadDataKey(detail={"check": "base64"}) from None
    if len(data_key) != get_suite(bid.suite).data_key_len:
        raise BadDataKey(detail={"check": "length"})
    sha, path = bid.sha256, _blob_path(blobs, bid.sha256)
    sign_public = b64d(key_set.sign_public)
    expect = {"tender_id": bid.tender_id, "lot_id": bid.lot_id, "bidder_org_id": bid.bidder_org_id}
    await session.rollback()  # end the read transaction before the long part

    try:
        out = await asyncio.to_thread(_open_one, path, data_key, sha256=sha, sign_public=sign_public,
                                      expect=expect, ok_status=D.decrypted)
    except BadDataKey:
        await _refused(session, actor, tender_id, entry_id, now=clock.now())
        raise

    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    opening = await _opening(session, tender_id, lock=True)
    entry = await _entry(session, opening, entry_id)
    now = clock.now()
    if opening.status != S.decrypting or opening.decrypt_until is None or now >= opening.decrypt_until:
        raise WindowClosed()
    if entry.decrypt_status != D.pending:
        raise NotPending()
    _apply(entry, out, now)
    tag = "opening:decrypted" if out.status == D.decrypted else "opening:decrypt_failed"
    await record(session, tag, actor, subject_type="opening_entry", subject_id=entry.id,
                 project_id=tender.project_id, now=now,
                 after={**_snapshot(entry), "tender_id": tender_id, "signature_ok": entry.signature_ok,
                        "sha256": sha})
    if await _settled(session, opening.id):
        await _end_decryption(session, opening, tender, now, early=True)  # nobody left to wait for
    _event(session, opening, tender, "decrypted")
    await commit(session)
    return entry


async def _refused(session: AsyncSession, actor: Actor, tender_id: str, entry_id: str, *, now: datetime) -> None:
    """Keep a trace of a refused key (Art.49: every step recorded); the bidder may retry within the window."""
    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    await record(session, "opening:key_refused", actor, subject_type="opening_entry", subject_id=entry_id,
                 project_id=tender.project_id, now=now, after={"tender_id": tender_id})
    await commit(session)


async def _end_decryption(session: AsyncSession, opening: Opening, tender: Tender, now: datetime, *,
                          early: bool) -> None:
    """Window over: still pending is 视为撤销 (the bidder's own fault, E-Bidding Measures Art.31); 唱标 starts."""
    entries = await _entries(session, opening.id)
    revoked = []
    for e in entries:
        if e.decrypt_status == D.pending:
            e.decrypt_status = D.deemed_revoked
            e.failure_reason = "未在解密时间内解密（投标人原因）"
            revoked.append(e.id)
    state.transition_to(opening, S.announcing)
    opening.announced_at = now
    opening.next_check_at = opening.rescue_until if opening.rescue_until and opening.rescue_until > now else None
    await record(session, "opening:window_closed", HALL, subject_type="opening", subject_id=opening.id,
                 project_id=tender.project_id, now=now, before={"status": S.decrypting},
                 after={"status": opening.status, "early": early, "deemed_revoked": revoked,
                        "law": "E-Bidding Measures Art.31"})
    if tender.coefficient_range:
        await _draw_coefficient(session, opening, tender, now)


async def _draw_coefficient(session: AsyncSession, opening: Opening, tender: Tender, now: datetime) -> None:
    """下浮系数: drawn on the server with `secrets`, logged with every candidate and the index drawn."""
    rng = tender.coefficient_range or {}
    candidates = rules.coefficient_candidates(rng)
    index = secrets.randbelow(len(candidates))
    opening.floating_coefficient = candidates[index]
    opening.coefficient_draw = {"range": dict(rng), "candidates": candidates, "index": index,
                                "value": candidates[index], "at": now.isoformat(), "source": "secrets.randbelow"}
    await record(session, "opening:coefficient_drawn", HALL, subject_type="opening", subject_id=opening.id,
                 project_id=tender.project_id, now=now, after=opening.coefficient_draw)


# ---------------------------------------------------------------- platform faults and the rescue key


async def record_fault(session: AsyncSession, actor: Actor, tender_id: str, entry_id: str, reason: str, *,
                       now: datetime) -> OpeningEntry:
    """The centre records that a bid could not be decrypted through the platform's fault: 视为撤回, and where the
    tender has a rescue plan the custodians are called in (E-Bidding Measures Art.31)."""
    if not actor.is_centre:
        raise CentreOnly()
    reason = (reason or "").strip()
    if not reason:
        raise TextRequired(detail={"field": "reason"})
    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    opening = await _opening(session, tender_id, lock=True)
    if opening.status not in (S.decrypting, S.announcing):
        raise BadOpeningTransition(detail={"from": str(opening.status), "action": "fault"})
    entry = await _entry(session, opening, entry_id)
    if entry.decrypt_status not in rules.FAULT_FROM:
        raise NotPending()
    before = _snapshot(entry)
    entry.decrypt_status = D.deemed_withdrawn
    entry.failure_reason = f"平台原因：{reason[: rules.MAX_TEXT]}"
    if tender.has_rescue_plan and (opening.rescue_until is None or opening.rescue_until <= now):
        opening.rescue_until = rules.rescue_deadline(now, opening.window_minutes)
        if opening.status == S.announcing:
            opening.next_check_at = opening.rescue_until
    await record(session, "opening:platform_fault", actor, subject_type="opening_entry", subject_id=entry.id,
                 project_id=tender.project_id, now=now, before=before,
                 after={**_snapshot(entry), "rescue_until": opening.rescue_until,
                        "law": "E-Bidding Measures Art.31"})
    custodians = await _custodian_orgs(session, tender_id) if tender.has_rescue_plan else set()
    await notify_orgs(
        session, [entry.bidder_org_id, *sorted(custodians)], kind="opening:platform_fault", tender_id=tender.id,
        project_id=tender.project_id, now=now, link=f"/tenders/{tender.id}/opening",
        title_zh=f"平台原因解密失败已登记：{tender.title}", title_en=f"Platform fault recorded: {tender.title}",
        body_zh="请补救密钥保管单位进入开标大厅提交密钥分片。" if custodians else "本项目无补救方案，该投标视为撤回。",
        body_en="Rescue-key custodians: hand in your shares in the hall." if custodians
        else "No rescue plan: the bid is deemed withdrawn.",
    )
    if opening.status == S.decrypting and await _settled(session, opening.id):
        await _end_decryption(session, opening, tender, now, early=True)
    _event(session, opening, tender, "platform_fault")
    await commit(session)
    return entry


async def submit_share(session: AsyncSession, actor: Actor, tender_id: str, share_doc: Any, *, now: datetime,
                       blobs: BlobStore) -> int:
    """A custodian hands in its decrypted share; with k in, the rescue key is rebuilt, ONLY the bids recorded as
    platform faults are opened with it, and the shares are wiped. Returns how many bids were opened."""
    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    opening = await _opening(session, tender_id, lock=True)
    if opening.status not in (S.decrypting, S.announcing):
        raise BadOpeningTransition(detail={"from": str(opening.status), "action": "rescue"})
    withdrawn = [e for e in await _entries(session, opening.id) if e.decrypt_status == D.deemed_withdrawn]
    if not withdrawn:
        raise NothingToRescue()  # no decrypted share sits in the database without a reason
    await bid_rescue.submit_share(session, actor, tender_id, share_doc, now=now)
    have, k = await bid_rescue.submitted_count(session, tender_id)
    opened = 0
    if have >= k:
        private = await bid_rescue.rebuild_rescue_private(session, tender_id)
        results: list[dict[str, Any]] = []
        for entry in withdrawn:
            bid = await session.get(Bid, entry.bid_id)
            key_set = await session.get(KeySet, bid.key_set_id) if bid else None
            if bid is None or key_set is None:
                continue
            try:
                data_key = unwrap_data_key(bid_service.bid_header(bid), role="rescue", enc_private=private)
                out = await asyncio.to_thread(
                    _open_one, _blob_path(blobs, bid.sha256), data_key, sha256=bid.sha256,
                    sign_public=b64d(key_set.sign_public), ok_status=D.rescued,
                    expect={"tender_id": bid.tender_id, "lot_id": bid.lot_id, "bidder_org_id": bid.bidder_org_id})
            except (SealingError, BadDataKey) as exc:
                out = _Outcome(D.failed, f"rescue key could not open the bid: {exc}")
            reason = entry.failure_reason
            _apply(entry, out, now)
            entry.failure_reason = "; ".join(x for x in (reason, out.reason) if x)
            opened += out.status == D.rescued
            results.append(_snapshot(entry))
        del private
        await bid_rescue.wipe_submitted_shares(session, tender_id)
        opening.rescue_until = None
        if opening.status == S.announcing:
            opening.next_check_at = None
        await record(session, "opening:rescued", actor, subject_type="opening", subject_id=opening.id,
                     project_id=tender.project_id, now=now,
                     after={"entries": results, "shares_wiped": True, "law": "E-Bidding Measures Art.31"})
    _event(session, opening, tender, "share_submitted")
    await commit(session)
    return opened


# ---------------------------------------------------------------- objections, 唱标, confirmation


async def raise_objection(session: AsyncSession, actor: Actor, tender_id: str, body: str, *,
                          now: datetime) -> OpeningObjection:
    """异议 during the opening, answered on the spot (Bidding Regs Art.44)."""
    text = (body or "").strip()
    if not text:
        raise TextRequired(detail={"field": "body"})
    opening = await _opening(session, tender_id, lock=True)
    if actor.org_id is None or actor.user_id is None or actor.org_id not in await _bidder_orgs(session, opening.id):
        raise NotABidder()
    if opening.status not in (S.signing_in, S.decrypting, S.announcing):
        raise BadOpeningTransition(detail={"from": str(opening.status), "action": "objection"})
    obj = OpeningObjection(opening_id=opening.id, org_id=actor.org_id, user_id=actor.user_id,
                           body=text[: rules.MAX_TEXT], raised_at=now)
    session.add(obj)
    await session.flush()
    tender = await tender_docs.get_tender(session, tender_id)
    await record(session, "opening:objection_raised", actor, subject_type="opening_objection", subject_id=obj.id,
                 project_id=tender.project_id, now=now, after={"tender_id": tender_id, "body": obj.body})
    _event(session, opening, tender, "objection")
    await commit(session)
    return obj


async def answer_objection(session: AsyncSession, actor: Actor, tender_id: str, objection_id: str, answer: str, *,
                           now: datetime) -> OpeningObjection:
    text = (answer or "").strip()
    if not text:
        raise TextRequired(detail={"field": "answer"})
    tender, opening = await _hosted(session, actor, tender_id)
    obj = (await session.execute(select(OpeningObjection).where(
        OpeningObjection.id == objection_id, OpeningObjection.opening_id == opening.id))).scalars().first()
    if obj is None:
        raise ObjectionNotFound()
    if obj.answered_at is not None:
        raise AlreadyAnswered()
    if opening.status not in (S.signing_in, S.decrypting, S.announcing):
        raise BadOpeningTransition(detail={"from": str(opening.status), "action": "answer"})
    obj.answer, obj.answered_by, obj.answered_at = text[: rules.MAX_TEXT], actor.user_id, now
    await record(session, "opening:objection_answered", actor, subject_type="opening_objection", subject_id=obj.id,
                 project_id=tender.project_id, now=now, after={"tender_id": tender_id, "answer": obj.answer})
    _event(session, opening, tender, "answer")
    await commit(session)
    return obj


async def close_announcing(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> Opening:
    """End 唱标 once every objection is answered; bidders then confirm the record within CONFIRM_MINUTES."""
    tender, opening = await _hosted(session, actor, tender_id)
    if opening.status != S.announcing:
        raise BadOpeningTransition(detail={"from": str(opening.status), "to": str(S.confirming)})
    if any(o.answered_at is None for o in await _objections(session, opening.id)):
        raise ObjectionsOpen()
    entries = await _entries(session, opening.id)
    if (tender.has_rescue_plan and opening.rescue_until is not None and now < opening.rescue_until
            and any(e.decrypt_status == D.deemed_withdrawn for e in entries)):
        raise RescuePending(detail={"rescue_until": opening.rescue_until.isoformat()})
    state.transition_to(opening, S.confirming)
    opening.confirm_until = rules.confirm_deadline(now)
    opening.next_check_at = opening.confirm_until
    await record(session, "opening:announced", actor, subject_type="opening", subject_id=opening.id,
                 project_id=tender.project_id, now=now, before={"status": S.announcing},
                 after={"status": opening.status, "confirm_until": opening.confirm_until,
                        "entries": [_snapshot(e) for e in entries]})
    _event(session, opening, tender, "confirming")
    await commit(session)
    return opening


async def confirm(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime,
                  blobs: BlobStore | None = None) -> Opening:
    """A bidder confirms (签字确认) the record for all its entries; when everyone has, the record is published."""
    tender = await tender_docs.get_tender(session, tender_id, lock=True)
    opening = await _opening(session, tender_id, lock=True)
    entries = await _entries(session, opening.id)
    mine = [e for e in entries if e.bidder_org_id == actor.org_id]
    if actor.org_id is None or not mine:
        raise NotABidder()
    if opening.status != S.confirming or opening.confirm_until is None or now >= opening.confirm_until:
        raise ConfirmClosed()
    for e in mine:
        if not e.confirmation:
            e.confirmation, e.confirmed_at = "confirmed", now
    await record(session, "opening:confirmed", actor, subject_type="opening", subject_id=opening.id,
                 project_id=tender.project_id, now=now, after={"org_id": actor.org_id,
                                                              "entries": [e.id for e in mine]})
    if all(e.confirmation for e in entries):
        await close_opening(session, opening, tender, now, blobs=blobs)
    else:
        _event(session, opening, tender, "confirmed")
    await commit(session)
    return opening


async def close_opening(session: AsyncSession, opening: Opening, tender: Tender, now: datetime, *,
                        blobs: BlobStore | None = None) -> None:
    """Publish the record (E-Bidding Measures Art.32) in the caller's transaction: unconfirmed entries are deemed
    confirmed (MOF 87 Art.42), the PDF carries the hash of the audit entry that published it."""
    entries = await _entries(session, opening.id)
    deemed = []
    for e in entries:
        if not e.confirmation:
            e.confirmation = "deemed"
            deemed.append(e.id)
    state.transition_to(opening, S.closed)
    opening.closed_at, opening.next_check_at = now, None
    tender_state.transition_to(tender, TenderStatus.opened)
    tender.updated_at = now
    data = await record_data(session, opening, tender)
    ev = await record(
        session, "opening:record_published", HALL, subject_type="opening", subject_id=opening.id,
        project_id=tender.project_id, now=now, before={"status": S.confirming},
        after={"status": opening.status, "tender_status": tender.status, "deemed_confirmed": deemed,
               "floating_coefficient": opening.floating_coefficient, "failed_lots": opening.failed_lots,
               "entries": [{**_snapshot(e), "price": e.price, "price_in_words": e.price_in_words,
                            "words_match": e.words_match, "duration_days": e.duration_days,
                            "confirmation": e.confirmation} for e in entries],
               "law": "E-Bidding Measures Art.32; MOF 87 Art.42"},
    )
    opening.record_audit_hash = ev.hash
    pdf = render_pdf(_with_hash(data, ev.hash))
    opening.record_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    if blobs is not None:
        await _store(blobs, pdf)
    project = await session.get(Project, tender.project_id)
    url = f"/tenders/{tender.id}/opening/record.pdf"
    lines = [f"{r.lot}｜{r.bidder}｜{r.price if r.price is not None else '—'}｜{r.price_in_words or '—'}｜"
             f"{r.duration_days if r.duration_days is not None else '—'}日｜{r.result}" for r in data.rows]
    body = (f"{tender.title}（项目编号 {tender.code}）于 {show(opening.started_at)}（北京时间）网上开标，开标记录如下"
            "（标段｜投标人｜报价（元）｜报价大写｜工期｜解密结果）：\n" + "\n".join(lines))
    if opening.floating_coefficient:
        body += f"\n\n下浮系数（服务器随机抽取）：{opening.floating_coefficient}"
    if data.failed_lots:
        body += "\n\n流标标段：" + "；".join(data.failed_lots)
    body += f"\n\n开标记录表（PDF）：{url}\nSHA-256：{opening.record_pdf_sha256}\n审计链哈希：{ev.hash}"
    notice = Notice(
        project_id=tender.project_id, tender_id=tender.id, kind=NoticeKind.opening_record, line=tender.line,
        region=project.region if project else "", title=f"{tender.title}开标记录", body=body,
        data={"record_pdf": url, "pdf_sha256": opening.record_pdf_sha256, "audit_hash": ev.hash,
              "floating_coefficient": opening.floating_coefficient},
        published_at=now, published_by="system:opening",
    )
    session.add(notice)
    await session.flush()
    opening.record_notice_id = notice.id
    await record(session, "opening:record_pdf", HALL, subject_type="opening", subject_id=opening.id,
                 project_id=tender.project_id, now=now,
                 after={"notice_id": notice.id, "pdf_sha256": opening.record_pdf_sha256, "record_audit_hash": ev.hash})
    await notify_orgs(
        session, [*_managers(tender), *{e.bidder_org_id for e in entries}], kind="opening:closed",
        tender_id=tender.id, project_id=tender.project_id, now=now, link=f"/notices/{notice.id}",
        title_zh=f"开标记录已公布：{tender.title}", title_en=f"Opening record published: {tender.title}",
        body_zh=f"{tender.code} 开标结束，开标记录已公布。", body_en=f"{tender.code}: the opening record is published.",
    )
    _event(session, opening, tender, "closed")


def _with_hash(data: RecordData, audit_hash: str) -> RecordData:
    from dataclasses import replace

    return replace(data, audit_hash=audit_hash)


async def _store(blobs: BlobStore, pdf: bytes) -> None:
    async def one() -> AsyncIterator[bytes]:
        yield pdf

    await blobs.put_stream(one(), len(pdf))


# ---------------------------------------------------------------- chronograph


async def sweep(session: AsyncSession, opening: Opening, now: datetime) -> None:
    """Due checks of one opening (row claimed by the chronograph): window expiry, rescue limit, confirmation."""
    await session.refresh(opening)
    tender = await tender_docs.get_tender(session, opening.tender_id, lock=True)
    if opening.status == S.decrypting and opening.decrypt_until is not None:
        if now >= opening.decrypt_until:
            await _end_decryption(session, opening, tender, now, early=False)
            _event(session, opening, tender, "window_closed")
        else:
            opening.next_check_at = opening.decrypt_until
        return
    if opening.status == S.announcing:
        if opening.rescue_until is not None and now < opening.rescue_until:
            opening.next_check_at = opening.rescue_until
        else:
            opening.next_check_at = None  # rescue time over: the host may now close 唱标
            _event(session, opening, tender, "rescue_over")
        return
    if opening.status == S.confirming and opening.confirm_until is not None:
        if now >= opening.confirm_until:
            await close_opening(session, opening, tender, now)
        else:
            opening.next_check_at = opening.confirm_until
        return
    opening.next_check_at = None


# ---------------------------------------------------------------- the record and the hall view (reads)


async def record_data(session: AsyncSession, opening: Opening, tender: Tender) -> RecordData:
    entries = await _entries(session, opening.id)
    lots = {lot.id: lot for lot in await _lots(session, tender.id)}
    objections = await _objections(session, opening.id)
    names = await org_names(session, [tender.tenderer_org_id, tender.agency_org_id,
                                      *(e.bidder_org_id for e in entries), *(o.org_id for o in objections)])
    rows = []
    for e in entries:
        label = rules.DECRYPT_LABELS[e.decrypt_status][0]
        if e.failure_reason:
            label = f"{label}：{e.failure_reason}"
        confirmation = {"confirmed": "已确认", "deemed": "视为确认"}.get(e.confirmation, "")
        rows.append(RecordRow(
            lot=_lot_label(lots[e.lot_id]) if e.lot_id in lots else "", bidder=names.get(e.bidder_org_id, ""),
            price=e.price, price_in_words=e.price_in_words, words_match=e.words_match, duration_days=e.duration_days,
            quality=e.quality, project_lead=e.project_lead, lead_certificate=e.lead_certificate, result=label,
            confirmation=confirmation,
        ))
    note = ""
    if opening.coefficient_draw:
        d = opening.coefficient_draw
        rng = d.get("range", {})
        count = len(d.get("candidates", []))
        note = (f"（范围 {rng.get('min')}–{rng.get('max')}，步长 {rng.get('step')}，候选 {count} 个，"
                f"抽中第 {int(d.get('index', 0)) + 1} 个）")
    return RecordData(
        tender_title=tender.title, tender_code=tender.code, tenderer=names.get(tender.tenderer_org_id, ""),
        agency=names.get(tender.agency_org_id or "", ""), opened_at=opening.started_at, closed_at=opening.closed_at,
        rows=rows,
        objections=[RecordObjection(names.get(o.org_id, ""), o.body, o.raised_at, o.answer, o.answered_at)
                    for o in objections],
        failed_lots=[f"标段 {f['number']} {f['name']}：投标人 {f['bids']} 家，不足3家，流标"
                     for f in opening.failed_lots],
        coefficient=opening.floating_coefficient, coefficient_note=note, audit_hash=opening.record_audit_hash or "",
    )


async def record_pdf(session: AsyncSession, tender_id: str, *, blobs: BlobStore) -> tuple[bytes, str]:
    """The published record PDF (public); rebuilt and stored when the blob is missing, refused unless identical."""
    opening = await _opening(session, tender_id)
    if opening.status != S.closed or not opening.record_pdf_sha256:
        raise RecordNotPublished()
    sha = opening.record_pdf_sha256
    if await blobs.exists(sha):
        return b"".join([c async for c in blobs.open(sha)]), sha
    tender = await tender_docs.get_tender(session, tender_id)
    pdf = render_pdf(await record_data(session, opening, tender))
    if hashlib.sha256(pdf).hexdigest() != sha:
        raise RecordMismatch()
    await _store(blobs, pdf)
    return pdf, sha


@dataclass
class EntryView:
    entry: OpeningEntry
    bidder: str
    lot: str
    signed_in: bool
    header: dict[str, Any] | None = None
    """The envelope header, only on the bidder's own entries (its browser unwraps the data key with it)."""


@dataclass
class HallView:
    tender: Tender
    opening: Opening | None
    full: bool
    """False: the public view (stage and countdown only) until the record is published."""
    is_host: bool = False
    is_centre: bool = False
    my_org: str | None = None
    is_bidder: bool = False
    is_custodian: bool = False
    entries: list[EntryView] = field(default_factory=list)
    signins: list[tuple[str, datetime]] = field(default_factory=list)
    objections: list[tuple[OpeningObjection, str]] = field(default_factory=list)
    rescue: dict[str, Any] | None = None
    record_notice_id: str | None = None

    @property
    def mine(self) -> list[EntryView]:
        return [e for e in self.entries if e.entry.bidder_org_id == self.my_org]

    @property
    def unanswered(self) -> int:
        return sum(1 for o, _ in self.objections if o.answered_at is None)


async def hall(session: AsyncSession, actor: Actor, tender_id: str, *, now: datetime) -> HallView:
    """What this actor sees in the hall. Before the deadline nothing about bids exists for anyone (Art.21)."""
    tender = await tender_docs.visible_tender(session, actor, tender_id)
    opening = (await session.execute(select(Opening).where(Opening.tender_id == tender_id))).scalars().first()
    view = HallView(tender=tender, opening=opening, full=False, is_host=rules.hosts(actor, tender),
                    is_centre=actor.is_centre, my_org=actor.org_id)
    if opening is None:
        return view
    entries = await _entries(session, opening.id)
    bidder_orgs = {e.bidder_org_id for e in entries}
    view.is_bidder = actor.org_id is not None and actor.org_id in bidder_orgs
    custodians = await _custodian_orgs(session, tender_id) if tender.has_rescue_plan else set()
    view.is_custodian = actor.org_id is not None and actor.org_id in custodians
    view.full = (opening.status == S.closed or view.is_bidder or view.is_custodian or rules.watches(actor, tender))
    view.record_notice_id = opening.record_notice_id
    if not view.full:
        return view
    signins = list((await session.execute(select(OpeningSignIn).where(OpeningSignIn.opening_id == opening.id)
                                          .order_by(OpeningSignIn.at))).scalars().all())
    objections = await _objections(session, opening.id)
    names = await org_names(session, [*bidder_orgs, *(s.org_id for s in signins)])
    lots = {lot.id: lot for lot in await _lots(session, tender_id)}
    signed = {s.org_id for s in signins}
    for e in entries:
        header = None
        if e.bidder_org_id == actor.org_id and e.decrypt_status == D.pending:
            bid = await session.get(Bid, e.bid_id)
            header = bid_service.bid_header(bid) if bid else None
        view.entries.append(EntryView(e, names.get(e.bidder_org_id, ""),
                                      _lot_label(lots[e.lot_id]) if e.lot_id in lots else "",
                                      e.bidder_org_id in signed, header))
    view.signins = [(names.get(s.org_id, ""), s.at) for s in signins]
    view.objections = [(o, names.get(o.org_id, "")) for o in objections]
    if tender.has_rescue_plan and opening.status != S.closed:
        try:
            have, k = await bid_rescue.submitted_count(session, tender_id)
            view.rescue = {"submitted": have, "threshold": k}
        except DomainError:  # no rescue key row (e.g. a tender published before the plan existed)
            view.rescue = None
    return view


def public_status(opening: Opening | None) -> dict[str, Any]:
    """The part of the hall anyone may see before the record: stage and countdowns."""
    if opening is None:
        return {"status": None}
    return {"status": str(opening.status), "started_at": opening.started_at, "decrypt_until": opening.decrypt_until,
            "confirm_until": opening.confirm_until, "closed_at": opening.closed_at,
            "record_notice_id": opening.record_notice_id}


def entry_json(e: EntryView, *, include_key_header: bool = False) -> dict[str, Any]:
    en = e.entry
    out: dict[str, Any] = {
        "id": en.id, "lot_id": en.lot_id, "lot": e.lot, "bidder_org_id": en.bidder_org_id, "bidder": e.bidder,
        "signed_in": e.signed_in, "decrypt_status": str(en.decrypt_status), "failure_reason": en.failure_reason,
        "signature_ok": en.signature_ok, "price": str(en.price) if en.price is not None else None,
        "price_in_words": en.price_in_words, "words_match": en.words_match, "duration_days": en.duration_days,
        "quality": en.quality, "project_lead": en.project_lead, "lead_certificate": en.lead_certificate,
        "confirmation": en.confirmation,
    }
    if include_key_header and e.header is not None:
        out["header"] = e.header
    return out


def hall_json(view: HallView) -> dict[str, Any]:
    out: dict[str, Any] = {"tender_id": view.tender.id, "tender_status": str(view.tender.status),
                           **public_status(view.opening)}
    if not view.full or view.opening is None:
        return out
    o = view.opening
    out.update(
        window_minutes=o.window_minutes, floating_coefficient=o.floating_coefficient,
        coefficient_draw=o.coefficient_draw, failed_lots=o.failed_lots, rescue_until=o.rescue_until,
        record_pdf_sha256=o.record_pdf_sha256, record_audit_hash=o.record_audit_hash,
        entries=[entry_json(e, include_key_header=True) for e in view.entries],
        signins=[{"bidder": n, "at": at} for n, at in view.signins],
        objections=[{"id": ob.id, "bidder": n, "body": ob.body, "raised_at": ob.raised_at, "answer": ob.answer,
                     "answered_at": ob.answered_at} for ob, n in view.objections],
        rescue=view.rescue,
    )
    return out


def ensure_party(view: HallView) -> None:
    """For fragments that exist only for the hall's parties before the record is published."""
    if not view.full:
        raise NotHallParty()

