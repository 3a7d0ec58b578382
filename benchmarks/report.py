"""The README's speed tables, in Markdown, from one run's ``.bench/results.json``.

    python benchmarks/report.py [.bench/results.json]

So that every figure in the README comes from the same run, copied rather than retyped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.run import DESCRIPTIONS  # noqa: E402


def num(value: float | None, digits: int = 1, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}{unit}"


def decoders(figures: dict) -> list[str]:
    sets = list(figures["sets"])
    folders = {name: None for name in sets}
    for decoded in figures["decoders"].values():
        for folder in decoded.get("sets", {}):
            folders[folder.split("-")[0]] = folder
    lines = [
        "| decoder | " + " | ".join(sets) + " | adds (install / bundle) |",
        "| --- |" + " --- |" * (len(sets) + 1),
    ]
    best = {}
    for name in sets:
        costs = [
            d["sets"][folders[name]]["ms_1"]
            for d in figures["decoders"].values()
            if "ms_1" in d.get("sets", {}).get(folders[name], {})
        ]
        best[name] = min(costs) if costs else None
    for decoder, d in figures["decoders"].items():
        cells = []
        for name in sets:
            cell = d.get("sets", {}).get(folders[name], {})
            if "ms_1" not in cell:
                cells.append("n/a")
                continue
            text = f"{cell['ms_1']:.1f} / {cell['ms_2']:.1f}"
            cells.append(f"**{text}**" if cell["ms_1"] == best[name] else text)
        if d.get("install_mb") is None:
            size = "n/a"
        else:
            size = f"{d['install_mb']:.0f} / {d['bundle_mb']:.0f} MB"
        if decoder == "pillow":
            size = f"0 (HEIC: pillow-heif {size})"
        lines.append(f"| {decoder} | " + " | ".join(cells) + f" | {size} |")
    return lines


def inference(figures: dict) -> list[str]:
    lines = [
        "| model | file | 1 thread | 2 threads | cats and dogs right | neither recognised "
        "| same label as shipped |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, (name, m) in enumerate(figures["inference"].items()):
        label = f"{name} (ships)" if number == 0 else name
        lines.append(
            f"| {label} | {m['file_mb']:.1f} MB | {m['ms_1']:.2f} ms | {m['ms_2']:.2f} ms "
            f"| {100 * m['cat_dog_accuracy']:.2f}% | {100 * m['other_recognised']:.2f}% "
            f"| {100 * m['agreement']:.2f}% |"
        )
    return lines


def pipeline(figures: dict) -> list[str]:
    other = figures["models"]["other"]
    lines = [
        f"| set | file size | scan | scan, {other} | naive baseline | speed-up | fastest decode "
        f"| inference | bound | scan / bound | {other} / bound |",
        "| --- |" + " --- |" * 10,
    ]
    for name, f in figures["sets"].items():
        size, base, b = f["size_mb"], f["baseline"], f["bound"]
        lines.append(
            f"| {name}: {f['scan']['photos']} {DESCRIPTIONS[name]} "
            f"| {size['min']:.2f}-{size['max']:.2f} MB "
            f"| **{f['scan']['photos_per_s']:.1f}/s** | {f['scan_other']['photos_per_s']:.1f}/s "
            f"| {num(base and base['photos_per_s'], 2, '/s')} | **{num(f['speedup'], 1, 'x')}** "
            f"| {b['decode_ms']:.1f} ms ({b['decoder']}) | {b['inference_ms']:.2f} ms "
            f"| {b['photos_per_s']:.1f}/s | **{f['bound_pct']:.0f}%** "
            f"| {f['bound_pct_other']:.0f}% |"
        )
    return lines


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".bench" / "results.json"
    figures = json.loads(path.read_text())
    print(f"load average {figures['load_before']} before, {figures['load_after']} after\n")
    for table in (decoders, inference, pipeline):
        print("\n".join(table(figures)), end="\n\n")
    rss, gui = figures["rss_classify"], figures["gui"]
    print(
        f"classify {rss['photos']:,} photos: {rss['seconds']:.0f} s, peak {rss['peak_rss_mb']:.0f} "
        f"MB, by quarter {', '.join(f'{q:.0f}' for q in rss['rss_by_quarter_mb'])} MB"
    )
    print(json.dumps(gui))
    print(figures["summary"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
