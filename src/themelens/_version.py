"""The package version, in a module of its own so any layer can read it without importing the front door."""

from __future__ import annotations

__version__ = "0.1.0"
