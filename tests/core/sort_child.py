"""Sort a folder in a separate process, so that a test can kill it at any moment.

Usage: ``python sort_child.py FOLDER``. Labels come from file names (``dog*``, ``cat*``,
``other*``, anything else unsure). Environment:

* ``DOGCAT_CHILD_MODE=copy``: behave as if the destination were on another disk.
* ``DOGCAT_CHILD_PAUSE_AT=N``: after the N-th successful hard link, print ``LINKED`` and sleep,
  so the test can kill the sort between a link and the unlink that follows it.

Prints ``READY <total>``, then ``PROGRESS <done>`` after each file, then ``DONE``.
"""

from __future__ import annotations

import errno
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dogcat_desktop.core.folder_lock import STATE_DIR_NAME
from dogcat_desktop.core.moves import TEMP_PREFIX, execute_plan, plan_sort


def label_of(path: Path) -> str | None:
    for prefix, label in (("dog", "dog"), ("cat", "cat"), ("other", "other")):
        if path.name.startswith(prefix):
            return label
    return None


def scan(folder: Path) -> list[tuple[Path, str | None]]:
    """What the app's scanner would hand over: every photo, in a stable order."""
    return [
        (path, label_of(path))
        for path in sorted(folder.rglob("*.jpg"))
        if STATE_DIR_NAME not in path.parts and not path.name.startswith(TEMP_PREFIX)
    ]


def main() -> None:
    folder = Path(sys.argv[1])
    copy_mode = os.environ.get("DOGCAT_CHILD_MODE") == "copy"
    pause_at = int(os.environ.get("DOGCAT_CHILD_PAUSE_AT", "0"))
    real_link = os.link
    links = 0

    def link(src: str | os.PathLike[str], dst: str | os.PathLike[str], **kwargs: object) -> None:
        nonlocal links
        if copy_mode and not Path(src).name.startswith(TEMP_PREFIX):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_link(src, dst, **kwargs)
        links += 1
        if links == pause_at:
            print("LINKED", flush=True)
            time.sleep(60)

    os.link = link
    plan = plan_sort(folder, scan(folder))
    print(f"READY {len(plan.moves)}", flush=True)
    execute_plan(plan, progress=lambda done, _total: print(f"PROGRESS {done}", flush=True))
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
