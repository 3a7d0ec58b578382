"""The speed and memory benchmark suite: ``make bench`` (full) or ``make bench-quick``.

Measures, in one run and on the same photos:
- scan: the app's own pipeline (what the GUI worker and ``classify`` use), file names to labels
  and thumbnails, photos per second, on small photos and on 12-megapixel ones;
- baseline: the textbook way (Keras ``load_img`` at full size, resize, ``model.predict`` one photo
  at a time, the ``.keras`` model in TensorFlow); scan / baseline is the speed-up;
- bound: decode alone (one core) and inference alone (batched, one core), per photo; with both
  cores busy the pipeline cannot beat cores / (decode + inference) photos per second;
- memory: peak RSS of ``classify`` over 10,000 photos and of the GUI holding a 10,000-photo grid;
- responsiveness: the Qt event loop's lateness while the GUI scans 1,000 photos (p99 and max).

Prints a table, writes the figures to JSON, and ends with one summary line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import corpus  # noqa: E402


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def measure_scan(folder: Path, repeats: int = 1) -> dict:
    from dogcat_desktop.core.classifier import Classifier
    from dogcat_desktop.core.scan import Scanner, list_photos
    from dogcat_desktop.resources import model_dir

    scanner = Scanner(Classifier(model_dir()))
    paths = list_photos(folder)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        results = list(scanner.scan(paths))
        best = min(best, time.perf_counter() - started)
    assert all(r.prediction is not None and r.thumbnail for r in results)
    return {"photos": len(paths), "seconds": best, "photos_per_s": len(paths) / best}


def measure_baseline(folder: Path, count: int) -> dict:
    """Keras load_img at full size, resize, predict one photo at a time (a fresh process)."""
    code = f"""
import json, os, sys, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, keras
paths = sorted(p for p in os.listdir({str(folder)!r}))[:{count}]
model = keras.saving.load_model({str(ROOT / "resources" / "model" / "model.keras")!r})
def one(name):
    image = keras.utils.load_img(os.path.join({str(folder)!r}, name))
    image = image.resize((224, 224))
    x = keras.utils.img_to_array(image)[None]
    return model.predict(x, verbose=0)
one(paths[0])
started = time.perf_counter()
for name in paths:
    one(name)
