"""Use cases of the party domain: registration, verification, organisations, users, passwords.

Every write validates everything first, appends an audit event in the same transaction and commits.
Reads take the Actor and return only what it may see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.auth.models import ApiToken, WebSession
from ggzy.auth.passwords import hash_password, verify_password
from ggzy.auth.service import actor_for
from ggzy.kit.db import commit
from ggzy.kit.errors import Unauthenticated
from ggzy.notify.service import notify_orgs
from ggzy.party import rules, state
from ggzy.party.errors import (
    BidderOnly,
    CannotDisableSelf,
    CentreAdminOnly,
    CentreStaffOnly,
    CreditCodeTaken,
    OrgNotFound,
    PasswordUnchanged,
    PasswordWrong,
    RegistrationNotRejected,
    RejectReasonRequired,
    RoleNotAllowed,
    UsernameTaken,
    UserNotFound,
)
from ggzy.party.models import Organisation, OrgKind, OrgStatus, Role, User
from ggzy.party.schemas import BidderRegistration, OrgCreate, RegistrationResubmit, UserCreate

MAX_PAGE_SIZE = 100


def org_snapshot(org: Organisation) -> dict[str, Any]:
    """The audited view of an organisation."""
    return {
        "kind": org.kind, "name": org.name, "credit_code": org.credit_code, "status": org.status,
        "reject_reason": org.reject_reason, "department": org.department,
        "supervised_lines": list(org.supervised_lines or []),
    }


def user_snapshot(user: User) -> dict[str, Any]:
    """The audited view of a user (never the password hash)."""
    return {
        "username": user.username, "display_name": user.display_name, "role": user.role,
        "organisation_id": user.organisation_id, "is_active": user.is_active,
    }


def _require_centre(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise Unauthenticated()
    if not actor.is_centre:
        raise CentreStaffOnly()


def _require_admin(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise Unauthenticated()
    if actor.role != Role.centre_admin:
        raise CentreAdminOnly()


async def _ensure_username_free(session: AsyncSession, username: str) -> None:
    taken = (await session.execute(select(User.id).where(User.username == username))).first()
    if taken is not None:
        raise UsernameTaken(detail={"username": username})


async def _ensure_credit_code_free(session: AsyncSession, code: str) -> None:
    taken = (await session.execute(select(Organisation.id).where(Organisation.credit_code == code))).first()
    if taken is not None:
        raise CreditCodeTaken(detail={"credit_code": code})


async def _lock_org(session: AsyncSession, org_id: str) -> Organisation:
    org = (
        await session.execute(select(Organisation).where(Organisation.id == org_id).with_for_update())
    ).scalar_one_or_none()
    if org is None:
        raise OrgNotFound(detail={"org_id": org_id[:64]})
    return org


async def _centre_org_ids(session: AsyncSession) -> list[str]:
    rows = await session.execute(select(Organisation.id).where(Organisation.kind == OrgKind.centre))
    return list(rows.scalars().all())


async def register_bidder(
    session: AsyncSession, actor: Actor, data: BidderRegistration, *, now: datetime
) -> tuple[Organisation, User]:
    """Self-registration of a bidder company and its first user: pending until the centre verifies it.

    Free of charge: nothing here asks for or records a fee (E-Bidding Measures Art.9).
    """
    code = rules.check_credit_code(data.credit_code)
    rules.check_password(data.password)
    await _ensure_credit_code_free(session, code)
    await _ensure_username_free(session, data.username)
    password_hash = hash_password(data.password)

    org = Organisation(
        kind=OrgKind.bidder, name=data.org_name, credit_code=code, region=data.region, address=data.address,
        contact_name=data.contact_name, contact_phone=data.contact_phone, status=OrgStatus.pending,
        reject_reason="", department="", supervised_lines=[], created_at=now,
    )
    session.add(org)
    await session.flush()
    user = User(
        organisation_id=org.id, username=data.username, display_name=data.display_name, email=data.email,
        phone=data.contact_phone, password_hash=password_hash, role=Role.bidder, is_active=True, created_at=now,
    )
    session.add(user)
    await session.flush()
    # The applicant is the actor: it has no account before this call, its new one is what acted.
    await record(
        session, "party:bidder_registered", actor_for(user, org, actor.ip), subject_type="organisation",
        subject_id=org.id, after={**org_snapshot(org), "user": user_snapshot(user)}, now=now,
    )
    await notify_orgs(
        session, await _centre_org_ids(session), kind="party.registration_pending",
        title_zh=f"新的投标人注册待审核：{org.name}", title_en=f"New bidder registration to verify: {org.name}",
        link="/workspace/centre/orgs?status=pending", now=now,
    )
    await commit(session)
    return org, user


async def verify_organisation(
    session: AsyncSession, actor: Actor, org_id: str, *, now: datetime, note: str = ""
) -> Organisation:
    """Centre staff confirm a registration; the organisation may then act on tenders."""
    _require_centre(actor)
    org = await _lock_org(session, org_id)
    before = org_snapshot(org)
    state.transition_to(org, OrgStatus.verified)
    org.reject_reason = ""
    org.verified_at = now
    org.verified_by = actor.user_id
    await record(
        session, "organisation:verified", actor, subject_type="organisation", subject_id=org.id,
        before=before, after={**org_snapshot(org), "note": note}, now=now,
    )
    await notify_orgs(
        session, [org.id], kind="party.verified", title_zh="贵单位注册信息已通过审核",
        title_en="Your organisation has been verified", body_zh="现在可以参与交易项目。",
        body_en="You may now take part in tenders and auctions.", link="/workspace/account", now=now,
    )
    await commit(session)
    return org


async def reject_organisation(
    session: AsyncSession, actor: Actor, org_id: str, *, reason: str, now: datetime
) -> Organisation:
    """Centre staff return a registration with a reason the applicant can act on."""
    _require_centre(actor)
    reason = reason.strip()
    if not reason:
        raise RejectReasonRequired()
    org = await _lock_org(session, org_id)
    before = org_snapshot(org)
    state.transition_to(org, OrgStatus.rejected)
    org.reject_reason = reason
    await record(
        session, "organisation:rejected", actor, subject_type="organisation", subject_id=org.id,
        before=before, after=org_snapshot(org), now=now,
    )
    await notify_orgs(
        session, [org.id], kind="party.rejected", title_zh="贵单位注册申请未通过审核",
        title_en="Your registration was not approved", body_zh=f"理由：{reason}", body_en=f"Reason: {reason}",
        link="/workspace/account", now=now,
    )
    await commit(session)
    return org


def _contact_snapshot(org: Organisation) -> dict[str, Any]:
    return {"region": org.region, "address": org.address, "contact_name": org.contact_name,
            "contact_phone": org.contact_phone}


async def resubmit_registration(
    session: AsyncSession, actor: Actor, data: RegistrationResubmit, *, now: datetime
) -> Organisation:
    """A rejected bidder's own user corrects the company's details; it goes back to the centre's queue.

    Free of charge like the first application: nothing here asks for or records a fee (E-Bidding Measures Art.9).
    """
    if not actor.is_authenticated or actor.org_id is None:
        raise Unauthenticated()
    if actor.role != Role.bidder:
        raise BidderOnly()
    code = rules.check_credit_code(data.credit_code)
    # The actor's own organisation, never one named in the request: a user can only resubmit its own company.
    org = await _lock_org(session, actor.org_id)
    if org.kind != OrgKind.bidder:
        raise BidderOnly()
    if not state.can_transition(org.status, OrgStatus.pending):
        raise RegistrationNotRejected(detail={"status": OrgStatus(org.status).value})
    if code != org.credit_code:
        await _ensure_credit_code_free(session, code)
    before = {**org_snapshot(org), **_contact_snapshot(org)}
    previous_reason = org.reject_reason
    state.transition_to(org, OrgStatus.pending)
    org.name, org.credit_code, org.region, org.address = data.org_name, code, data.region, data.address
    org.contact_name, org.contact_phone = data.contact_name, data.contact_phone
    org.reject_reason = ""  # the old reason stays in the audit trail and in the centre's notice
    org.verified_at = None
    org.verified_by = None
    await record(
        session, "organisation:resubmitted", actor, subject_type="organisation", subject_id=org.id,
        before=before, after={**org_snapshot(org), **_contact_snapshot(org)}, now=now,
    )
    await notify_orgs(
        session, await _centre_org_ids(session), kind="party.registration_resubmitted",
        title_zh=f"投标人已修改注册信息并重新提交：{org.name}",
        title_en=f"Bidder corrected its registration and applied again: {org.name}",
        body_zh=f"上次退回理由：{previous_reason}", body_en=f"Previous reason for rejection: {previous_reason}",
        link="/workspace/centre/orgs?status=pending", now=now,
    )
    await commit(session)
    return org


async def create_organisation(session: AsyncSession, actor: Actor, data: OrgCreate, *, now: datetime) -> Organisation:
    """The centre administrator creates a verified organisation; supervisors get the lines of their department."""
    _require_admin(actor)
    lines = rules.lines_for(data.kind, data.department)
    code: str | None = None
    if data.credit_code:
        code = rules.check_credit_code(data.credit_code)
        await _ensure_credit_code_free(session, code)
    org = Organisation(
        kind=data.kind, name=data.name, credit_code=code, region=data.region, address=data.address,
        contact_name=data.contact_name, contact_phone=data.contact_phone, status=OrgStatus.verified,
        reject_reason="", department=data.department if data.kind == OrgKind.supervisor else "",
        supervised_lines=list(lines), verified_at=now, verified_by=actor.user_id, created_at=now,
    )
    session.add(org)
    await session.flush()
    await record(
        session, "organisation:created", actor, subject_type="organisation", subject_id=org.id,
        after=org_snapshot(org), now=now,
    )
    await commit(session)
    return org


async def create_user(
    session: AsyncSession, actor: Actor, org_id: str, data: UserCreate, *, now: datetime
) -> User:
    """The centre administrator adds a user whose role fits the organisation's kind."""
    _require_admin(actor)
    org = await _lock_org(session, org_id)
    role = data.role or rules.default_role(OrgKind(org.kind))
    if not rules.role_allowed(OrgKind(org.kind), role):
        raise RoleNotAllowed(detail={"kind": org.kind, "role": role.value})
    rules.check_password(data.password)
    await _ensure_username_free(session, data.username)
    user = User(
        organisation_id=org.id, username=data.username, display_name=data.display_name, phone=data.phone,
        email=data.email, password_hash=hash_password(data.password), role=role, is_active=True, created_at=now,
    )
    session.add(user)
    await session.flush()
    await record(
        session, "user:created", actor, subject_type="user", subject_id=user.id, after=user_snapshot(user), now=now,
    )
    await commit(session)
    return user


