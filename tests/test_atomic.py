"""replace_file: the old file or the whole new one, never half, and no temporary left behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from themelens._atomic import replace_file


@pytest.mark.parametrize("durable", [False, True])
def test_the_file_is_replaced_and_folders_made(tmp_path: Path, durable: bool) -> None:
    path = tmp_path / "a" / "b" / "f.bin"
    replace_file(path, b"one", durable=durable)
    replace_file(path, b"two", durable=durable)
    assert path.read_bytes() == b"two"
    assert sorted(p.name for p in path.parent.iterdir()) == ["f.bin"]


def test_a_failed_replace_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    replace_file(path, b"old")
    with pytest.raises(TypeError):
        replace_file(path, "not bytes")  # type: ignore[arg-type]
    target = tmp_path / "folder"
    (target / "inside").mkdir(parents=True)  # os.replace cannot put a file over a folder
    with pytest.raises(OSError):
        replace_file(target, b"x")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bin", "folder"]


WRITER = """
import sys
from pathlib import Path
from themelens._atomic import replace_file
path, mark = Path(sys.argv[1]), sys.argv[2].encode()
for _ in range(200):
    replace_file(path, mark * 200_000)
"""

READER = """
import sys, time
from pathlib import Path
path, end = Path(sys.argv[1]), time.monotonic() + float(sys.argv[2])
seen = 0
while time.monotonic() < end:
    data = path.read_bytes()
    assert len(data) == 200_000 and len(set(data)) == 1, (len(data), set(data))
    seen += 1
print(seen)
"""


def test_processes_writing_one_file_at_once_never_show_half_a_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.bin"
    replace_file(path, b"a" * 200_000)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), mark]) for mark in "bc"]
    reader = subprocess.run(
        [sys.executable, "-c", READER, str(path), "2"], capture_output=True, text=True
    )
    for w in writers:
        assert w.wait(timeout=60) == 0
    assert reader.returncode == 0, reader.stderr[-400:]
    assert int(reader.stdout) > 0
    assert path.read_bytes() in (b"b" * 200_000, b"c" * 200_000)
    assert [p.name for p in tmp_path.iterdir()] == ["shared.bin"]
