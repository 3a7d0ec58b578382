"""Time from launch to the window on screen, median of several cold runs.

    python benchmarks/startup.py [--runs 7] [COMMAND...]

COMMAND defaults to the built app (dist/dogcat-sorter/dogcat-sorter); pass
``python -m dogcat_desktop`` to time the source install instead. Each run is a fresh process; the
app prints the wall-clock time once its window is shown and quits. Under no display the offscreen
platform is used.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def drop_caches() -> bool:
    """Make each run cold where allowed (root on Linux); otherwise runs are warm after the first."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("command", nargs="*")
    args = parser.parse_args()
    command = args.command or [str(ROOT / "dist" / "dogcat-sorter" / "dogcat-sorter")]
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    times, cold = [], False
    for _ in range(args.runs):
        cold = drop_caches()
        started = time.time()
        out = subprocess.run(
            [*command, "--quit-when-shown"], capture_output=True, text=True, env=env, timeout=60
        )
        shown = [line for line in out.stdout.splitlines() if line.startswith("shown ")]
        if out.returncode != 0 or not shown:
            print(out.stderr[-2000:], file=sys.stderr)
            return 1
        times.append(float(shown[-1].split()[1]) - started)
    print(
        f"{' '.join(command)}: window shown after {statistics.median(times):.2f} s (median of "
        f"{len(times)} {'cold' if cold else 'warm'} runs; min {min(times):.2f}, "
        f"max {max(times):.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
