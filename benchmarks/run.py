"""The speed and memory benchmark suite: ``make bench`` (full) or ``make bench-quick``.

Measures, in one run and on the same photos (sets from ``benchmarks/corpus.py``: the shared
photos as they are, camera-like 12 and 48 MP JPEGs, HEIC, WebP and PNG):
- decoders: each maintained decoder on each set, one thread and two (``benchmarks/decoders.py``);
- inference: the shipped model against the other precision (int8 or float32), speed and
  held-out accuracy
  (``benchmarks/inference.py``);
- scan: the app's own pipeline (what the GUI worker and ``classify`` use), file names to labels
  and thumbnails, photos per second, with the shipped model and with the other precision;
- baseline: the textbook way (Keras ``load_img`` at full size, resize, ``model.predict`` one photo
  at a time, the ``.keras`` model in TensorFlow); scan / baseline is the speed-up;
- bound: cores / (fastest decode measured + inference), both one core's cost per photo; the
  inference is the shipped model's, since the other precision is a different classifier (it
  counts only where it keeps the accuracy); the pipeline's share of it;
- memory: peak RSS of ``classify`` over 100,000 photos, sampled as it goes, and of the GUI
  holding that grid and scrolling it end to end;
- responsiveness: the Qt event loop's lateness while the window scans and while it scrolls, and
  the time from opening a folder of 10,000 photos to the first thumbnails and to a usable grid.

Prints the tables, writes the figures to JSON, and ends with one summary line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import corpus, decoders, inference  # noqa: E402
from benchmarks.quantise import is_int8, other_model  # noqa: E402

# Set name -> photos in the full run and in the quick one.
SETS = {
    "small": (600, 96),
    "12mp": (120, 24),
    "48mp": (24, 6),
    "heic": (24, 6),
    "webp": (60, 12),
    "png": (48, 12),
}
BASELINE = {"small": (60, 16), "12mp": (20, 6), "48mp": (6, 2), "webp": (20, 6), "png": (20, 6)}
DESCRIPTIONS = {
    "small": "shared photos as they are (~500x375)",
    "12mp": "12 MP camera JPEG (4000x3000, grain, q90-95, 1/3 EXIF-turned)",
    "48mp": "48 MP camera JPEG (8000x6000, grain, q90-92, 1/3 EXIF-turned)",
    "heic": "HEIC (4032x3024, grain, 1/3 EXIF-turned)",
    "webp": "WebP (1920x1440, grain, q80-90)",
    "png": "PNG (1920x1440, grain)",
}


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def measure_scan(folder: Path, model_folder: Path, repeats: int = 2) -> dict:
    """The app's pipeline, uncached, with the model in ``model_folder``; best of ``repeats``."""
    from dogcat_desktop.core.classifier import Classifier
    from dogcat_desktop.core.scan import Scanner, list_photos

    scanner = Scanner(Classifier(model_folder))
    paths = list_photos(folder)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        results = list(scanner.scan(paths))
        best = min(best, time.perf_counter() - started)
    assert all(r.prediction is not None and r.thumbnail for r in results)
    return {"photos": len(paths), "seconds": best, "photos_per_s": len(paths) / best}


BASELINE_CHILD = """
import json, os, sys, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
sys.path.insert(0, os.getcwd())
try:
    import training.model  # registers the model's own layers, if it has any
except ImportError:
    pass
model = keras.saving.load_model(sys.argv[1])
def one(path):
    image = keras.utils.load_img(path)
    image = image.resize((224, 224))
    x = keras.utils.img_to_array(image)[None]
    return model.predict(x, verbose=0)
out = {}
for spec in sys.argv[2:]:
    name, folder, count = spec.split("|")
    paths = sorted(os.path.join(folder, n) for n in os.listdir(folder))[: int(count)]
    one(paths[0])
    started = time.perf_counter()
    for path in paths:
        one(path)
    elapsed = time.perf_counter() - started
    out[name] = {"photos": len(paths), "seconds": elapsed, "photos_per_s": len(paths) / elapsed}
print(json.dumps(out))
"""


