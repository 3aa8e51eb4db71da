"""Pure party rules: credit codes (GB 32100-2015), password policy, supervisor lines, verification."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.auth.actor import ANONYMOUS, Actor
from ggzy.kit.errors import Unauthenticated
from ggzy.party import rules, state
from ggzy.party.errors import BadStatusTransition, CreditCodeInvalid, DepartmentInvalid, NotVerified, PasswordWeak
from ggzy.party.models import Organisation, OrgKind, OrgStatus, Role

# Published codes of real companies (printed on their licences and in public registers).
REAL_CODES = ["91350100M000100Y43", "91110000600037341L", "911100007109310534"]

charset = st.sampled_from(rules.CREDIT_CODE_CHARSET)
digits = st.sampled_from("0123456789")


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_pass_gb32100_check_digit(code: str) -> None:
    assert rules.is_valid_credit_code(code)
    assert rules.check_credit_code(code) == code


@pytest.mark.parametrize("code", REAL_CODES)
def test_wrong_check_digit_is_rejected_gb32100(code: str) -> None:
    for wrong in rules.CREDIT_CODE_CHARSET:
        if wrong != code[17]:
            assert not rules.is_valid_credit_code(code[:17] + wrong)
    with pytest.raises(CreditCodeInvalid) as err:
        rules.check_credit_code(code[:17] + ("0" if code[17] != "0" else "1"))
    assert err.value.status == 422 and err.value.code == "party.credit_code_invalid"


@pytest.mark.parametrize(
    "code",
    ["", "9135010", "91350100M000100Y4", "91350100M000100Y433", "91350100M000100I43", "91350100M000100O43",
     "913501A0M000100Y43", "91350100M000100Y4Z", "91350100M000100Y4-"],
)
def test_malformed_credit_codes_are_rejected(code: str) -> None:
    assert not rules.is_valid_credit_code(code)


def test_credit_code_is_normalised_before_checking() -> None:
    assert rules.check_credit_code(" 91110000600037341l ") == "91110000600037341L"
    assert rules.check_credit_code("9135 0100 M000 100Y 43") == "91350100M000100Y43"


@given(st.tuples(charset, charset, *[digits] * 6, *[charset] * 9))
def test_any_single_substitution_breaks_the_check_digit(parts: tuple[str, ...]) -> None:
    """The mod-31 check of GB 32100 catches every single-character error."""
    body = "".join(parts)
    code = body + rules.credit_code_check_char(body)
    assert rules.is_valid_credit_code(code)
    for i in (0, 5, 10, 16):
        for ch in "0A":
            if code[i] != ch and not (2 <= i <= 7 and not ch.isdigit()):
                assert not rules.is_valid_credit_code(code[:i] + ch + code[i + 1:])


@pytest.mark.parametrize("password", ["Abcdefghi1", "0123456789abc", "correct horse battery 9"])
def test_password_policy_accepts_ten_chars_with_letters_and_digits(password: str) -> None:
    rules.check_password(password)


@pytest.mark.parametrize(
    ("password", "problem"),
    [("Abcdefgh1", "too_short"), ("abcdefghijkl", "no_digit"), ("12345678901", "no_letter"),
     ("密码密码密码密码密码1", "no_letter"), ("a1" * 200, "too_long")],
)
def test_password_policy_rejects_weak_passwords(password: str, problem: str) -> None:
    with pytest.raises(PasswordWeak) as err:
        rules.check_password(password)
    assert problem in err.value.detail["problems"]


def test_supervisor_departments_map_to_their_trading_lines() -> None:
    assert rules.lines_for(OrgKind.supervisor, "财政局") == ("procurement",)
    for dept in ("住建局", "交通运输局", "水利局"):
        assert rules.lines_for(OrgKind.supervisor, dept) == ("construction",)
    assert rules.lines_for(OrgKind.supervisor, "国资委") == ("property",)
    assert rules.lines_for(OrgKind.supervisor, "自然资源局") == ("land",)
    assert rules.lines_for(OrgKind.agency, "") == ()
    with pytest.raises(DepartmentInvalid):
        rules.lines_for(OrgKind.supervisor, "教育局")
    with pytest.raises(DepartmentInvalid):
        rules.lines_for(OrgKind.supervisor, "")
    with pytest.raises(DepartmentInvalid):
        rules.lines_for(OrgKind.agency, "财政局")


def test_roles_must_fit_the_organisation_kind() -> None:
    assert rules.role_allowed(OrgKind.centre, Role.centre_admin)
    assert not rules.role_allowed(OrgKind.bidder, Role.centre_staff)
    assert rules.default_role(OrgKind.centre) == Role.centre_staff
    assert rules.default_role(OrgKind.expert) == Role.expert


def test_ensure_verified_refuses_pending_bidders_art9_registration() -> None:
    pending = Actor(user_id="u", org_id="o", role=Role.bidder, org_kind=OrgKind.bidder, org_verified=False)
    with pytest.raises(NotVerified) as err:
        rules.ensure_verified(pending)
    assert err.value.status == 403 and err.value.code == "party.not_verified"
    with pytest.raises(Unauthenticated):
        rules.ensure_verified(ANONYMOUS)
    rules.ensure_verified(Actor(user_id="u", org_id="o", role=Role.bidder, org_verified=True))


def test_org_status_machine_is_a_table() -> None:
    org = Organisation(kind=OrgKind.bidder, name="x", status=OrgStatus.pending)
    assert state.transition_to(org, OrgStatus.rejected) == OrgStatus.pending
    assert org.status == OrgStatus.rejected
    with pytest.raises(BadStatusTransition):
        state.transition_to(org, OrgStatus.verified)
    state.transition_to(org, OrgStatus.pending)
    state.transition_to(org, OrgStatus.verified)
    with pytest.raises(BadStatusTransition) as err:
        state.transition_to(org, OrgStatus.verified)
    assert err.value.status == 409
