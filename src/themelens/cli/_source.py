"""The flags that choose a theme, a store and a price source, declared once for every command.

Commands used to repeat ``--prices-dir --provider --demo [--format] --theme --db`` as five
parameters and a ``settings_and_theme(...)`` call each. Now a command asks for them with
``@source_options(...)`` and receives one ``Source``; ``--help`` is unchanged because the
decorator puts the very same typer parameters, in the same order, at the end of the
command's signature (typer reads ``__signature__``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from themelens.cli._common import (
    DbOpt,
    DemoOpt,
    FormatOpt,
    OutputFormat,
    PricesDirOpt,
    ProviderOpt,
    ThemeOpt,
)
from themelens.config import Settings, resolve_settings
from themelens.data.provider_names import PROVIDER_CHOICES
from themelens.errors import InputError

if TYPE_CHECKING:  # pydantic and the theme files are read when a command runs, not for --help
    from themelens.theme import Theme

Flag = Literal["prices_dir", "provider", "demo", "format", "theme", "db"]

PRICE_FLAGS: Final[tuple[Flag, ...]] = ("prices_dir", "provider", "demo", "format", "theme", "db")
"""What a price command takes, in --help order."""
RUN_FLAGS: Final[tuple[Flag, ...]] = ("prices_dir", "provider", "demo", "theme", "db")
"""A price command that writes a file or a few lines rather than a table: no --format."""
STORE_FLAGS: Final[tuple[Flag, ...]] = ("theme", "db")
"""What a command that reads the theme and the store (never prices) takes."""


def option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    """A typer option as a signature parameter, for ``option_group``."""
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)  # fmt: skip


_FLAGS: Final[dict[Flag, inspect.Parameter]] = {
    "prices_dir": option("prices_dir", PricesDirOpt, None),
    "provider": option("provider", ProviderOpt, None),
    "demo": option("demo", DemoOpt, False),
    "format": option("fmt", FormatOpt, OutputFormat.table),
    "theme": option("theme", ThemeOpt, None),
    "db": option("db", DbOpt, None),
}


@dataclass(frozen=True)
class Source:
    """The source flags as the user typed them; ``resolve()`` turns them into settings.

    Kept as typed (not resolved) so a command decides when to touch the
    environment and the theme file, inside its error boundary.
    """

    theme: str | None = None
    db: Path | None = None
    provider: str | None = None
    prices_dir: Path | None = None
    demo: bool = False

    def settings(self) -> Settings:
        """Defaults < ``THEMELENS_*`` env < these flags; an unknown ``--provider`` is an
        ``InputError`` here, before any work, rather than deep in the loader."""
        if self.provider is not None and self.provider not in PROVIDER_CHOICES:
            raise InputError(
                f"--provider {self.provider}: unknown provider; "
                f"choose from {', '.join(PROVIDER_CHOICES)}"
            )
        return resolve_settings(
            db=self.db,
            theme=self.theme,
            provider=self.provider,
            prices_dir=self.prices_dir,
            demo=self.demo,
        )

    def resolve(self) -> tuple[Settings, Theme]:
        """The settings and the theme they name (loaded and validated)."""
        settings = self.settings()
        from themelens.theme import load_theme

        return settings, load_theme(settings.theme)


def option_group(
    name: str, build: Callable[..., object], params: Sequence[inspect.Parameter]
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command ``params`` as its last options and pass it ``build(...)`` as ``name``.

    Typer reads a command's options from its signature, so the wrapper shows
    typer the individual ``params`` (same flags, help, defaults and order as if
    written out) and hands the command one object built from those that are
    ``build``'s fields; the others (``fmt``) reach the command as themselves.
    Stacked groups append in order, innermost first.
    """
    fields = [p.name for p in params if p.name in inspect.signature(build).parameters]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = inspect.signature(command, eval_str=True)
        replaced = {name, *(p.name for p in params)}
        signature = [*(p for p in own.parameters.values() if p.name not in replaced), *params]

        @functools.wraps(command)
        def run(**kwargs: Any) -> None:
            group = build(**{k: kwargs.pop(k) for k in fields})
            command(**kwargs, **{name: group})

        run.__signature__ = own.replace(parameters=signature)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in signature} | {"return": None}
        return run

    return decorate


def source_options(*flags: Flag) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the source ``flags`` as its last options, in the order given.

    The command declares keyword-only ``source: Source`` (and ``fmt: OutputFormat``
    when ``"format"`` is among ``flags``); typer sees the individual options.
    """
    return option_group("source", Source, [_FLAGS[f] for f in flags])
