"""What many tests share: where the project and its shared data are, and how a folder is compared.

Tests import it as ``from support import ...``: pytest puts ``tests/`` on ``sys.path`` because
``tests/conftest.py`` lives there. A script run as a child process adds ``tests/`` itself.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from dogcat_desktop.core.folder_lock import STATE_DIR_NAME
from dogcat_desktop.core.transfer import TEMP_PREFIX

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
DATA = SHARED / "data"
TRAIN_PHOTOS = DATA / "dogs-vs-cats" / "train"
WEIGHTS = SHARED / "weights" / "mobilenet_v2_1.00_224_no_top.weights.h5"
BUNDLED_MODEL = PROJECT / "resources" / "model"
FIXTURES = PROJECT / "tests" / "data"  # small files made for the tests (see where they are used)
RED, BLUE = (220, 30, 30), (30, 30, 220)


def require(path: Path) -> Path:
    """``path`` when it exists; otherwise the test is skipped (shared data not installed)."""
    if not path.exists():
        pytest.skip(f"shared data not found: {path}")
    return path


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python that imports the project from this checkout."""
    return {**os.environ, "PYTHONPATH": str(PROJECT), **extra}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _outside_state(path: Path, root: Path) -> bool:
    return STATE_DIR_NAME not in path.relative_to(root).parts


def snapshot(root: Path, *, skip_links: bool = False) -> dict[str, str]:
    """Relative path -> sha256 of every file, leaving out the app's state folder at any depth.

    A symbolic link to a file counts with its target's content, unless ``skip_links``, which
    leaves links out and so compares only the regular files that really lie under ``root``.
    """
    return {
        p.relative_to(root).as_posix(): sha(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not (skip_links and p.is_symlink()) and _outside_state(p, root)
    }


def folders(root: Path) -> set[str]:
    """Relative path of every folder, the app's state folder aside."""
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_dir() and _outside_state(p, root)
    }


def label_of(path: Path) -> str | None:
    """The label a test gives a photo by its name: ``dog*``, ``cat*``, ``other*``, else unsure."""
    for prefix in ("dog", "cat", "other"):
        if path.name.startswith(prefix):
            return prefix
    return None


def labelled(folder: Path) -> list[tuple[Path, str | None]]:
    """What the app's scan would hand over, in a stable order, with labels from the names."""
    return [
        (p, label_of(p))
        for p in sorted(folder.rglob("*.jpg"))
        if STATE_DIR_NAME not in p.parts and not p.name.startswith(TEMP_PREFIX)
    ]


Link = Callable[..., None]


def cross_disk(link: Link) -> Link:
    """``link`` as if every destination were on another disk: photos fail with EXDEV, while
    the sorter's own temporary copies (already on the destination's disk) still link."""

    def fake(src: str | os.PathLike[str], dst: str | os.PathLike[str], **kwargs: object) -> None:
        if not Path(src).name.startswith(TEMP_PREFIX):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        link(src, dst, **kwargs)

    return fake


def kill_when(command: list[str], stop: Callable[[str], bool], env: dict[str, str]) -> str:
    """Run ``command`` and SIGKILL it at the first output line for which ``stop`` holds (or when
    its output ends; a watchdog kills it after a minute). Returns the last line it printed, and
    fails if it printed a traceback."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    last = ""
    try:
        assert process.stdout is not None
        for line in process.stdout:
            last = line.strip()
            if stop(last):
                break
        process.send_signal(signal.SIGKILL)
        _, err = process.communicate()
    finally:
        watchdog.cancel()
    assert "Traceback" not in err, err
    return last


_HOLD_LOCK = """
import sys, time
from dogcat_desktop.core.folder_lock import acquire
with acquire(sys.argv[1]):
    print("HELD", flush=True)
    time.sleep(60)
"""


@contextmanager
def lock_held_by_another_process(folder: Path) -> Iterator[subprocess.Popen[str]]:
    """A child process holding ``folder``'s sort lock until the block ends (then it is killed,
    leaving a stale lock behind, as a crash would)."""
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "HELD"
        yield child
    finally:
        child.kill()
        child.wait()


def _jpeg(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def exif_with_thumbnail(thumbnail: bytes, orientation: int, offset_shift: int = 0) -> bytes:
    """EXIF (little-endian TIFF) with an orientation in IFD0 and ``thumbnail`` behind IFD1."""
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 3, 1, orientation)
    ifd1_at = 8 + len(ifd0) + 4
    thumbnail_at = ifd1_at + 2 + 2 * 12 + 4
    ifd0 += struct.pack("<I", ifd1_at)
    ifd1 = struct.pack("<H", 2)
    ifd1 += struct.pack("<HHII", 0x0201, 4, 1, thumbnail_at + offset_shift)
    ifd1 += struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail)) + struct.pack("<I", 0)
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd0 + ifd1 + thumbnail


def camera_photo(path: Path, orientation: int = 1, offset_shift: int = 0) -> Path:
    """A blue 800x600 photo whose EXIF thumbnail (160x120) is red: they cannot be mistaken."""
    thumbnail = _jpeg(Image.new("RGB", (160, 120), RED))
    exif = exif_with_thumbnail(thumbnail, orientation, offset_shift)
    path.write_bytes(_jpeg(Image.new("RGB", (800, 600), BLUE), exif=exif))
    return path
