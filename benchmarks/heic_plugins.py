"""The app's HEIC plug-in (pi-heif) against pillow-heif: the same pixels? what speed, what size?

    python benchmarks/heic_plugins.py [FOLDER] [--rounds 3]

FOLDER defaults to the benchmark's HEIC set (``make bench`` makes it; pillow-heif, in the
``bench`` extra, writes it, since pi-heif only decodes). Each plug-in decodes every photo at full
size in a fresh process of its own, the two taking turns for ``--rounds`` rounds so that load
from elsewhere falls on both; CPU time a photo (libheif decodes on threads of its own, all
counted) and wall time. Prints whether every photo's pixels match, and what each adds to an
install.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = {"pi-heif": "pi_heif", "pillow-heif": "pillow_heif"}

_DECODE_ALL = r"""
import hashlib, importlib, json, sys, time
from pathlib import Path
importlib.import_module(sys.argv[1]).register_heif_opener()
from PIL import Image
digests, cpu, wall = [], 0.0, 0.0
for path in sorted(Path(sys.argv[2]).glob("*.heic")):
    started, clock = time.process_time(), time.perf_counter()
    with Image.open(path) as image:
        image.load()
        cpu += time.process_time() - started
        wall += time.perf_counter() - clock
        digests.append(hashlib.sha256(image.tobytes()).hexdigest() + repr(image.size) + image.mode)
print(json.dumps({"digests": digests, "cpu_ms": 1000 * cpu / len(digests),
                  "wall_ms": 1000 * wall / len(digests)}))
"""


def decode_all(module: str, folder: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _DECODE_ALL, module, str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def installed_mb(distribution: str) -> float:
    files = metadata.distribution(distribution).files or []
    paths = (Path(str(f.locate())) for f in files)
    return sum(p.stat().st_size for p in paths if p.is_file()) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = next(iter(sorted((ROOT / ".bench").glob("heic-*"))), None)
    parser.add_argument("folder", type=Path, nargs="?", default=default)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.folder is None or not args.folder.is_dir():
        print("no HEIC set: run `make bench` first, or name a folder of .heic photos")
        return 2
    runs: dict[str, list[dict]] = {name: [] for name in PLUGINS}
    for _ in range(args.rounds):
        for name, module in PLUGINS.items():
            runs[name].append(decode_all(module, args.folder))
    first = {name: r[0]["digests"] for name, r in runs.items()}
    same = sum(a == b for a, b in zip(*first.values(), strict=True))
    print(f"{args.folder.name}: {same} of {len(first['pi-heif'])} photos with the same pixels")
    for name, results in runs.items():
        cpu = ", ".join(f"{r['cpu_ms']:.0f}" for r in results)
        wall = ", ".join(f"{r['wall_ms']:.0f}" for r in results)
        size = installed_mb(name)
        version = metadata.version(name)
        print(f"{name} {version}: CPU {cpu} ms a photo; wall {wall} ms; {size:.1f} MB installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
