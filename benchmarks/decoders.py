"""Decoders compared on every set: file to the model's 224x224 RGB input, per photo.

Each decoder does what the contract does for the model input (its thumbnail left out), as fast as
that library allows: the reduced-size decode where it has one (JPEG DCT scaling; libvips also
shrinks WebP on load), the EXIF turn, then a resize to 224x224. Each runs in a fresh process
(its import and its native libraries alone), with one thread and with two decoding in parallel,
and is checked against the contract's pixels (mean absolute difference). Sizes are what each
package adds to an install and to the app's bundle (its native libraries and modules; Pillow is
in both already, so its row counts pillow-heif, which only HEIC needs).

    python benchmarks/decoders.py FOLDER...          # table; --json FILE writes the figures
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SIZE = 224
NATIVE = (".so", ".pyd", ".dylib", ".dll")

# Decoder name -> (distributions it needs beyond the app's, suffixes it reads).
DECODERS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "pillow": ((), frozenset({".jpg", ".png", ".webp", ".heic"})),
    "opencv": (("opencv-python-headless",), frozenset({".jpg", ".png", ".webp"})),
    "simplejpeg": (("simplejpeg",), frozenset({".jpg"})),
    "pyvips": (("pyvips", "pyvips-binary"), frozenset({".jpg", ".png", ".webp", ".heic"})),
    "imagecodecs": (("imagecodecs",), frozenset({".jpg", ".png", ".webp", ".heic"})),
}
# Needed by the Pillow path only for HEIC; counted there.
HEIC_PLUGIN = "pillow-heif"


def _orientation(path: Path) -> int:
    """EXIF orientation read from the header alone (Pillow opens lazily)."""
    from PIL import Image

    with Image.open(path) as image:
        return image.getexif().get(0x0112, 1)


def _upright(array: np.ndarray, orientation: int) -> np.ndarray:
    turns = {3: 2, 6: 3, 8: 1}.get(orientation, 0)  # counter-clockwise quarter turns
    return np.rot90(array, turns) if turns else array


def _pillow_resize(array: np.ndarray) -> np.ndarray:
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(array))
    return np.asarray(image.resize((SIZE, SIZE), Image.Resampling.BILINEAR))


def make_decoder(name: str) -> Callable[[Path], np.ndarray]:
    """Path -> (224, 224, 3) uint8 RGB, upright. Imports only that decoder's library."""
    if name == "pillow":
        from PIL import Image, ImageOps

        import dogcat_desktop.core.imaging  # noqa: F401  (registers HEIC where installed)

        def pillow(path: Path) -> np.ndarray:
            # The contract's steps for the model input, without its thumbnail.
            with Image.open(path) as image:
                orientation = image.getexif().get(0x0112, 1)
                image.draft("RGB", (SIZE, SIZE))
                image.load()
                upright = ImageOps.exif_transpose(image) if orientation != 1 else image
                rgb = upright.convert("RGB")
                return np.asarray(rgb.resize((SIZE, SIZE), Image.Resampling.BILINEAR))

        return pillow
    if name == "opencv":
        import cv2

        cv2.setNumThreads(1)
        reduced = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4}
        reduced[8] = cv2.IMREAD_REDUCED_COLOR_8

        def opencv(path: Path) -> np.ndarray:
            flag = cv2.IMREAD_COLOR  # applies the EXIF orientation itself
            if path.suffix == ".jpg":
                from PIL import Image

                from dogcat_desktop.core.jpeg import draft_scale

                with Image.open(path) as header:
                    factor = draft_scale(header.size, SIZE)
                flag = reduced.get(factor, flag)
            bgr = cv2.imread(str(path), flag)
            small = cv2.resize(bgr, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
            return cv2.cvtColor(small, cv2.COLOR_BGR2RGB)

        return opencv
    if name == "simplejpeg":
        import simplejpeg

        from dogcat_desktop.core.jpeg import draft_scale

        def simple(path: Path) -> np.ndarray:
            # At the contract's DCT scale (1/8, 1/4, 1/2, 1), as the app decodes: asking for
            # "at least 224" alone picks scales like 5/8, cheaper but not the contract's pixels.
            data = path.read_bytes()
            height, width = simplejpeg.decode_jpeg_header(data)[:2]
            scale = draft_scale((width, height), SIZE)
            rgb = simplejpeg.decode_jpeg(
                data, "RGB", min_height=-(-height // scale), min_width=-(-width // scale)
            )
            return _pillow_resize(_upright(rgb, _orientation(path)))

        return simple
    if name == "pyvips":
        os.environ["VIPS_CONCURRENCY"] = "1"
        import pyvips

        pyvips.cache_set_max(0)  # no reuse of an earlier decode of the same file

        def vips(path: Path) -> np.ndarray:
            # Shrink-on-load for JPEG, WebP and HEIC; turned upright by EXIF; never a preview.
            image = pyvips.Image.thumbnail(str(path), SIZE, height=SIZE, size="force")
            if image.bands == 4:
                image = image.flatten(background=[255, 255, 255])
            return image.numpy()

        return vips
    if name == "imagecodecs":
        import imagecodecs

        readers = {
            ".jpg": imagecodecs.jpeg8_decode,
            ".png": imagecodecs.png_decode,
            ".webp": imagecodecs.webp_decode,
            ".heic": imagecodecs.heif_decode,
        }

        def codecs(path: Path) -> np.ndarray:
            rgb = readers[path.suffix](path.read_bytes())[..., :3]
            return _pillow_resize(_upright(rgb, _orientation(path)))

        return codecs
    raise ValueError(f"unknown decoder {name!r}")


def time_decoder(name: str, folders: list[Path], count: int) -> dict:
    """ms per photo for each folder with one thread and two; runs in this process."""
    decoder = make_decoder(name)
    from dogcat_desktop.core.imaging import load_pixels

    out = {}
    for folder in folders:
        files = sorted(folder.iterdir())[:count]
        if files[0].suffix not in DECODERS[name][1]:
            continue
        reference = load_pixels(files[0]).astype(np.int16)
        try:
            first = decoder(files[0])
        except Exception as exc:  # a wheel built without this format's codec
            out[folder.name] = {"error": str(exc).splitlines()[0][:120]}
            continue
        figures = {"mean_abs_diff": float(np.abs(first.astype(np.int16) - reference).mean())}
        for threads in (1, 2):
            # One thread: CPU time, one core's cost whatever else runs on the machine; two:
            # wall time, what two decoding at once deliver.
            clock = time.process_time if threads == 1 else time.perf_counter
            best = float("inf")
            for _ in range(2):  # best of two: the least disturbed by anything else running
                started = clock()
                with ThreadPoolExecutor(threads) as pool:
                    for pixels in pool.map(decoder, files):
                        assert pixels.shape == (SIZE, SIZE, 3)
                best = min(best, clock() - started)
            figures[f"ms_{threads}"] = 1000 * best / len(files)
        out[folder.name] = figures
    return out


def package_sizes(name: str) -> dict:
    """MB each decoder adds: installed files, and native libraries plus modules (the bundle)."""
    distributions = list(DECODERS[name][0])
    if name == "pillow":
        distributions = [HEIC_PLUGIN]  # Pillow is the app's already; HEIC needs the plugin
    installed = bundled = 0
    for distribution in distributions:
        try:
            files = metadata.distribution(distribution).files or []
        except metadata.PackageNotFoundError:
            return {"install_mb": None, "bundle_mb": None}
        for file in files:
            path = Path(file.locate())
            if not path.is_file():
                continue
            size = path.stat().st_size
            installed += size
            if path.suffix in NATIVE or ".so." in path.name or path.suffix == ".py":
                bundled += size
    return {"install_mb": installed / 1e6, "bundle_mb": bundled / 1e6}


def measure(folders: list[Path], count: int) -> dict[str, dict]:
    """Every decoder, each in a fresh process; a decoder whose package is missing is skipped."""
    results = {}
    for name in DECODERS:
        code = (
            "import json, sys; sys.path.insert(0, sys.argv[1]); "
            "from pathlib import Path; from benchmarks.decoders import time_decoder; "
            "print(json.dumps(time_decoder(sys.argv[2], [Path(f) for f in sys.argv[4:]], "
            "int(sys.argv[3]))))"
        )
        args = [sys.executable, "-c", code, str(ROOT), name, str(count), *map(str, folders)]
        run = subprocess.run(args, capture_output=True, text=True, check=False)
        if run.returncode != 0:
            results[name] = {"error": run.stderr.strip().splitlines()[-1:]}
            continue
        results[name] = {
            "sets": json.loads(run.stdout.strip().splitlines()[-1]),
            **package_sizes(name),
        }
    return results


def print_table(results: dict[str, dict], folders: list[Path]) -> None:
    """One row per decoder: ms per photo (1 thread / 2 threads) per set, then sizes."""
    names = [f.name.split("-")[0] for f in folders]
    print(f"{'decoder':12}" + "".join(f"{n:>14}" for n in names) + f"{'adds MB':>16}")
    for decoder, figures in results.items():
        if "error" in figures:
            print(f"{decoder:12} unavailable: {' '.join(figures['error'])}")
            continue
        cells = []
        for folder in folders:
            cell = figures["sets"].get(folder.name)
            ok = cell and "error" not in cell
            cells.append(f"{cell['ms_1']:6.1f} /{cell['ms_2']:5.1f}" if ok else "n/a")
        install, bundle = figures["install_mb"], figures["bundle_mb"]
        size = "0 (app's)" if decoder == "pillow" and install is None else ""
        if install is not None:
            size = f"{install:.0f} / {bundle:.0f}"
        print(f"{decoder:12}" + "".join(f"{c:>14}" for c in cells) + f"{size:>16}")
    print("ms per photo, one thread (CPU time) / two threads (wall); adds MB: install / bundle")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = measure(args.folders, args.count)
    print_table(results, args.folders)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
