"""`ggzy demo`: play a whole tender through the platform's HTTP API, stage by stage.

Without --url it starts an embedded platform (uvicorn in a thread, a temporary data directory, SQLite,
GGZY_DEMO_CLOCK=1) whose clock the demo moves forward through /api/demo/clock/advance. Against another
platform the time-dependent stages run only when that platform has the demo clock; otherwise they are
reported as skipped, with the reason. Every stage appears in the summary: nothing is skipped silently.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ggzy.demo.seed import DEMO_PASSWORD
from ggzy.kit.errors import DomainError


class StageFailed(Exception):
    """A stage's request or check did not give what the stage expected."""

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.detail = detail


class StageSkipped(Exception):
    """The platform cannot play this stage (an endpoint or the demo clock is missing); said out loud."""


@dataclass
class StageResult:
    name: str
    title: str
    ok: bool
    seconds: float
    skipped: str = ""
    error: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "title": self.title, "ok": self.ok,
                               "seconds": round(self.seconds, 3)}
        if self.skipped:
            out["skipped"] = self.skipped
        if self.error:
            out["error"] = self.error
        out.update(self.detail)
        return out


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Api:
    """A thin httpx wrapper: one bearer token per demo user, JSON in and out, clear failures."""

    def __init__(self, base_url: str, password: str) -> None:
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=30.0)
        self.password = password
        self.tokens: dict[str, dict[str, str]] = {}

    def close(self) -> None:
        self.http.close()

    def login(self, username: str) -> None:
        r = self.http.post("/api/auth/token", json={"username": username, "password": self.password,
                                                     "name": "ggzy demo"})
        if r.status_code != 200:
            raise StageFailed(f"login of {username} failed ({r.status_code})", response=_body(r))
        self.tokens[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}

    def request(self, method: str, path: str, *, as_: str | None = None, expect: tuple[int, ...] = (200, 201),
                **kw: Any) -> httpx.Response:
        headers = {**(self.tokens[as_] if as_ else {}), **kw.pop("headers", {})}
        r = self.http.request(method, path, headers=headers, **kw)
        if r.status_code in expect:
            return r
        body = _body(r)
        code = body.get("error", {}).get("code", "") if isinstance(body, dict) else ""
        if r.status_code == 405 or (r.status_code == 404 and code == "not_found"):
            raise StageSkipped(f"{method} {path} is not available on this platform ({r.status_code})")
        raise StageFailed(f"{method} {path} → {r.status_code}", response=body)

    def json(self, method: str, path: str, *, as_: str | None = None, expect: tuple[int, ...] = (200, 201),
             **kw: Any) -> Any:
        return self.request(method, path, as_=as_, expect=expect, **kw).json()


def _body(r: httpx.Response) -> Any:
    try:
        return r.json()
    except ValueError:
        return r.text[:500]


