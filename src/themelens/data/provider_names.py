"""The price providers' names, without importing them: what ``--provider`` lists in ``--help``.

The providers themselves (``data.providers``) pull in pandas, yfinance and
AkShare's client; the command line only needs their names to describe the
flag. ``tests/data`` checks this tuple against the registry, so the two
cannot drift.
"""

from __future__ import annotations

from typing import Final

__all__ = ["AUTO", "PROVIDER_CHOICES", "PROVIDER_NAMES"]

AUTO: Final = "auto"
"""Each listing from the providers its theme names."""

PROVIDER_NAMES: Final[tuple[str, ...]] = ("akshare", "csv", "demo", "yahoo")
"""The registered providers, sorted."""

PROVIDER_CHOICES: Final[tuple[str, ...]] = tuple(sorted((*PROVIDER_NAMES, AUTO)))
"""What ``--provider`` accepts, sorted (``data.loading.provider_names()``)."""
