"""Sort a folder in a separate process, so that a test can kill it at any moment.

Usage: ``python sort_child.py FOLDER``. Labels come from file names (``dog*``, ``cat*``,
``other*``, anything else unsure). Environment:

* ``DOGCAT_CHILD_MODE=copy``: behave as if the destination were on another disk.
* ``DOGCAT_CHILD_PAUSE_AT=N``: after the N-th successful hard link, print ``LINKED`` and sleep,
  so the test can kill the sort between a link and the unlink that follows it.

Prints ``READY <total>``, then ``PROGRESS <done>`` after each file, then ``DONE``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# Run as a script, not under pytest: the project and tests/ (for support.py) go on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support import cross_disk, labelled

from dogcat_desktop.core.moves import execute_plan, plan_sort


def main() -> None:
    folder = Path(sys.argv[1])
    copy_mode = os.environ.get("DOGCAT_CHILD_MODE") == "copy"
    pause_at = int(os.environ.get("DOGCAT_CHILD_PAUSE_AT", "0"))
    real_link = cross_disk(os.link) if copy_mode else os.link
    links = 0

    def link(src: str | os.PathLike[str], dst: str | os.PathLike[str], **kwargs: object) -> None:
        nonlocal links
        real_link(src, dst, **kwargs)
        links += 1
        if links == pause_at:
            print("LINKED", flush=True)
            time.sleep(60)

    os.link = link
    plan = plan_sort(folder, labelled(folder))
    print(f"READY {len(plan.moves)}", flush=True)
    execute_plan(plan, progress=lambda done, _total: print(f"PROGRESS {done}", flush=True))
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
