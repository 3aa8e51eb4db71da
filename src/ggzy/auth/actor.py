"""Who is acting: passed to every service so it can authorise and leave an audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from ggzy.party.models import OrgKind, Role


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str | None
    org_id: str | None
    role: Role | None
    org_kind: OrgKind | None = None
    ip: str = ""
    display_name: str = ""
    org_name: str = ""
    supervised_lines: tuple[str, ...] = ()
    org_verified: bool = False
    """Only a verified organisation may act on tenders (a self-registered bidder waits for the centre)."""

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_centre(self) -> bool:
        return self.role in (Role.centre_staff, Role.centre_admin)

    def has(self, *roles: Role) -> bool:
        return self.role in roles

    def acts_for(self, *, tenderer_org_id: str | None, agency_org_id: str | None) -> bool:
        """A project's or tender's own tenderer or agency organisation, acting in that role."""
        if self.org_id is None:
            return False
        if self.role == Role.tenderer:
            return self.org_id == tenderer_org_id
        if self.role == Role.agency:
            return self.org_id == agency_org_id
        return False


ANONYMOUS = Actor(user_id=None, org_id=None, role=None)


def system_actor(reason: str = "chronograph") -> Actor:
    """The platform acting on its own (deadline sweeper, migrations)."""
    return Actor(user_id=None, org_id=None, role=None, display_name=f"system:{reason}")
