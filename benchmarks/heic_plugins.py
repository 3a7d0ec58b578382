"""HEIC plug-ins for Pillow compared: pillow-heif (the ``heif`` extra) and pi-heif (decoding only).

    pip install pi-heif        # not in any extra: it is what this compares against
    python benchmarks/heic_plugins.py [FOLDER] [--rounds 3] [--fuzz 3000]

FOLDER defaults to the benchmark's HEIC set (``make bench`` makes it). Each plug-in decodes every
photo at full size in a fresh process of its own, the two taking turns for ``--rounds`` rounds so
that load from elsewhere falls on both: CPU time a photo (all threads counted) and wall time;
whether every photo's pixels match; what each adds to an install. ``--fuzz N``: N damaged
copies of ``tests/data/turned.heic`` (the fuzz test's kinds of damage, three seeds), each
plug-in in a process per seed: a crash (a signal, not an exception) is what the app cannot
survive.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from importlib import metadata, util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = {"pillow-heif": "pillow_heif", "pi-heif": "pi_heif"}
FIXTURE = ROOT / "tests" / "data" / "turned.heic"

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

_FUZZ = r"""
import importlib, io, os, random, sys
importlib.import_module(sys.argv[1]).register_heif_opener()
from PIL import Image
seed = open(sys.argv[2], "rb").read()
rng = random.Random(int(sys.argv[3]))
for _ in range(int(sys.argv[4])):
    data = bytearray(seed)
    for _ in range(rng.randint(1, 8)):
        if not data:
            break
        kind = rng.choice(["flip", "truncate", "insert", "delete", "header", "run"])
        at = rng.randrange(len(data))
        if kind == "flip":
            data[at] ^= 1 << rng.randrange(8)
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = rng.randbytes(rng.randint(1, 64))
        elif kind == "delete":
            del data[at : at + rng.randint(1, 256)]
        elif kind == "header":
            data[rng.randrange(min(len(data), 400))] = rng.choice([0, 255, 127, 128])
        else:
            run = rng.randbytes(rng.randint(1, 512))
            data[at : at + len(run)] = run
    try:
        with Image.open(io.BytesIO(bytes(data))) as image:
            image.load()
    except Exception:
        pass
"""


def decode_all(module: str, folder: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _DECODE_ALL, module, str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def crashes(module: str, count: int, seeds: int = 3) -> int:
    """How many of ``seeds`` processes, each decoding ``count // seeds`` damaged files, died."""
    died = 0
    for seed in range(seeds):
        run = [sys.executable, "-c", _FUZZ, module, str(FIXTURE), str(seed), str(count // seeds)]
        died += subprocess.run(run, capture_output=True).returncode < 0
    return died


def installed_mb(distribution: str) -> float:
    files = metadata.distribution(distribution).files or []
    paths = (Path(str(f.locate())) for f in files)
    return sum(p.stat().st_size for p in paths if p.is_file()) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = next(iter(sorted((ROOT / ".bench").glob("heic-*"))), None)
    parser.add_argument("folder", type=Path, nargs="?", default=default)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fuzz", type=int, default=0, metavar="N")
    args = parser.parse_args()
    missing = [name for name, module in PLUGINS.items() if util.find_spec(module) is None]
    if missing:
        print(f"not installed: {', '.join(missing)} (pip install {' '.join(missing)})")
        return 2
    if args.folder is None or not args.folder.is_dir():
        print("no HEIC set: run `make bench` first, or name a folder of .heic photos")
        return 2
    runs: dict[str, list[dict]] = {name: [] for name in PLUGINS}
    for _ in range(args.rounds):
        for name, module in PLUGINS.items():
            runs[name].append(decode_all(module, args.folder))
    first = [r[0]["digests"] for r in runs.values()]
    same = sum(a == b for a, b in zip(*first, strict=True))
    print(f"{args.folder.name}: {same} of {len(first[0])} photos with the same pixels")
    for name, results in runs.items():
        cpu = ", ".join(f"{r['cpu_ms']:.0f}" for r in results)
        wall = ", ".join(f"{r['wall_ms']:.0f}" for r in results)
        size = installed_mb(name)
        version = metadata.version(name)
        line = f"{name} {version}: CPU {cpu} ms a photo; wall {wall} ms; {size:.1f} MB installed"
        if args.fuzz:
            line += f"; {args.fuzz} damaged files: {crashes(PLUGINS[name], args.fuzz)} of 3 crashed"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
