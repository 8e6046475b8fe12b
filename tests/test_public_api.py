"""The package's public names are explicit, sorted and importable (httpx's habit)."""

from __future__ import annotations

import themelens


def test_all_is_sorted_and_unique() -> None:
    # constants first, then the rest in order (ruff's RUF022 isort-style order)
    names = list(themelens.__all__)
    assert names == sorted(set(names), key=lambda n: (not n.isupper(), n))


def test_every_public_name_exists() -> None:
    missing = [name for name in themelens.__all__ if not hasattr(themelens, name)]
    assert not missing


def test_builtin_providers_are_registered() -> None:
    assert {"csv", "demo", "yahoo"} <= set(themelens.PROVIDERS)