@dataclass
class Play:
    """The demo's state as it moves through the stages."""

    api: Api
    clock_movable: bool = False
    project_id: str = ""
    tender_id: str = ""
    lot_ids: list[str] = field(default_factory=list)
    document_id: str = ""
    document_sha256: str = ""
    bid_deadline: datetime | None = None
    downloaders: list[str] = field(default_factory=lambda: ["bidder1", "bidder2", "bidder3"])
    audit_ok: bool | None = None
    bidders: list[str] = field(default_factory=lambda: ["bidder1", "bidder2", "bidder3", "bidder4"])
    """They seal bids on lot 1; lot 2 gets none and fails alone (Bidding Regs Art.44)."""
    no_show: str = "bidder4"
    """Never decrypts: its bid counts as 视为撤销 (E-Bidding Measures Art.31)."""
    keys: dict[str, Any] = field(default_factory=dict)
    """username -> (org_id, sealing.keys.KeyPairSet): the private halves live only here, the bidders' machines."""
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    workdir: Path | None = None

    # ---- helpers -------------------------------------------------------------------------------------
    def now(self) -> datetime:
        return _parse_time(self.api.json("GET", "/api/demo/clock")["now"]) if self.clock_movable else _utcnow()

    def advance(self, seconds: float) -> datetime:
        if not self.clock_movable:
            raise StageSkipped("the platform's clock cannot be moved (start it with GGZY_DEMO_CLOCK=1)")
        return _parse_time(self.api.json("POST", "/api/demo/clock/advance", as_="admin",
                                         json={"seconds": seconds})["now"])

    def tender(self) -> dict[str, Any]:
        data: dict[str, Any] = self.api.json("GET", f"/api/tenders/{self.tender_id}", as_="agency1")
        return data

    def need(self, *attrs: str) -> None:
        missing = [a for a in attrs if not getattr(self, a)]
        if missing:
            raise StageSkipped(f"an earlier stage did not produce {', '.join(missing)}")

    # ---- stages --------------------------------------------------------------------------------------
    def stage_login(self) -> dict[str, Any]:
        users = ["admin", "staff1", "agency1", *self.downloaders, "bidder4", "sup_housing"]
        for username in users:
            self.api.login(username)
        me = self.api.json("GET", "/api/auth/me", as_="agency1")
        try:
            self.api.json("GET", "/api/demo/clock")
            self.clock_movable = True
        except StageSkipped:
            self.clock_movable = False
        return {"users": len(users), "agency": me.get("org_name", ""), "clock_movable": self.clock_movable}

    def stage_project_entry(self) -> dict[str, Any]:
        orgs = self.api.json("GET", "/api/orgs", as_="admin", params={"kind": "tenderer", "page_size": 50})
        items = orgs["items"] if isinstance(orgs, dict) else orgs
        tenderer = next((o for o in items if "住房和城乡建设局" in o["name"]), items[0] if items else None)
        if tenderer is None:
            raise StageFailed("no tenderer organisation found")
        project = self.api.json("POST", "/api/projects", as_="agency1", json={
            "name": "云州市滨江路市政道路改造工程", "line": "construction", "region": "云州市",
            "description": "滨江路（青山大道至望江桥段）道路、排水及照明改造。", "funding_source": "市级财政资金",
            "state_funded": True, "amount": "12800000.00", "tenderer_org_id": tenderer["id"],
        })
        self.project_id = project["id"]
        admitted = self.api.json("POST", f"/api/projects/{self.project_id}/admit", as_="staff1", json={})
        prioritised = self.api.json("POST", f"/api/projects/{self.project_id}/priority", as_="staff1",
                                    json={"priority": "city_operation", "reason": "城市主干道汛前改造"})
        return {"project_id": self.project_id, "code": project.get("code"), "status": admitted.get("status"),
                "priority": prioritised.get("priority")}

    def stage_tender_draft(self) -> dict[str, Any]:
        self.need("project_id")
        start = self.now() + timedelta(hours=1)
        deadline = (start + timedelta(days=24)).replace(hour=1, minute=30, second=0, microsecond=0)
        body = {
            "project_id": self.project_id, "title": "云州市滨江路市政道路改造工程施工招标",
            "evaluation_method": "comprehensive_assessment", "has_rescue_plan": False,
            "description": "施工总承包，工期 240 日历天。", "qualification": "市政公用工程施工总承包二级及以上资质。",
            "lots": [
                {"name": "一标段：道路及排水", "budget": "9600000.00", "ceiling_price": "9400000.00",
                 "bond_amount": "180000.00"},
                {"name": "二标段：照明及附属", "budget": "3200000.00", "ceiling_price": "3150000.00",
                 "bond_amount": "60000.00"},
            ],
            "coefficient_range": {"min": "0.95", "max": "0.98", "step": "0.005"},
            "doc_start": start.isoformat(), "doc_end": (start + timedelta(days=7)).isoformat(),
            "question_deadline": (deadline - timedelta(days=16)).isoformat(), "bid_deadline": deadline.isoformat(),
        }
        tender = self.api.json("POST", "/api/tenders", as_="agency1", json=body)
        self.tender_id = tender["id"]
        self.lot_ids = [lot["id"] for lot in tender.get("lots", [])]
        return {"tender_id": self.tender_id, "lots": len(tender.get("lots", [])), "status": tender.get("status")}

    def stage_documents_upload(self) -> dict[str, Any]:
        self.need("tender_id")
        content = ("云州市滨江路市政道路改造工程施工招标文件\n第一章 招标公告\n第二章 投标人须知\n"
                   "第三章 评标办法（综合评估法）\n第四章 合同条款\n第五章 工程量清单\n").encode() * 50
        self.document_sha256 = hashlib.sha256(content).hexdigest()
        doc = self.api.json("POST", f"/api/tenders/{self.tender_id}/documents", as_="agency1",
                            files={"file": ("招标文件.txt", content, "text/plain")})
        self.document_id = doc["id"]
        if doc.get("sha256") != self.document_sha256:
            raise StageFailed("stored document hash differs from the uploaded bytes", stored=doc.get("sha256"))
        return {"document_id": self.document_id, "bytes": len(content), "sha256": self.document_sha256}

    def stage_announcement_published(self) -> dict[str, Any]:
        self.need("tender_id")
        published = self.api.json("POST", f"/api/tenders/{self.tender_id}/publish", as_="agency1", json={})
        self.bid_deadline = _parse_time(published["bid_deadline"]) if published.get("bid_deadline") else None
        if self.clock_movable:
            # Documents are on offer from doc_start (an hour from now): move to it.
            self.advance(3600 + 60)
        return {"status": published.get("status"), "bid_deadline": published.get("bid_deadline")}

    def stage_documents_downloaded(self) -> dict[str, Any]:
        self.need("tender_id", "document_id")
        for username in self.downloaders:
            r = self.api.request("GET", f"/api/tenders/{self.tender_id}/documents/{self.document_id}/download",
                                 as_=username)
            if hashlib.sha256(r.content).hexdigest() != self.document_sha256:
                raise StageFailed(f"{username} received different bytes")
        # E-Bidding Measures Art.21: before the deadline even the centre cannot learn who downloaded.
        hidden = self.api.request("GET", f"/api/tenders/{self.tender_id}/downloads", as_="staff1",
                                  expect=(200, 403, 409))
        secret_kept = hidden.status_code != 200 or not hidden.json().get("items")
        if not secret_kept:
            raise StageFailed("the download list was readable before the bid deadline (Art.21)")
        return {"downloads": len(self.downloaders), "list_before_deadline": hidden.status_code,
                "art21_secret_kept": True}

    def stage_question_answered(self) -> dict[str, Any]:
        self.need("tender_id")
        question = self.api.json("POST", f"/api/tenders/{self.tender_id}/questions", as_="bidder1",
                                 json={"body": "一标段工程量清单中“雨水管 DN800”长度与图纸不一致，以哪个为准？"})
        answer = self.api.json("POST", f"/api/questions/{question['id']}/answer", as_="agency1", json={
            "body": "以图纸为准，工程量清单将在更正公告中同步修正。", "changes_documents": False})
        delivered = [u for u in self.downloaders if self._clarified(u)]
        if delivered != self.downloaders:
            raise StageFailed("the answer did not reach every downloader (Art.22)", delivered=delivered)
        if self._clarified("bidder4"):
            raise StageFailed("a bidder that did not download received the answer")
        return {"question_id": question["id"], "clarification_id": answer.get("id"),
                "delivered_to": len(delivered), "art22_every_downloader": True}

    def _clarified(self, username: str) -> bool:
        inbox = self.api.json("GET", "/api/inbox", as_=username, params={"per_page": 100})
        return any(n.get("tender_id") == self.tender_id and n.get("kind") == "clarification"
                   for n in inbox["items"])

    def stage_correction(self) -> dict[str, Any]:
        self.need("tender_id")
        before = self.tender().get("bid_deadline")
        corrected = self.api.json("POST", f"/api/tenders/{self.tender_id}/corrections", as_="agency1", json={
            "body": "一标段工程量清单“雨水管 DN800”长度更正为 1,260 米，其余内容不变。", "changes_documents": True})
        after = corrected.get("bid_deadline")
        if after:
            self.bid_deadline = _parse_time(after)
        return {"notice_id": corrected.get("notice_id"), "deadline_moved": corrected.get("deadline_moved"),
                "bid_deadline_before": before, "bid_deadline_after": after}

    def stage_suspension(self) -> dict[str, Any]:
        self.need("tender_id", "project_id")
        before = _parse_time(self.tender()["bid_deadline"])
        s = self.api.json("POST", "/api/suspensions", as_="staff1", json={
            "scope": "project", "project_id": self.project_id, "reason": "收到投诉，暂停交易核查。"})
        self.api.json("POST", f"/api/suspensions/{s['id']}/approve", as_="sup_housing", json={"note": "同意暂停"})
        paused = 2 * 86400
        self.advance(paused)
        self.api.json("POST", f"/api/suspensions/{s['id']}/resume", as_="staff1", json={"note": "核查完毕，恢复交易"})
        after = _parse_time(self.tender()["bid_deadline"])
        moved = (after - before).total_seconds()
        if moved < paused - 60:
            raise StageFailed("the bid deadline did not move by the suspension's length", moved_seconds=moved)
        self.bid_deadline = after
        return {"suspension_id": s["id"], "deadline_before": before.isoformat(), "deadline_after": after.isoformat(),
                "moved_hours": round(moved / 3600, 2)}

    def stage_keys_registered(self) -> dict[str, Any]:
        """Each bidder makes its key pairs on its own machine and registers only the public halves."""
        from ggzy.bid.rules import keyset_proof_message
        from ggzy.sealing import keys
        from ggzy.sealing.codec import b64e
        from ggzy.sealing.suites import get_suite

        for username in self.bidders:
            self.api.login(username)
            org_id = self.api.json("GET", "/api/auth/me", as_=username)["org_id"]
            ks = keys.generate()
            enc, sign = b64e(ks.enc_public), b64e(ks.sign_public)
            proof = get_suite(ks.suite).sign(ks.sign_private, keyset_proof_message(
                org_id=org_id, enc_public=enc, sign_public=sign))
            self.api.json("POST", "/api/keys", as_=username, json={
                "suite": ks.suite, "enc_public": enc, "sign_public": sign, "proof": b64e(proof)})
            self.keys[username] = (org_id, ks)
        return {"bidders": len(self.keys), "private_keys_sent": 0}

    def stage_bids_sealed(self) -> dict[str, Any]:
        """Bids are signed and encrypted here (the bidders' side), uploaded, and answered with signed receipts."""
        from ggzy.kit.money import in_words
        from ggzy.sealing.codec import b64d
        from ggzy.sealing.envelope import seal_bid
        from ggzy.sealing.receipt import verify_receipt

        self.need("tender_id", "lot_ids", "keys")
        workdir = Path(tempfile.mkdtemp(prefix="ggzy-demo-bids-"))
        self.workdir = workdir
        platform_public = b64d(self.api.json("GET", "/api/platform/keys")["keys"][0]["public_key"])
        lot_id = self.lot_ids[0]
        prices = ["9185000.00", "9236800.00", "9098500.50", "9310000.00"]
        sizes = 0
        for n, username in enumerate(self.bidders):
            org_id, ks = self.keys[username]
            doc = workdir / f"{username}-商务技术标.txt"
            doc.write_bytes(f"{username} 投标文件：施工组织设计、项目管理机构、已标价工程量清单。\n".encode() * 4000)
            price = prices[n % len(prices)]
            sheet = {"lot_id": lot_id, "price": price, "price_in_words": in_words(Decimal(price)),
                     "duration_days": 220 + 5 * n, "quality": "合格", "project_lead": ["王建国", "李卫东", "陈志强",
                     "赵海涛"][n % 4], "lead_certificate": f"苏132{n + 1:09d}"}
            out = workdir / f"{username}.ggzyenv"
            info = seal_bid(out, keys=ks, tender_id=self.tender_id, lot_id=lot_id, bidder_org_id=org_id,
                            sheet=sheet, files=[doc])
            key = secrets.token_hex(16)
            bid = self.api.json("PUT", f"/api/tenders/{self.tender_id}/lots/{lot_id}/bid", as_=username,
                                    content=out.read_bytes(), headers={
                                        "Idempotency-Key": key, "Content-Type": "application/octet-stream"})
            receipt = bid["receipt"]
            verify_receipt(receipt, platform_public)  # offline check, as `ggzy receipt verify` does
            if receipt["sha256"] != info.sha256:
                raise StageFailed("the receipt names other bytes than the ones sealed", username=username)
            self.receipts[username] = receipt
            sizes += info.size
        # E-Bidding Measures Art.21/27: before the deadline not even the centre learns who or how many bid.
        hall = self.api.json("GET", f"/api/tenders/{self.tender_id}/opening", as_="staff1")
        if hall.get("entries"):
            raise StageFailed("bids were visible before the deadline")
        return {"bids": len(self.receipts), "bytes": sizes, "receipts_verified": len(self.receipts),
                "visible_before_deadline": 0}

    def stage_bid_deadline(self) -> dict[str, Any]:
        self.need("tender_id")
        deadline = _parse_time(self.tender()["bid_deadline"])
        now = self.now()
        self.advance(max(0.0, (deadline - now).total_seconds()) + 60)
        status = ""
        for _ in range(50):
            self.api.json("POST", "/api/demo/sweep", as_="admin", json={})
            status = self.tender().get("status", "")
            if status != "published":
                break
            time.sleep(0.1)
        # At the deadline the opening takes over in the same transaction: the hall opens, or with fewer than
        # 3 bids the tender fails (Bidding Regs Art.44).
        if status not in ("bid_closed", "opening", "failed"):
            raise StageFailed("the chronograph did not close bidding", status=status)
        listed = self.api.json("GET", f"/api/tenders/{self.tender_id}/downloads", as_="staff1")
        return {"status": status, "downloaders_after_deadline": listed.get("organisations")}

    def _hall(self, as_: str = "agency1") -> dict[str, Any]:
        data: dict[str, Any] = self.api.json("GET", f"/api/tenders/{self.tender_id}/opening", as_=as_)
        return data

    def _sweep_after(self, moment: str | None) -> None:
        if moment:
            wait = (_parse_time(moment) - self.now()).total_seconds()
            self.advance(max(0.0, wait) + 1)
        self.api.json("POST", "/api/demo/sweep", as_="admin", json={})

    def stage_opening_decrypt(self) -> dict[str, Any]:
        """不见面开标: sign-in, the bidder list, each bidder unwraps its data key locally and hands over only that."""
        from ggzy.sealing.codec import b64e
        from ggzy.sealing.envelope import unwrap_data_key

        self.need("tender_id", "receipts")
        if self.tender().get("status") != "opening":
            raise StageFailed("the opening hall did not open", status=self.tender().get("status"))
        for username in self.bidders:
            self.api.json("POST", f"/api/tenders/{self.tender_id}/opening/sign-in", as_=username, json={})
        hall = self.api.json("POST", f"/api/tenders/{self.tender_id}/opening/publish-bidders", as_="agency1", json={})
        for username in self.bidders:
            if username == self.no_show:
                continue
            _, ks = self.keys[username]
            mine = [e for e in self._hall(username)["entries"] if e.get("header")]
            for entry in mine:
                data_key = unwrap_data_key(entry["header"], enc_private=ks.enc_private)
                self.api.json("POST", f"/api/tenders/{self.tender_id}/opening/entries/{entry['id']}/decrypt",
                              as_=username, json={"data_key": b64e(data_key)})
        self._sweep_after(hall.get("decrypt_until"))  # the window closes on the server's clock
        entries = self._hall()["entries"]
        results = {e["bidder"]: e["decrypt_status"] for e in entries}
        if sorted(results.values()).count("decrypted") != len(self.bidders) - 1:
            raise StageFailed("unexpected decryption results", results=results)
        return {"status": self._hall()["status"], "decrypted": list(results.values()).count("decrypted"),
                "deemed_revoked": list(results.values()).count("deemed_revoked")}

    def stage_opening_announced(self) -> dict[str, Any]:
        """唱标, the floating coefficient, a live objection answered on the spot (Bidding Regs Art.44)."""
        self.need("tender_id")
        hall = self._hall()
        objection = self.api.json("POST", f"/api/tenders/{self.tender_id}/opening/objections", as_="bidder2",
                                  json={"body": "请核对第三名投标人的工期是否超过招标文件要求。"})
        self.api.json("POST", f"/api/tenders/{self.tender_id}/opening/objections/{objection['id']}/answer",
                      as_="agency1", json={"answer": "经核对，其工期满足招标文件不超过240日历天的要求，异议不成立。"})
        closed = self.api.json("POST", f"/api/tenders/{self.tender_id}/opening/close-announcing", as_="agency1",
                               json={})
        sheet = [(e["bidder"], e["price"], e["price_in_words"]) for e in hall["entries"] if e["price"]]
        return {"announced": len(sheet), "floating_coefficient": hall.get("floating_coefficient"),
                "objections_answered": 1, "status": closed.get("status")}

    def stage_opening_record(self) -> dict[str, Any]:
        """Bidders confirm; silence is acceptance (MOF 87 Art.42); the record is published with its PDF."""
        self.need("tender_id")
        for username in self.bidders[:2]:
            self.api.json("POST", f"/api/tenders/{self.tender_id}/opening/confirm", as_=username, json={})
        self._sweep_after(self._hall().get("confirm_until"))
        hall = self._hall()
        if hall.get("status") != "closed" or not hall.get("record_notice_id"):
            raise StageFailed("the opening record was not published", status=hall.get("status"))
        notice = self.api.json("GET", f"/api/notices/{hall['record_notice_id']}")
        pdf = self.api.request("GET", f"/tenders/{self.tender_id}/opening/record.pdf")
        if hashlib.sha256(pdf.content).hexdigest() != hall.get("record_pdf_sha256"):
            raise StageFailed("the record PDF differs from its published hash")
        deemed = sum(1 for e in hall["entries"] if e.get("confirmation") == "deemed")
        return {"notice": notice.get("title"), "pdf_bytes": len(pdf.content), "deemed_confirmed": deemed,
                "audit_hash": hall.get("record_audit_hash"), "tender_status": self.tender().get("status")}

    def stage_audit_verify(self) -> dict[str, Any]:
        result = self.api.json("GET", "/api/audit/verify", as_="staff1")
        self.audit_ok = bool(result["ok"])
        if not self.audit_ok:
            raise StageFailed("audit chain broken", result=result)
        return {"ok": True}  # the API withholds count and head hash (Art.21); `ggzy audit verify` shows them


