"""PostgreSQL without JIT compilation for this application's queries.

The home page counts ten kinds of due items in one pass over a province's persons; its
estimated cost passes `jit_above_cost`, and compiling its ~150 expressions took ~950 ms for a
query that runs in ~20 ms (bench, 10 % data set). Short interactive queries never gain from JIT,
so every connection of the application starts with `-c jit=off` (a startup option: no
transaction can undo it). The server's own setting is left alone for other users.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

OPTION = "-c jit=off"


def _on_do_connect(dialect, _record, _cargs, cparams) -> None:
    if dialect.name != "postgresql":
        return
    options = cparams.get("options") or ""
    if "jit" not in options:
        cparams["options"] = f"{options} {OPTION}".strip()


def install() -> None:
    if not event.contains(Engine, "do_connect", _on_do_connect):
        event.listen(Engine, "do_connect", _on_do_connect)