elapsed = time.perf_counter() - started
rate = len(paths) / elapsed
print(json.dumps({{"photos": len(paths), "seconds": elapsed, "photos_per_s": rate}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_bound(folder: Path, count: int) -> dict:
    """Per-photo CPU cost of the fastest correct decode and of batched inference, one core."""
    import numpy as np

    from dogcat_desktop.core.classifier import Classifier
    from dogcat_desktop.core.imaging import load_pixels
    from dogcat_desktop.resources import model_dir

    paths = sorted(folder.iterdir())[:count]
    load_pixels(paths[0])
    started = time.perf_counter()
    pixels = np.stack([load_pixels(p) for p in paths])
    decode_s = (time.perf_counter() - started) / len(paths)

    single = Classifier(model_dir(), threads=1)
    batch = pixels[:16]
    single.run(batch)
    started = time.perf_counter()
    for start in range(0, len(pixels) - 15, 16):
        single.run(pixels[start : start + 16])
    batches = max(1, (len(pixels) - 15 + 15) // 16)
    infer_1 = (time.perf_counter() - started) / (batches * 16)

    everyone = Classifier(model_dir(), threads=cores())
    everyone.run(batch)
    started = time.perf_counter()
    for start in range(0, len(pixels) - 15, 16):
        everyone.run(pixels[start : start + 16])
    infer_all = (time.perf_counter() - started) / (batches * 16)
    bound = cores() / (decode_s + infer_1)
    return {
        "decode_ms": decode_s * 1000,
        "inference_ms_1_thread": infer_1 * 1000,
        "inference_ms_all_threads": infer_all * 1000,
        "bound_photos_per_s": bound,
    }


PEAK_PROBE = """
import atexit, re, sys
def report():
    status = open("/proc/self/status").read()
    print("peak_rss_kb", re.search(r"VmHWM:\\s+(\\d+)", status).group(1), file=sys.stderr)
atexit.register(report)
from dogcat_desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""


def classify_peak_rss(folder: Path) -> dict:
    """Peak RSS of the CLI classifying every photo in ``folder``, in a fresh process.

    Read from the child's own VmHWM: ``ru_maxrss`` would include the parent's memory, which
    Linux carries across fork and exec."""
    started = time.perf_counter()
    with open(os.devnull, "w") as null:
        out = subprocess.run(
            [sys.executable, "-c", PEAK_PROBE, "classify", str(folder), "--no-cache"],
            stdout=null,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            cwd=ROOT,
        )
    elapsed = time.perf_counter() - started
    peak = [line.split()[1] for line in out.stderr.splitlines() if line.startswith("peak_rss_kb")]
    if not peak:
        raise RuntimeError(f"no peak RSS reported: {out.stderr[-500:]}")
    return {
        "photos": len(os.listdir(folder)),
        "seconds": elapsed,
        "peak_rss_mb": int(peak[-1]) / 1024,
    }


def gui_figures(folder: Path, stall_folder: Path | None) -> dict:
    """GUI memory with a big grid and event-loop lateness during a scan (a fresh process)."""
    args = [sys.executable, str(ROOT / "benchmarks" / "gui_probe.py"), str(folder)]
    if stall_folder is not None:
        args += ["--stall-folder", str(stall_folder)]
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    out = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        return {"error": (out.stderr or out.stdout)[-500:]}
    return json.loads(lines[-1])


def fmt(value, pattern: str = "{:.1f}") -> str:
    return "na" if value is None else pattern.format(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced suite, under a minute")
    parser.add_argument("--json", type=Path, default=ROOT / ".bench" / "results.json")
    args = parser.parse_args()
    quick = args.quick

    n_small, n_big = (96, 24) if quick else (600, 120)
    n_base_small, n_base_big = (16, 6) if quick else (60, 20)
    print(f"machine: {cores()} cores; corpus: {n_small} small photos, {n_big} at 12 MP")
    small = corpus.small_corpus(n_small)
    big = corpus.phone_corpus(n_big)

    figures: dict = {"cores": cores(), "quick": quick}
    for name, folder, n_base in (("small", small, n_base_small), ("12mp", big, n_base_big)):
        scan = measure_scan(folder, repeats=2)
        base = measure_baseline(folder, n_base)
        bound = measure_bound(folder, min(64, n_small if name == "small" else n_big))
        figures[name] = {
            "scan": scan,
            "baseline": base,
            "bound": bound,
            "speedup": scan["photos_per_s"] / base["photos_per_s"],
            "bound_pct": 100 * scan["photos_per_s"] / bound["bound_photos_per_s"],
        }

    figures["rss_classify"] = None if quick else classify_peak_rss(corpus.many_corpus(10_000))
    if quick:
        figures["gui"] = None
    else:
        figures["gui"] = gui_figures(corpus.many_corpus(10_000), corpus.small_corpus(1000))

    print()
    print(
        f"{'set':6} {'scan/s':>8} {'base/s':>8} {'speedup':>8} {'decode ms':>10} "
        f"{'infer ms':>9} {'bound/s':>8} {'of bound':>9}"
    )
    for name in ("small", "12mp"):
        f = figures[name]
        print(
            f"{name:6} {f['scan']['photos_per_s']:8.1f} {f['baseline']['photos_per_s']:8.2f} "
            f"{f['speedup']:7.1f}x {f['bound']['decode_ms']:10.2f} "
            f"{f['bound']['inference_ms_1_thread']:9.2f} {f['bound']['bound_photos_per_s']:8.1f} "
            f"{f['bound_pct']:8.0f}%"
        )
    rss = figures["rss_classify"]
    if rss:
        print(
            f"classify {rss['photos']} photos: {rss['seconds']:.0f} s, "
            f"peak RSS {rss['peak_rss_mb']:.0f} MB"
        )
    gui = figures["gui"] or {}
    if gui.get("peak_rss_mb") is not None:
        print(
            f"GUI with {gui.get('rows')} photos: peak RSS {gui['peak_rss_mb']:.0f} MB; "
            f"event-loop stall p99 {gui.get('stall_p99_ms', 0):.1f} ms, "
            f"max {gui.get('stall_max_ms', 0):.1f} ms"
        )
    elif gui.get("error"):
        print(f"GUI figures unavailable: {gui['error']}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2))
    bound_pct = min(figures["small"]["bound_pct"], figures["12mp"]["bound_pct"])
    print(
        f"speedup-12mp={figures['12mp']['speedup']:.1f} "
        f"speedup-small={figures['small']['speedup']:.1f} "
        f"bound-pct={bound_pct:.0f} "
        f"rss-classify-mb={fmt(rss and rss['peak_rss_mb'], '{:.0f}')} "
        f"stall-p99-ms={fmt(gui.get('stall_p99_ms'), '{:.1f}')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