STAGES: list[tuple[str, str, Callable[[Play], dict[str, Any]]]] = [
    ("login", "登录 Log in", Play.stage_login),
    ("project_entry", "项目进场 Project entry (apply, admit, priority)", Play.stage_project_entry),
    ("tender_draft", "招标草稿 Tender draft with lots", Play.stage_tender_draft),
    ("documents_upload", "上传招标文件 Upload documents", Play.stage_documents_upload),
    ("announcement_published", "发布招标公告 Publish the announcement", Play.stage_announcement_published),
    ("documents_downloaded", "获取招标文件 Bidders download", Play.stage_documents_downloaded),
    ("question_answered", "答疑澄清 Question and answer to every downloader", Play.stage_question_answered),
    ("correction", "更正公告 Correction", Play.stage_correction),
    ("suspension", "暂停与恢复 Suspension and resumption", Play.stage_suspension),
    ("keys_registered", "投标人密钥 Bidders register public keys", Play.stage_keys_registered),
    ("bids_sealed", "加密投标 Bids sealed on the bidders' side, receipts", Play.stage_bids_sealed),
    ("bid_deadline", "投标截止 Bid deadline closes bidding", Play.stage_bid_deadline),
    ("opening_decrypt", "不见面开标 Sign-in and online decryption", Play.stage_opening_decrypt),
    ("opening_announced", "唱标与异议 Announcement, objection answered", Play.stage_opening_announced),
    ("opening_record", "开标记录 Opening record published (PDF)", Play.stage_opening_record),
    ("audit_verify", "审计链校验 Audit verify", Play.stage_audit_verify),
]


