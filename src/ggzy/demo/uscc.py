"""Build valid 统一社会信用代码 (GB 32100-2015) for demo organisations, check digits included."""

from __future__ import annotations

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters GB 32100 allows (no I, O, S, V, Z)."""
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
"""GB 11714 weights for the 9-character organisation code embedded at positions 9-17."""


def org_code_check(body8: str) -> str:
    """GB 11714 check character for an 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))  # A=10 … Z=35
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc_check(body17: str) -> str:
    """GB 32100 check character for the first 17 characters."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def make_uscc(registrar: str, category: str, region: str, org8: str) -> str:
    """registrar+category (e.g. '91' enterprise, '11' government body, '12' public institution), 6-digit region."""
    body = registrar + category + region + org8 + org_code_check(org8)
    if len(body) != 17 or any(c not in USCC_CHARS for c in body):
        raise ValueError(f"not a valid USCC body: {body!r}")
    return body + uscc_check(body)


def is_valid_uscc(code: str) -> bool:
    """Full check: alphabet, GB 11714 organisation-code digit and GB 32100 check digit."""
    if len(code) != 18 or any(c not in USCC_CHARS for c in code):
        return False
    if not code[8:16].isalnum() or org_code_check(code[8:16]) != code[16]:
        return False
    return uscc_check(code[:17]) == code[17]
