"""The themelens exception and warning family.

Every error names the input it is about and what is wrong with it, in one
line, so the CLI can print ``str(exc)`` and exit non-zero without a traceback.
Foreign errors (yfinance, DuckDB, pydantic, OS) are translated at the adapter
that met them with ``raise ... from exc``.

::

    ThemelensError
    ├── InputError                 something the user gave us is wrong
    │   ├── ThemeError             a theme file (names the field)
    │   ├── ArticleError           an article file, feed or URL
    │   ├── CsvFormatError         a price CSV (names the file and the row)
    │   ├── UnknownTickerError     a ticker or entity we cannot resolve (lists close matches)
    │   └── AsofError              an as-of date the data cannot answer
    ├── DataError                  something a data source did
    │   ├── ProviderError          a provider failed (names provider and ticker)
    │   │   ├── EmptyDataError     ... it answered with no rows
    │   │   ├── RateLimitedError   ... it refused us for asking too often
    │   │   └── OfflineError       ... it could not be reached
    │   └── StoreError             the DuckDB cache failed
    ├── VerifyError                a claim could not be checked
    └── ClusterError               a Dask cluster could not be started, reached or kept

    ThemelensWarning(UserWarning)
    ├── DataGapWarning             data is missing where it was expected
    └── SyntheticDataWarning       a result is built on synthetic demo data
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ArticleError",
    "AsofError",
    "ClusterError",
    "CsvFormatError",
    "DataError",
    "DataGapWarning",
    "EmptyDataError",
    "Failure",
    "InputError",
    "OfflineError",
    "ProviderError",
    "RateLimitedError",
    "StoreError",
    "SyntheticDataWarning",
    "ThemeError",
    "ThemelensError",
    "ThemelensWarning",
    "UnknownTickerError",
    "VerifyError",
]


@dataclass(frozen=True)
class Failure:
    """One item of a batch that failed (ticker, file, URL) and a one-line reason.

    Batches return these instead of raising, so one bad item never stops the
    rest; ``str()`` is the line the CLI prints.
    """

    item: str
    reason: str
    where: str = ""
    """Where it was looked for (a path, a URL), for a terminal; a report's sentence leaves it out."""

    def __str__(self) -> str:
        return f"{self.item}: {self.reason}" + (f" ({self.where})" if self.where else "")


class ThemelensError(Exception):
    """Base of every error themelens raises on purpose; ``str()`` is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self)


class InputError(ThemelensError):
    """Something the user handed us (a file, a flag, a name) is wrong."""


class ThemeError(InputError):
    """A theme file is missing or invalid.

    ``path`` is the file, ``field`` the dotted location of the fault
    (``entities.3.listings``) when one is known.
    """

    def __init__(self, message: str, *, path: Path | str | None = None, field: str | None = None):
        self.path = Path(path) if path is not None else None
        self.field = field
        where = str(path) if path is not None else "theme"
        if field:
            where = f"{where}: {field}"
        super().__init__(f"{where}: {message}")


class ArticleError(InputError):
    """An article (file, feed, URL) could not be read."""

    def __init__(self, message: str, *, source: str):
        self.source = source
        super().__init__(f"{source}: {message}")


class CsvFormatError(InputError):
    """A price CSV is malformed; names the file and, when known, the row (1-based, header = 1)."""

    def __init__(self, message: str, *, path: Path | str, row: int | None = None):
        self.path = Path(path)
        self.row = row
        where = f"{path}" if row is None else f"{path}: row {row}"
        super().__init__(f"{where}: {message}")


class UnknownTickerError(InputError):
    """A ticker or entity name the theme and the data do not know."""

    def __init__(
        self, name: str, *, suggestions: Sequence[str] = (), what: str = "ticker or entity"
    ):
        self.name = name
        self.suggestions = tuple(suggestions)
        hint = f"; close matches: {', '.join(self.suggestions)}" if self.suggestions else ""
        super().__init__(f"{name}: unknown {what}{hint}")


class AsofError(InputError):
    """An as-of date outside what the data covers (e.g. before the first session)."""

    def __init__(self, message: str, *, ticker: str | None = None):
        self.ticker = ticker
        super().__init__(f"{ticker}: {message}" if ticker else message)


class DataError(ThemelensError):
    """A data source or the cache did something we cannot work with."""


class ProviderError(DataError):
    """A price/fundamentals provider failed for one ticker (or the whole request)."""

    def __init__(self, message: str, *, provider: str, ticker: str | None = None):
        self.provider = provider
        self.ticker = ticker
        who = f"{provider}: {ticker}" if ticker else provider
        super().__init__(f"{who}: {message}")


class EmptyDataError(ProviderError):
    """The provider answered, but with no usable rows.

    ``failures`` holds each ticker's own reason when a batch failed whole, so
    a caller reporting per ticker does not hand every ticker the batch's
    joined message.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        ticker: str | None = None,
        failures: Sequence[Failure] = (),
    ):
        self.failures = tuple(failures)
        super().__init__(message, provider=provider, ticker=ticker)


class RateLimitedError(ProviderError):
    """The provider refused us for asking too often, after our retries ran out."""


class OfflineError(ProviderError):
    """The provider could not be reached (no network, DNS, connection refused)."""


class StoreError(DataError):
    """The DuckDB cache could not be opened, read or written."""

    def __init__(self, message: str, *, path: Path | str | None = None):
        self.path = Path(path) if path is not None else None
        super().__init__(f"{path}: {message}" if path is not None else message)


class VerifyError(ThemelensError):
    """A claim could not be verified for a reason that is not a verdict."""


class ClusterError(ThemelensError):
    """The Dask cluster could not be started or reached, or lost its workers."""


class ThemelensWarning(UserWarning):
    """Base of themelens warnings, so users can filter them in one go."""


class DataGapWarning(ThemelensWarning):
    """Data is missing where it was expected (a gap, a ticker left out)."""


class SyntheticDataWarning(ThemelensWarning):
    """The result is built on synthetic demo data, not market data."""
