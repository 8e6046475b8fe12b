"""Docs stay true: docs/cli.md is every command's --help, and the README names every provider.

Regenerate docs/cli.md with ``THEMELENS_UPDATE_DOCS=1 pytest tests/test_docs.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from typer.testing import CliRunner

from themelens.analytics.rally import RALLY_COLUMNS
from themelens.cli import app
from themelens.data.providers import PROVIDERS

REPO = Path(__file__).resolve().parents[1]
CLI_DOC = REPO / "docs" / "cli.md"


def _commands() -> list[list[str]]:
    """Every command path of the app, found from typer's click group."""
    group = typer.main.get_command(app)
    paths: list[list[str]] = [[]]

    def walk(cmd: object, prefix: list[str]) -> None:
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(group, [])
    return paths


def render_cli_doc() -> str:
    runner = CliRunner()
    parts = [
        "# themelens command line",
        "",
        "Generated from `--help`; `tests/test_docs.py` checks it.",
        "",
    ]
    for path in _commands():
        result = runner.invoke(
            app, [*path, "--help"], env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
        )
        assert result.exit_code == 0, result.output
        title = " ".join(["themelens", *path])
        parts += [f"## `{title}`", "", "```text", result.stdout.rstrip(), "```", ""]
    return "\n".join(parts)


def test_cli_doc_matches_help() -> None:
    expected = render_cli_doc()
    if os.environ.get("THEMELENS_UPDATE_DOCS"):
        CLI_DOC.write_text(expected, encoding="utf-8")
    assert CLI_DOC.read_text(encoding="utf-8") == expected, (
        "docs/cli.md is stale; regenerate with THEMELENS_UPDATE_DOCS=1 pytest tests/test_docs.py"
    )


def test_every_command_is_in_the_cli_doc() -> None:
    text = CLI_DOC.read_text(encoding="utf-8")
    for path in _commands()[1:]:
        assert f"## `themelens {' '.join(path)}`" in text


def test_readme_names_every_provider_and_rally_key() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in PROVIDERS:
        assert f"`{name}`" in readme, f"provider {name} undocumented in README"
    for column in RALLY_COLUMNS:
        assert column in readme, f"rally column {column} undocumented in README"
