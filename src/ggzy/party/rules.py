"""Pure rules of the party domain: credit codes, password policy, supervisor lines, verification."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Final

from ggzy.auth.actor import Actor
from ggzy.kit.errors import Unauthenticated
from ggzy.party.errors import CreditCodeInvalid, DepartmentInvalid, NotVerified, PasswordWeak
from ggzy.party.models import ORG_KIND_ROLES, OrgKind, Role

# GB 32100-2015: 31 symbols (0-9 and capitals without I, O, S, V, Z); each symbol's value is its index.
CREDIT_CODE_CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i (1-based) is 3^(i-1) mod 31, as printed in the standard.
CREDIT_CODE_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(rf"^[{CREDIT_CODE_CHARSET}]{{2}}[0-9]{{6}}[{CREDIT_CODE_CHARSET}]{{10}}$")


def normalise_credit_code(code: str) -> str:
    """Upper-case and strip spaces: people paste codes from licences in every form."""
    return re.sub(r"\s+", "", code).upper()


def credit_code_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_CHARSET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """True when `code` is 18 characters of the GB 32100 alphabet with a region code and a correct check digit."""
    if not _CREDIT_RE.match(code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def check_credit_code(code: str) -> str:
    """Normalise and validate a credit code, raising party.credit_code_invalid."""
    norm = normalise_credit_code(code)
    if not is_valid_credit_code(norm):
        raise CreditCodeInvalid(detail={"credit_code": code[:40]})
    return norm


PASSWORD_MIN_LENGTH: Final = 10
PASSWORD_MAX_LENGTH: Final = 256


def password_problems(password: str) -> list[str]:
    """What is wrong with a new password (empty list: acceptable)."""
    problems: list[str] = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append("too_short")
    if len(password) > PASSWORD_MAX_LENGTH:
        problems.append("too_long")
    if not re.search(r"[A-Za-z]", password):
        problems.append("no_letter")
    if not re.search(r"[0-9]", password):
        problems.append("no_digit")
    return problems


def check_password(password: str) -> None:
    """Raise party.password_weak unless the password has ≥ 10 characters with letters and digits."""
    problems = password_problems(password)
    if problems:
        raise PasswordWeak(detail={"problems": problems})


DEPARTMENT_LINES: Final = MappingProxyType({
    "财政局": ("procurement",),
    "住建局": ("construction",),
    "交通运输局": ("construction",),
    "水利局": ("construction",),
    "国资委": ("property",),
    "自然资源局": ("land",),
})
"""Supervisor department → trading lines (project.models.TradingLine values) it watches."""

DEPARTMENT_LABELS: Final = MappingProxyType({
    "财政局": "Finance Bureau",
    "住建局": "Housing and Construction Bureau",
    "交通运输局": "Transport Bureau",
    "水利局": "Water Resources Bureau",
    "国资委": "State-owned Assets Commission",
    "自然资源局": "Natural Resources Bureau",
})


def lines_for(kind: OrgKind, department: str) -> tuple[str, ...]:
    """The trading lines an organisation supervises; only supervisor departments have any."""
    department = department.strip()
    if kind != OrgKind.supervisor:
        if department:
            raise DepartmentInvalid(detail={"department": department[:32]})
        return ()
    if department not in DEPARTMENT_LINES:
        raise DepartmentInvalid(detail={"department": department[:32]})
    return DEPARTMENT_LINES[department]


def role_allowed(kind: OrgKind, role: Role) -> bool:
    """A user's role must belong to its organisation's kind (a bidder company has no centre staff)."""
    return role in ORG_KIND_ROLES[kind]


def default_role(kind: OrgKind) -> Role:
    """The ordinary role of a new user in an organisation of `kind`."""
    return Role.centre_staff if kind == OrgKind.centre else next(iter(ORG_KIND_ROLES[kind]))


def ensure_verified(actor: Actor) -> None:
    """Refuse tender actions from an organisation the centre has not verified (party.not_verified, 403)."""
    if not actor.is_authenticated:
        raise Unauthenticated()
    if not actor.org_verified:
        raise NotVerified()
