"""Pieces every builder shares (pure): parties with roles that accumulate over a process, notices as documents,
and the release envelope."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ggzy.ocds import rules
from ggzy.party.models import Organisation
from ggzy.project.models import Notice, NoticeKind

CONTACT_ROLES = frozenset({"buyer", "procuringEntity", "reviewBody"})
"""Roles whose contact details the platform's own notices publish; bidders' contacts are never published."""


def party_id(org: Organisation) -> str:
    """`{scheme}-{id}` for an organisation with a 统一社会信用代码, else the platform's own id."""
    return f"{rules.ID_SCHEME}-{org.credit_code}" if org.credit_code else f"ggzy-{org.id}"


@dataclass
class Parties:
    """The parties of one process. Each release carries the parties it mentions with every role they have had
    so far: the merge replaces `roles` as a whole list, so a release must never lose an earlier role."""

    orgs: Mapping[str, Organisation]
    roles: dict[str, list[str]] = field(default_factory=dict)
    """party id → roles in the order first given."""
    anonymous: dict[str, str] = field(default_factory=dict)
    """party id → name, for auction bidders known only by their number (竞买号)."""
    by_pid: dict[str, Organisation] = field(default_factory=dict)

    def ref(self, org_id: str, role: str) -> dict[str, Any]:
        """Give the organisation `role` and return its OrganizationReference."""
        org = self.orgs[org_id]
        pid = party_id(org)
        self.by_pid[pid] = org
        have = self.roles.setdefault(pid, [])
        if role not in have:
            have.append(role)
        return {"id": pid, "name": org.name}

    def anonymous_ref(self, pid: str, name: str, role: str) -> dict[str, Any]:
        self.anonymous[pid] = name
        have = self.roles.setdefault(pid, [])
        if role not in have:
            have.append(role)
        return {"id": pid, "name": name}

    def _party(self, pid: str) -> dict[str, Any]:
        roles = list(self.roles.get(pid, []))
        if pid in self.anonymous:
            return {"id": pid, "name": self.anonymous[pid], "roles": roles}
        org = self.by_pid[pid]
        party: dict[str, Any] = {"id": pid, "name": org.name}
        if org.credit_code:
            party["identifier"] = {"scheme": rules.ID_SCHEME, "id": org.credit_code, "legalName": org.name}
        address = {k: v for k, v in (("streetAddress", org.address), ("region", org.region)) if v}
        if address:
            party["address"] = {**address, "countryName": "中国"}
        if CONTACT_ROLES & set(roles) and (org.contact_name or org.contact_phone):
            party["contactPoint"] = {k: v for k, v in (("name", org.contact_name),
                                                        ("telephone", org.contact_phone)) if v}
        party["roles"] = roles
        return party

    def listed(self, refs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The parties behind these references (each once), with their roles so far."""
        ids = list(dict.fromkeys(r["id"] for r in refs))
        return [self._party(pid) for pid in ids]


def document(notice: Notice, base_url: str) -> dict[str, Any]:
    """A published notice as an OCDS document: its public page is the document."""
    doc: dict[str, Any] = {"id": notice.id}
    kind = rules.DOCUMENT_TYPE.get(NoticeKind(notice.kind))
    if kind:
        doc["documentType"] = kind
    doc.update({"title": notice.title, "url": f"{base_url.rstrip('/')}/notices/{notice.id}",
                "datePublished": rules.when(notice.published_at), "format": "text/html",
                "language": rules.LANGUAGE})
    return doc


def release(ocid: str, release_id: str, at: datetime, tag: str, body: dict[str, Any]) -> dict[str, Any]:
    """The envelope of one release around its sections."""
    return {"ocid": ocid, "id": release_id, "date": rules.when(at), "tag": [tag], "initiationType": "tender",
            "language": rules.LANGUAGE, **body}