def measure_baselines(sets: dict[str, tuple[Path, int]]) -> dict[str, dict]:
    """Keras ``load_img`` at full size, resize, predict one photo at a time; one fresh process."""
    model = ROOT / "resources" / "model" / "model.keras"
    specs = [f"{name}|{folder}|{count}" for name, (folder, count) in sets.items()]
    out = subprocess.run(
        [sys.executable, "-c", BASELINE_CHILD, str(model), *specs],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


PEAK_PROBE = """
import atexit, re, sys
def report():
    status = open("/proc/self/status").read()
    print("peak_rss_kb", re.search(r"VmHWM:\\s+(\\d+)", status).group(1), file=sys.stderr)
atexit.register(report)
from dogcat_desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""


def classify_memory(folder: Path, cache_dir: Path) -> dict:
    """``classify`` over every photo in ``folder`` in a fresh process, its RSS sampled each second.

    Peak from the child's own VmHWM: ``ru_maxrss`` would include the parent's memory, which
    Linux carries across fork and exec. The cache is on (as a user runs it) in ``cache_dir``.
    """
    env = {**os.environ, "DOGCAT_SORTER_CACHE_DIR": str(cache_dir)}
    started = time.perf_counter()
    samples: list[tuple[float, float]] = []
    with open(os.devnull, "w") as null, tempfile.TemporaryFile("w+") as errors:
        child = subprocess.Popen(
            [sys.executable, "-c", PEAK_PROBE, "classify", str(folder)],
            stdout=null,
            stderr=errors,
            text=True,
            cwd=ROOT,
            env=env,
        )
        while child.poll() is None:
            try:
                status = Path(f"/proc/{child.pid}/status").read_text()
                rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
                samples.append((time.perf_counter() - started, rss))
            except (OSError, AttributeError):
                pass
            time.sleep(1)
        errors.seek(0)
        stderr = errors.read()
    elapsed = time.perf_counter() - started
    peak = [line.split()[1] for line in stderr.splitlines() if line.startswith("peak_rss_kb")]
    if child.returncode != 0 or not peak:
        raise RuntimeError(f"classify failed: {stderr[-500:]}")
    # RSS at each quarter of the run: flat memory means these stay level as photos pile up.
    quarters = [
        max((rss for t, rss in samples if t <= elapsed * q / 4), default=0.0) for q in (1, 2, 3, 4)
    ]
    return {
        "photos": sum(1 for _ in folder.iterdir()),
        "seconds": elapsed,
        "peak_rss_mb": int(peak[-1]) / 1024,
        "rss_by_quarter_mb": quarters,
    }


def gui_figures(folder: Path, stall_folder: Path, first_folder: Path, cache_dir: Path) -> dict:
    """GUI memory with a big grid, event-loop lateness and the first screenful (fresh process)."""
    args = [sys.executable, str(ROOT / "benchmarks" / "gui_probe.py"), str(folder)]
    args += ["--stall-folder", str(stall_folder), "--first-folder", str(first_folder)]
    args += ["--cache-dir", str(cache_dir)]
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    out = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        return {"error": (out.stderr or out.stdout)[-500:]}
    return json.loads(lines[-1])


def fmt(value, pattern: str = "{:.1f}") -> str:
    return "na" if value is None else pattern.format(value)


def sets_table(figures: dict) -> None:
    other = figures["models"]["other"]
    print(
        f"{'set':6} {'photos':>6} {'MB each':>8} {'scan/s':>7} {other + '/s':>12} {'base/s':>7} "
        f"{'speedup':>8} {'decode ms':>14} {'infer ms':>9} {'bound/s':>8} {'of bound':>9} "
        f"{other:>7}"
    )
    for name, f in figures["sets"].items():
        base, alt = f.get("baseline"), f.get("scan_other")
        print(
            f"{name:6} {f['scan']['photos']:6d} {f['size_mb']['median']:8.2f} "
            f"{f['scan']['photos_per_s']:7.1f} {fmt(alt and alt['photos_per_s']):>12} "
            f"{fmt(base and base['photos_per_s'], '{:.2f}'):>7} "
            f"{fmt(f.get('speedup'), '{:.1f}x'):>8} "
            f"{f['bound']['decode_ms']:6.1f} {f['bound']['decoder']:>7} "
            f"{f['bound']['inference_ms']:9.2f} {f['bound']['photos_per_s']:8.1f} "
            f"{f['bound_pct']:8.0f}% {fmt(f.get('bound_pct_other'), '{:.0f}%'):>7}"
        )
    for name, f in figures["sets"].items():
        size = f["size_mb"]
        print(f"  {name}: {DESCRIPTIONS[name]}; {size['min']:.2f}-{size['max']:.2f} MB a file")


def inference_table(models: dict[str, dict]) -> None:
    print(
        f"{'model':16} {'file MB':>8} {'1 thread':>9} {'2 threads':>10} {'cat/dog acc':>12} "
        f"{'other':>7} {'agree':>7}"
    )
    for number, (name, m) in enumerate(models.items()):
        name = f"{name} (ships)" if number == 0 else name
        print(
            f"{name:16} {m['file_mb']:8.1f} {m['ms_1']:8.2f}ms {m['ms_2']:9.2f}ms "
            f"{100 * m['cat_dog_accuracy']:11.2f}% {100 * m['other_recognised']:6.2f}% "
            f"{100 * m['agreement']:6.2f}%"
        )
    held_out = next(iter(models.values()))["held_out_photos"]
    print(
        f"  held out: {held_out} photos training never saw; agree: same label as the one that ships"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced suite, a few minutes")
    parser.add_argument("--json", type=Path, default=ROOT / ".bench" / "results.json")
    args = parser.parse_args()
    quick = args.quick
    pick = 1 if quick else 0

    from dogcat_desktop.resources import model_dir

    shipped = model_dir()
    figures: dict = {"cores": cores(), "quick": quick, "load_before": load_average()}
    print(f"machine: {cores()} cores; load average {figures['load_before']}")
    folders = {
        name: corpus.small_corpus(counts[pick])
        if name == "small"
        else corpus.made_corpus(name, counts[pick])
        for name, counts in SETS.items()
    }

    print("\ndecoders, file to 224x224 RGB, ms per photo")
    decoded = decoders.measure(list(folders.values()), 12 if quick else 24)
    decoders.print_table(decoded, list(folders.values()))
    figures["decoders"] = decoded

    kind = "int8" if is_int8(shipped / "model.tflite") else "float32"
    other, other_file = other_model(shipped)
    figures["models"] = {"ships": kind, "other": other}
    models = {kind: shipped / "model.tflite", other: other_file}
    print(f"\ninference, batches of 16 on LiteRT ({kind} ships; {other}: {other_file.name})")
    small_pixels = _pixels(folders["small"], 64)
    figures["inference"] = inference.compare(models, shipped / "model_card.json", small_pixels)
    inference_table(figures["inference"])
    # The shipped model's: the other precision is a different classifier (see the table).
    fastest_inference = figures["inference"][kind]["ms_1"]

    other_folder = inference.model_folder(other_file, shipped / "model_card.json")
    baselines = measure_baselines(
        {name: (folders[name], counts[pick]) for name, counts in BASELINE.items()}
    )
    figures["sets"] = {}
    for name, folder in folders.items():
        best_decoder, decode_ms = _fastest_decoder(decoded, folder.name)
        bound = cores() * 1000 / (decode_ms + fastest_inference)
        scan = measure_scan(folder, shipped)
        scan_other = measure_scan(folder, other_folder)
        base = baselines.get(name)
        figures["sets"][name] = {
            "size_mb": corpus.sizes_mb(folder),
            "scan": scan,
            "scan_other": scan_other,
            "baseline": base,
            "speedup": base and scan["photos_per_s"] / base["photos_per_s"],
            "bound": {
                "decoder": best_decoder,
                "decode_ms": decode_ms,
                "inference_ms": fastest_inference,
                "photos_per_s": bound,
            },
            "bound_pct": 100 * scan["photos_per_s"] / bound,
            "bound_pct_other": 100 * scan_other["photos_per_s"] / bound,
        }
    shutil.rmtree(other_folder, ignore_errors=True)
    print()
    sets_table(figures)

    many = 2_000 if quick else 100_000
    first = 1_000 if quick else 10_000
    with tempfile.TemporaryDirectory(prefix="dogcat-bench-cache-") as cache:
        rss = classify_memory(corpus.many_corpus(many), Path(cache))
        figures["rss_classify"] = rss
        print(
            f"\nclassify {rss['photos']} photos: {rss['seconds']:.0f} s, peak RSS "
            f"{rss['peak_rss_mb']:.0f} MB; RSS by quarter of the run "
            + ", ".join(f"{q:.0f}" for q in rss["rss_by_quarter_mb"])
            + " MB"
        )
        gui = gui_figures(
            corpus.many_corpus(many),
            corpus.small_corpus(1000 if not quick else 200),
            corpus.many_corpus(first),
            Path(cache),
        )
    figures["gui"] = gui
    _print_gui(gui)

    figures["load_after"] = load_average()
    print(f"load average {figures['load_before']} before, {figures['load_after']} after")
    bound_pct = min(f["bound_pct"] for f in figures["sets"].values())
    # The worse of the two: scrolling the 100,000-photo grid, and the window while it scans.
    stalls = [gui[key] for key in ("scroll_p99_ms", "stall_p99_ms") if key in gui]
    figures["summary"] = (
        f"speedup-12mp={figures['sets']['12mp']['speedup']:.1f} "
        f"speedup-small={figures['sets']['small']['speedup']:.1f} "
        f"bound-pct={bound_pct:.0f} "
        f"rss-classify-mb={rss['peak_rss_mb']:.0f} "
        f"stall-p99-ms={fmt(max(stalls, default=None), '{:.1f}')}"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2))
    print(figures["summary"])
    return 0


def _pixels(folder: Path, count: int):
    import numpy as np

    from dogcat_desktop.core.imaging import load_pixels

    return np.stack([load_pixels(p) for p in sorted(folder.iterdir())[:count]])


def _fastest_decoder(decoded: dict[str, dict], set_name: str) -> tuple[str, float]:
    """The decoder with the lowest one-thread cost on a set, and that cost in ms."""
    costs = {
        name: figures["sets"][set_name]["ms_1"]
        for name, figures in decoded.items()
        if "sets" in figures and "ms_1" in figures["sets"].get(set_name, {})
    }
    best = min(costs, key=costs.get)
    return best, costs[best]


def _print_gui(gui: dict) -> None:
    if gui.get("error"):
        print(f"GUI figures unavailable: {gui['error']}")
        return
    print(
        f"GUI holding {gui['rows']} photos, scrolled end to end in {gui['scroll_s']:.0f} s "
        f"({gui['scroll_thumbnails']} thumbnails painted on the way): "
        f"peak RSS {gui['peak_rss_mb']:.0f} MB; event-loop stall while scrolling p99 "
        f"{gui['scroll_p99_ms']:.1f} ms, max {gui['scroll_max_ms']:.1f} ms"
    )
    print(
        f"GUI scanning {gui['stall_photos']} photos: event-loop stall p99 "
        f"{gui['stall_p99_ms']:.1f} ms, max {gui['stall_max_ms']:.1f} ms"
    )
    print(
        f"Opening {gui['first_photos']} photos: first thumbnails on screen after "
        f"{fmt(gui.get('first_thumbnails_s'), '{:.2f}')} s, the first screenful "
        f"({gui.get('first_screenful_photos', 0)} photos) classified and shown after "
        f"{fmt(gui.get('first_screenful_s'), '{:.2f}')} s, a row for every photo after "
        f"{fmt(gui.get('grid_usable_s'), '{:.2f}')} s"
    )


if __name__ == "__main__":
    sys.exit(main())