async def change_password(
    session: AsyncSession, actor: Actor, *, current_password: str, new_password: str, now: datetime,
    keep_session_hash: str | None = None,
) -> None:
    """Change one's own password; every other browser session of the user is signed out."""
    if not actor.is_authenticated or actor.user_id is None:
        raise Unauthenticated()
    user = (
        await session.execute(select(User).where(User.id == actor.user_id).with_for_update())
    ).scalar_one_or_none()
    if user is None:
        raise Unauthenticated()
    if not verify_password(user.password_hash, current_password):
        raise PasswordWrong()
    rules.check_password(new_password)
    if new_password == current_password:
        raise PasswordUnchanged()
    user.password_hash = hash_password(new_password)
    others = WebSession.user_id == user.id
    if keep_session_hash is not None:
        others = others & (WebSession.token_hash != keep_session_hash)
    await session.execute(update(WebSession).where(others).values(revoked=True))
    await record(session, "user:password_changed", actor, subject_type="user", subject_id=user.id, now=now)
    await commit(session)


async def disable_user(session: AsyncSession, actor: Actor, user_id: str, *, now: datetime) -> User:
    """The centre administrator disables an account; its sessions and API tokens stop working at once."""
    _require_admin(actor)
    if user_id == actor.user_id:
        raise CannotDisableSelf()
    user = (await session.execute(select(User).where(User.id == user_id).with_for_update())).scalar_one_or_none()
    if user is None:
        raise UserNotFound(detail={"user_id": user_id[:64]})
    before = user_snapshot(user)
    user.is_active = False
    await session.execute(update(WebSession).where(WebSession.user_id == user.id).values(revoked=True))
    await session.execute(update(ApiToken).where(ApiToken.user_id == user.id).values(revoked=True))
    await record(
        session, "user:disabled", actor, subject_type="user", subject_id=user.id, before=before,
        after=user_snapshot(user), now=now,
    )
    await commit(session)
    return user