def _utcnow() -> datetime:
    from ggzy.kit.clock import SystemClock

    return SystemClock().now()


def play(base_url: str, *, password: str = DEMO_PASSWORD, console: Console | None = None) -> dict[str, Any]:
    """Run every stage against `base_url`; returns the summary (see run_demo)."""
    console = console or Console(stderr=True)
    api = Api(base_url, password)
    state = Play(api)
    results: list[StageResult] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
            task = progress.add_task("ggzy demo", total=len(STAGES))
            for name, title, fn in STAGES:
                progress.update(task, description=title)
                started = time.perf_counter()
                try:
                    detail = fn(state)
                    res = StageResult(name, title, True, time.perf_counter() - started, detail=detail)
                except StageSkipped as exc:
                    res = StageResult(name, title, False, time.perf_counter() - started, skipped=str(exc))
                except StageFailed as exc:
                    res = StageResult(name, title, False, time.perf_counter() - started, error=str(exc),
                                      detail=exc.detail)
                except (httpx.HTTPError, KeyError, ValueError, TypeError, DomainError) as exc:
                    res = StageResult(name, title, False, time.perf_counter() - started,
                                      error=f"{type(exc).__name__}: {exc}")
                results.append(res)
                progress.advance(task)
                mark = "[green]✓[/green]" if res.ok else ("[yellow]–[/yellow]" if res.skipped else "[red]✗[/red]")
                note = res.skipped or res.error or ", ".join(f"{k}={v}" for k, v in list(res.detail.items())[:3])
                progress.console.print(f"{mark} {title}  [dim]{note}[/dim]", highlight=False)
    finally:
        api.close()
        if state.workdir is not None:
            shutil.rmtree(state.workdir, ignore_errors=True)
    return {
        "ok": all(r.ok for r in results),
        "url": base_url,
        "stages": [r.as_dict() for r in results],
        "project_id": state.project_id or None,
        "tender_id": state.tender_id or None,
        "audit_ok": state.audit_ok is True,
        "clock_movable": state.clock_movable,
    }


