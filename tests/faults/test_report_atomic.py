"""A report write that fails (a full disk) leaves the previous report whole and no litter.

Two ways to fill the disk: ``os.write`` made to fail with ENOSPC part way
through the temporary file (always), and a real 2 MB tmpfs the report does
not fit on (when this process may mount one, i.e. root in a container).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from themelens.errors import InputError
from themelens.report import html
from themelens.report.html import write_report

OLD = "<html>the previous report " + "o" * 1_000_000 + "</html>"
NEW = "<html>the new report " + "n" * 1_500_000 + "</html>"
CTX: Any = object()  # the page is stubbed, so no run is needed


@pytest.fixture()
def page(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """``render_report`` returns ``page["html"]``, so a test picks the size it writes."""
    current = {"html": OLD}
    monkeypatch.setattr(html, "render_report", lambda ctx, **kw: current["html"])
    return current


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "report.html")


def test_a_disk_that_fills_midway_keeps_the_old_report(
    tmp_path: Path, page: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.html"
    write_report(CTX, out)
    assert out.read_text(encoding="utf-8") == OLD
    real_write = os.write
    written = {"bytes": 0}

    def full_disk(fd: int, data: Any) -> int:
        if not os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):
            return real_write(fd, data)
        if written["bytes"] >= 256 * 1024:  # the disk is full a quarter of the way in
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real_write(fd, bytes(data[: 64 * 1024]))  # short writes, as a filling disk gives
        written["bytes"] += n
        return n

    monkeypatch.setattr(os, "write", full_disk)
    page["html"] = NEW
    with pytest.raises(InputError, match=r"report\.html: cannot write the report: No space left"):
        write_report(CTX, out)
    monkeypatch.undo()
    assert written["bytes"] >= 256 * 1024  # it really failed midway
    assert out.read_text(encoding="utf-8") == OLD
    assert _leftovers(tmp_path) == []


def test_a_written_report_is_whole_and_takes_the_usual_mode(
    tmp_path: Path, page: dict[str, str]
) -> None:
    out = tmp_path / "sub" / "report.html"
    page["html"] = NEW
    assert write_report(CTX, out) == out.resolve()
    assert out.read_text(encoding="utf-8") == NEW
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    assert _leftovers(out.parent) == []


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MB tmpfs, or a skip when this process may not mount one."""
    mount = shutil.which("mount")
    if mount is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    folder = tmp_path / "disk"
    folder.mkdir()
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_real_full_disk_keeps_the_old_report(small_disk: Path, page: dict[str, str]) -> None:
    out = small_disk / "report.html"
    write_report(CTX, out)  # 1 MB of the 2 MB
    page["html"] = NEW  # 1.5 MB more does not fit beside it
    with pytest.raises(InputError, match="No space left on device"):
        write_report(CTX, out)
    assert out.read_text(encoding="utf-8") == OLD
    assert _leftovers(small_disk) == []