# --- reads: access control lives in the query -------------------------------------------------------


def _visible_orgs(actor: Actor) -> Select[Organisation]:
    if not actor.is_authenticated:
        raise Unauthenticated()
    stmt = select(Organisation)
    if not actor.is_centre:
        stmt = stmt.where(Organisation.id == actor.org_id)
    return stmt


async def list_orgs(
    session: AsyncSession, actor: Actor, *, kind: OrgKind | None = None, status: OrgStatus | None = None,
    page: int = 1, page_size: int = 20,
) -> tuple[list[Organisation], int]:
    """Organisations the actor may see (centre: all, filtered; others: their own), oldest application first."""
    stmt = _visible_orgs(actor)
    if kind is not None:
        stmt = stmt.where(Organisation.kind == kind)
    if status is not None:
        stmt = stmt.where(Organisation.status == status)
    page = max(page, 1)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    total = int((await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one())
    rows = await session.execute(
        stmt.order_by(Organisation.created_at, Organisation.id).offset((page - 1) * page_size).limit(page_size)
    )
    return list(rows.scalars().all()), total


async def get_org(session: AsyncSession, actor: Actor, org_id: str) -> Organisation:
    """One organisation, if the actor may see it (others' organisations look like they do not exist)."""
    org = (await session.execute(_visible_orgs(actor).where(Organisation.id == org_id))).scalar_one_or_none()
    if org is None:
        raise OrgNotFound(detail={"org_id": org_id[:64]})
    return org


async def list_users(session: AsyncSession, actor: Actor, org_id: str) -> list[User]:
    """Users of an organisation the actor may see."""
    org = await get_org(session, actor, org_id)
    rows = await session.execute(select(User).where(User.organisation_id == org.id).order_by(User.created_at))
    return list(rows.scalars().all())


async def get_org_with_users(session: AsyncSession, actor: Actor, org_id: str) -> tuple[Organisation, list[User]]:
    """An organisation and its users, for the detail view.

    The expert pool is one organisation of thousands of private persons: an expert sees only itself there, and
    nobody outside the centre learns who else is in the pool (their names stay hidden until a draw's result)."""
    org = await get_org(session, actor, org_id)
    stmt = select(User).where(User.organisation_id == org.id)
    if org.kind == OrgKind.expert and not actor.is_centre:
        stmt = stmt.where(User.id == actor.user_id)
    rows = await session.execute(stmt.order_by(User.created_at))
    return org, list(rows.scalars().all())
