"""/workspace: each role's dashboard, the starting point after login.

Cards link to the pages the other domains own (tenders, centre queues, supervision, inbox, account).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ggzy.auth.deps import CurrentActor
from ggzy.kit.templating import render
from ggzy.kit.web import DB, ClockDep
from ggzy.party.models import ROLE_LABELS, OrgStatus
from ggzy.portal import dashboard, rules
from ggzy.project.models import LINE_LABELS, PRIORITY_LABELS, ProjectStatus

router = APIRouter(include_in_schema=False)

PROJECT_STATUS_LABELS: dict[str, tuple[str, str, str]] = {
    ProjectStatus.submitted: ("待受理", "Awaiting admission", "orange"),
    ProjectStatus.admitted: ("已进场", "Admitted", "green"),
    ProjectStatus.returned: ("已退回", "Returned", "red"),
}

ORG_STATUS_LABELS: dict[str, tuple[str, str, str]] = {
    OrgStatus.pending: ("待核验", "Awaiting verification", "orange"),
    OrgStatus.verified: ("已核验", "Verified", "green"),
    OrgStatus.rejected: ("未通过", "Rejected", "red"),
    OrgStatus.disabled: ("已停用", "Disabled", "gray"),
}

@router.get("/workspace", response_class=HTMLResponse, response_model=None)
async def workspace(request: Request, session: DB, clock: ClockDep, actor: CurrentActor) -> Response:
    """The dashboard for the caller's role; anonymous visitors are sent to the login page."""
    if not actor.is_authenticated:
        return RedirectResponse("/login?next=/workspace", status_code=303)
    board = await dashboard.dashboard_for(session, actor)
    now = clock.now()
    return render(
        request,
        "portal/workspace.html",
        {
            "b": board,
            "now": now,
            "stage": lambda tender: rules.tender_stage(tender, now),
            "role_labels": ROLE_LABELS,
            "line_labels": LINE_LABELS,
            "priority_labels": PRIORITY_LABELS,
            "project_status": PROJECT_STATUS_LABELS,
            "org_status": ORG_STATUS_LABELS,
        },
    )
