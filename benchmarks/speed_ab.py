"""The scan before and after the speed changes, alternating in one run so load falls on both.

``python benchmarks/speed_ab.py [--against DIR] [ROUNDS] FOLDER[:COUNT] ...`` scans each folder
(no cache) in a fresh process per variant and round: *before* is the app with simplejpeg off
(Pillow decodes every JPEG), LiteRT fed whole batches of 16 and glibc's default allocator
thresholds, or, with ``--against``, the app as another checkout of it has it (``git worktree
add DIR COMMIT``); *after* is the app as it is. (Since the scan runs each photo through the
model on its own, the default *before* no longer restores LiteRT's batches of 16.) Prints
photos/s (wall) and CPU ms a photo, best of the rounds, with the load average. The allocator
setting is process-wide, hence a process per measurement.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
from pathlib import Path
from dogcat_desktop.core import allocator, classifier, imaging
if sys.argv[1] == "before":
    allocator.keep_decode_buffers = lambda: False
    classifier.RUN_CHUNK = 16
    imaging.decode_reduced = lambda image, target: None
from dogcat_desktop.core.scan import Scanner
from dogcat_desktop.resources import model_dir
folder, count = Path(sys.argv[2]), int(sys.argv[3])
paths = sorted(p for p in folder.iterdir() if imaging.is_image_name(p))[:count]
scanner = Scanner(classifier.Classifier(model_dir()))
list(scanner.scan(paths[:4]))
wall, cpu = time.perf_counter(), time.process_time()
results = list(scanner.scan(paths))
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
assert all(r.prediction is not None for r in results)
print(json.dumps({"rate": len(paths) / wall, "cpu_ms": 1000 * cpu / len(paths)}))
"""


def measure(variant: str, folder: Path, count: int, against: Path | None = None) -> dict:
    root = against if against is not None and variant == "before" else ROOT
    env = {**os.environ, "PYTHONPATH": str(root)}
    patches = variant if against is None else "as-is"
    args = [sys.executable, "-c", CHILD, patches, str(folder.resolve()), str(count)]
    run = subprocess.run(args, capture_output=True, text=True, env=env, check=True, cwd=root)
    return json.loads(run.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    against = None
    if argv[:1] == ["--against"]:
        against, argv = Path(argv[1]).resolve(), argv[2:]
    rounds = int(argv[0]) if argv and argv[0].isdigit() else 2
    specs = argv[1:] if argv and argv[0].isdigit() else argv
    for spec in specs:
        name, _, count = spec.partition(":")
        folder = Path(name)
        start = os.getloadavg()[0]
        best: dict[str, dict] = {}
        for _ in range(rounds):
            for variant in ("before", "after"):
                got = measure(variant, folder, int(count or 10**9), against)
                kept = best.setdefault(variant, got)
                kept["rate"] = max(kept["rate"], got["rate"])
                kept["cpu_ms"] = min(kept["cpu_ms"], got["cpu_ms"])
        b, a = best["before"], best["after"]
        print(
            f"{folder.name}: before {b['rate']:.1f} photos/s, {b['cpu_ms']:.2f} ms CPU a photo; "
            f"after {a['rate']:.1f} photos/s, {a['cpu_ms']:.2f} ms "
            f"({a['rate'] / b['rate']:.2f}x the rate, {a['cpu_ms'] / b['cpu_ms']:.2f}x the CPU); "
            f"load {start:.2f} -> {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
