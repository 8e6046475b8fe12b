"""The ``themelens`` command line: parse, call, print. Nothing is computed here.

Every ``ThemelensError`` becomes one red line on stderr and exit status 1;
no traceback reaches the user (``pretty_exceptions_show_locals`` is off so a
genuine crash does not dump locals either). One module per command group;
importing them registers their commands on ``app``.

``app`` (``from themelens.cli import app``) is the whole command line, every
module imported. ``main()`` (``python -m themelens``) imports only the module
of the command being run when that module holds just that command (``rally``),
so a command does not pay for the imports of the others (the news extractors,
the archive); any other invocation, ``--help`` included, loads them all.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import typer

__all__ = ["app", "main"]

COMMAND_MODULES: Final = (
    "archive",
    "basket",
    "claims",
    "claims_reconcile",
    "events",
    "events_universe",
    "fundamentals",
    "news",
    "prices",
    "rally",
    "report",
    "sentiment",
    "serve",
    "theme",
    "verify",
    "watch",
)
"""The modules that register commands on ``app``, in registration order."""

SOLO_COMMANDS: Final[dict[str, str]] = {"rally": "rally"}
"""Top-level command → the module that registers it and nothing else (tests/test_cli.py
checks that its --help is the same either way)."""


def load_app(only: str | None = None) -> typer.Typer:
    """The app with every command module imported, or only module ``only``.

    Commands are listed (``--help``) in ``COMMAND_MODULES`` order whichever
    module was imported first: a caller may import one (``themelens.cli.news``)
    before asking for the app.
    """
    for name in COMMAND_MODULES if only is None else (only,):
        importlib.import_module(f"{__name__}.{name}")
    from themelens.cli._app import app

    _in_module_order(app)
    return app


def _in_module_order(group: typer.Typer) -> None:
    rank = {f"{__name__}.{name}": i for i, name in enumerate(COMMAND_MODULES)}
    group.registered_commands.sort(  # stable: a module's own commands keep their order
        key=lambda c: rank.get(getattr(c.callback, "__module__", ""), len(rank))
    )
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _in_module_order(sub.typer_instance)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    # the global options (-v/--verbose) take no value: the first other word names the command
    command = next((a for a in args if not a.startswith("-")), "")
    app = load_app(SOLO_COMMANDS.get(command))
    if argv is None:
        app()  # click reads sys.argv and names the program as it was started
    else:
        app(args=args)


def __getattr__(name: str) -> Any:
    """``app``: the whole command line, loaded on first use (PEP 562)."""
    if name == "app":
        return load_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