class EmbeddedPlatform:
    """A throw-away platform: temp data dir, SQLite, demo clock, uvicorn in a daemon thread."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="ggzy-demo-")
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self.url = ""

    def __enter__(self) -> EmbeddedPlatform:
        import uvicorn

        from ggzy.app import create_app
        from ggzy.config import Settings
        from ggzy.migrations import upgrade

        settings = Settings(
            data_dir=Path(self._tmp.name), database_url="", demo_clock=True, run_sweeper=True,
            sweeper_interval_seconds=0.2, secret_key=secrets.token_hex(16), redis_url="",
        )
        upgrade(settings.effective_database_url)
        asyncio.run(_seed(settings))
        port = _free_port()
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="ggzy-demo-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the embedded platform did not start")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        self._tmp.cleanup()


async def _seed(settings: Any) -> None:
    from ggzy.demo.seed import seed_demo
    from ggzy.kit.clock import SystemClock
    from ggzy.kit.db import make_engine, make_sessionmaker
    from ggzy.storage.blobstore import LocalBlobStore

    engine = make_engine(settings.effective_database_url)
    try:
        async with make_sessionmaker(engine, audit_key=settings.secret_key)() as session:
            await seed_demo(session, now=SystemClock().now(), blobs=LocalBlobStore(settings.blob_dir))
    finally:
        await engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run_demo(*, url: str | None = None, json_mode: bool = False, password: str | None = None,
             console: Console | None = None) -> dict[str, Any]:
    """Play the demo against `url`, or against an embedded platform started (and removed) for the occasion."""
    console = console or Console(stderr=json_mode)
    if url:
        summary = play(url, password=password or DEMO_PASSWORD, console=console)
        summary["embedded"] = False
        return summary
    starting: AbstractContextManager[Any] = (
        console.status("starting an embedded platform…") if console.is_terminal and not json_mode else nullcontext()
    )
    with starting:
        platform = EmbeddedPlatform().__enter__()
    try:
        if not json_mode:
            console.print(f"embedded platform at {platform.url} (demo password: {DEMO_PASSWORD})")
        summary = play(platform.url, password=password or DEMO_PASSWORD, console=console)
    finally:
        platform.__exit__(None, None, None)
    summary["embedded"] = True
    return summary
