"""`ggzy expert …`: re-run a revealed expert draw from its published data, on anyone's machine.

Imports only the pure draw rules (no database, no app), so a bidder or a journalist can check a draw with the
same code the platform ran: SHA-256(seed) = the commitment published before the draw, each snapshot's SHA-256,
and the committee recomputed from them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ggzy.expert.draw_rules import verify_draw

expert_app = typer.Typer(help="Expert pool and the verifiable expert draw (专家抽取)", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _load(source: str, timeout: float) -> dict[str, Any]:
    if source.startswith(("http://", "https://")):
        import httpx

        response = httpx.get(source, timeout=timeout, follow_redirects=True)
        response.raise_for_status()
        doc = response.json()
    else:
        doc = json.loads(Path(source).read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise ValueError("the verification data is not a JSON object")
    return doc


@expert_app.command("verify-draw")
def verify_draw_cmd(
    source: Annotated[str, typer.Argument(help="verification JSON: a file, or the URL of "
                                               "/api/draws/{id}/verification")],
    timeout: Annotated[float, typer.Option(help="seconds to wait for a URL")] = 30.0,
) -> None:
    """Re-run a revealed draw and check it; exit code 1 on any mismatch."""
    try:
        doc = _load(source, timeout)
    except Exception as exc:  # unreadable file, network error, not JSON: all are a failed verification
        err.print(f"[red]cannot read {source}: {type(exc).__name__}: {exc}[/red]")
        raise typer.Exit(1) from None
    result = verify_draw(doc)
    for what, passed, detail in result.checks:
        mark = "[green]✔[/green]" if passed else "[red]✘[/red]"
        out.print(f"{mark} {what}" + ("" if passed else f" — {detail}"))
    table = Table(title=f"评标委员会 Committee — draw {doc.get('draw_id', '?')}")
    for col in ("轮次 round", "专业 specialty", "专家 expert id"):
        table.add_column(col)
    for seat in result.committee:
        table.add_row(str(seat["round"]), seat["code"], seat["expert_id"])
    out.print(table)
    if not result.ok:
        err.print("[red]MISMATCH: the draw does not verify[/red]")
        raise typer.Exit(1)
    out.print("[green]OK: the committee follows from the committed seed, the snapshots and the request[/green]")
