"""The table of `ggzy demo`'s stages, in the order played: the construction tender from project entry to its
contract, then the procurement tender the same way, then the land auction (demo/stages_auction.py), then the audit
check.

The construction tender keeps the stage names the demo always had (project_entry, tender_draft, …); the
procurement tender's stages are the same functions, named with a `procurement_` prefix. Some stages belong to
one line: Q&A, the correction and the suspension are shown once (construction); construction publishes its
candidates before the award, procurement confirms the winner and then publishes the result notice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ggzy.demo import stages_auction as auction
from ggzy.demo import stages_award as award
from ggzy.demo import stages_committee as committee
from ggzy.demo import stages_opening as opening
from ggzy.demo import stages_tender as tender
from ggzy.demo.context import Play, TenderRun

StageFn = Callable[[Play], dict[str, Any]]
RunFn = Callable[[Play, TenderRun], dict[str, Any]]

C, P = frozenset({"construction"}), frozenset({"procurement"})
BOTH = C | P

JOURNEY: list[tuple[str, str, str, RunFn, frozenset[str]]] = [
    # (name, 中文, English, function, the lines that play it)
    ("project_entry", "项目进场", "Project entry (apply, admit)", tender.project_entry, BOTH),
    ("tender_draft", "招标草稿", "Tender draft with lots and the evaluation plan", tender.tender_draft, BOTH),
    ("documents_upload", "上传招标文件", "Upload documents", tender.documents_upload, BOTH),
    ("announcement_published", "发布招标公告", "Publish the announcement", tender.announcement_published, BOTH),
    ("documents_downloaded", "获取招标文件", "Bidders download", tender.documents_downloaded, BOTH),
    ("question_answered", "答疑澄清", "Question and answer to every downloader", tender.question_answered, C),
    ("correction", "更正公告", "Correction", tender.correction, C),
    ("suspension", "暂停与恢复", "Suspension and resumption", tender.suspension, C),
    ("keys_registered", "投标人密钥", "Bidders register public keys", tender.keys_registered, BOTH),
    ("bids_sealed", "加密投标", "Bids sealed on the bidders' side, receipts", tender.bids_sealed, BOTH),
    ("bid_deadline", "投标截止", "Bid deadline closes bidding", tender.bid_deadline, BOTH),
    ("opening_decrypt", "不见面开标", "Sign-in and online decryption", opening.opening_decrypt, BOTH),
    ("opening_announced", "唱标", "Announcement (and an objection answered)", opening.opening_announced, BOTH),
    ("opening_record", "开标记录", "Opening record published (PDF)", opening.opening_record, BOTH),
    ("expert_draw", "专家抽取", "Expert draw: commitment, then the draw", committee.expert_draw, BOTH),
    ("experts_answer", "专家确认", "Experts answer; the seed is revealed and verified", committee.experts_answer,
     BOTH),
    ("evaluation_chair", "评标开始", "Session opened, the chair elected", committee.evaluation_chair, BOTH),
    ("evaluation_review", "符合性审查", "Compliance review", committee.evaluation_review, BOTH),
    ("evaluation_scoring", "评分", "Scoring, ranking and candidates", committee.evaluation_scoring, BOTH),
    ("evaluation_report", "评标报告", "Report signed and final (PDF)", committee.evaluation_report, BOTH),
    ("candidate_publicity", "中标候选人公示", "Candidate publicity, an objection answered", award.candidate_publicity,
     C),
    ("award_notice", "中标通知书", "Winner confirmed, award notice issued", award.award_notice, C),
    ("winner_confirmed", "确定中标人", "The purchaser confirms the winner", award.winner_confirmed, P),
    ("result_notice", "中标结果公告", "Result notice naming the committee, award notice", award.result_notice, P),
    ("contract", "合同备案", "Signed contract recorded", award.contract, BOTH),
]
"""Every stage of one tender, played per scenario."""

LINE_LABELS = {"construction": ("施工", "Construction"), "procurement": ("采购", "Procurement")}


def _on(key: str, fn: RunFn) -> StageFn:
    def stage(play: Play) -> dict[str, Any]:
        return fn(play, play.runs[key])

    stage.__doc__ = fn.__doc__
    return stage


def tender_stages(key: str, *, prefix: str) -> list[tuple[str, str, StageFn]]:
    zh_line, en_line = LINE_LABELS[key]
    return [(f"{prefix}{name}", f"{zh_line}·{zh} {en_line}: {en}", _on(key, fn))
            for name, zh, en, fn, lines in JOURNEY if key in lines]


AUCTION: list[tuple[str, str, StageFn]] = [
    ("auction_lot", "土地·标的设立 Land: lot for the seller (listing 10 working days, 240 s countdown)",
     auction.auction_lot),
    ("auction_announced", "土地·出让公告 Land: announcement ≥ 20 days before the listing", auction.auction_announced),
    ("auction_applications", "土地·竞买申请 Land: bidders approved on their deposits, anonymous numbers",
     auction.auction_applications),
    ("auction_listing", "土地·挂牌报价 Land: listing bids", auction.auction_listing),
    ("auction_reserve", "土地·底价录入 Land: sealed reserve entered before the land supervisor",
     auction.auction_reserve),
    ("auction_continue", "土地·参加限时竞价 Land: three bidders ask to continue", auction.auction_continue),
    ("auction_timed", "土地·限时竞价 Land: timed bidding, the countdown restarts on every bid", auction.auction_timed),
    ("auction_result", "土地·竞价结果 Land: sold at or above the reserve, 成交确认书", auction.auction_result),
]
"""The land auction (demo/land.py), played once after both tenders."""

STAGES: list[tuple[str, str, StageFn]] = [
    ("login", "登录 Log in", tender.login),
    *tender_stages("construction", prefix=""),
    *tender_stages("procurement", prefix="procurement_"),
    *AUCTION,
    ("audit_verify", "审计链校验 Audit verify", opening.audit_verify),
]
