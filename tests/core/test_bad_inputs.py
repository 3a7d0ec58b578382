"""Bad inputs through the real scan: it finishes, every file gets a row, every failure a reason.

Broken and hostile files (truncated, corrupt, empty, text, decompression bombs, pipes), awkward
names (Unicode, bytes that are not UTF-8, characters Windows forbids, 250-byte names, paths over
1000 characters), symbolic links (to files, to folders, loops), unreadable files, and files that
change between listing and reading. Each goes through ``list_photos`` and ``Scanner.scan`` as the
app runs them, and the folder as a whole through ``dogcat-sorter-cli classify`` in a child
process, so a hang fails the test instead of stalling the run.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support import child_env, snapshot

from dogcat_desktop.core.cache import ScanCache
from dogcat_desktop.core.classifier import Classifier
from dogcat_desktop.core.imaging import ImageReadError, decode
from dogcat_desktop.core.moves import execute_plan, plan_sort
from dogcat_desktop.core.scan import Scanner, ScanResult, list_photos
from dogcat_desktop.core.undo import undo_last
from dogcat_desktop.resources import model_dir

POSIX = sys.platform != "win32"

# ------------------------------------------------------------------------------ building files


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def scramble(data: bytes, start: int, count: int) -> bytes:
    """Flip bits in ``count`` bytes from ``start``: the same damage on every run."""
    damaged = bytearray(data)
    for i in range(start, min(start + count, len(damaged))):
        damaged[i] ^= 0xA5
    return bytes(damaged)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR that claim a huge size, with almost no pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF header is rewritten to claim ``width`` x ``height``."""
    data = bytearray(encode(Image.new("RGB", (16, 16), (30, 120, 60)), "JPEG"))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("P", (16, 16)), "GIF"))
    struct.pack_into("<HH", data, 6, width, height)  # the logical screen size
    return bytes(data)


def webp_claiming(width: int, height: int, body: bytes) -> bytes:
    """An extended WebP (VP8X) whose canvas claims ``width`` x ``height``."""
    vp8x = (
        b"VP8X"
        + struct.pack("<I", 10)
        + bytes(4)
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little")
    )
    payload = b"WEBP" + vp8x + body[12:]
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def bmp_claiming(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (8, 8)), "BMP"))
    struct.pack_into("<ii", data, 18, width, height)
    return bytes(data)


BOMB_SIDE = 50_000


def bombs(webp_body: bytes) -> dict[str, bytes]:
    """Headers claiming 50,000 x 50,000 pixels (7.5 GB as RGB) in every common format."""
    side = BOMB_SIDE
    return {
        "bomb.png": png_claiming(side, side),
        "bomb.jpg": jpeg_claiming(side, side),
        "bomb.gif": gif_claiming(side, side),
        "bomb.webp": webp_claiming(side, side, webp_body),
        "bomb.bmp": bmp_claiming(side, side),
    }


def broken_files(photo: Path) -> dict[str, tuple[bytes, str]]:
    """File name -> (content, pattern its error must match)."""
    jpeg = photo.read_bytes()
    picture = Image.open(photo).convert("RGB")
    png = encode(picture, "PNG")
    webp = encode(picture, "WEBP")
    gif = encode(picture.convert("P"), "GIF")
    damaged = r"truncated|corrupt"
    files = {
        "truncated.jpg": (jpeg[: len(jpeg) * 2 // 5], r"truncated"),
        "header only.jpg": (jpeg[:600], damaged),
        "scrambled.jpg": (scramble(jpeg, len(jpeg) // 2, 2000), damaged),
        "bad sof.jpg": (scramble(jpeg, jpeg.find(b"\xff\xc0") + 2, 12), damaged),
        "truncated.png": (png[: len(png) // 3], r"truncated"),
        "bad crc.png": (scramble(png, 100, 8), damaged),
        "scrambled.png": (scramble(png, len(png) // 2, 500), damaged),
        "truncated.webp": (webp[: len(webp) // 2], damaged),
        "scrambled.webp": (scramble(webp, 40, 200), damaged),
        "truncated.gif": (gif[: len(gif) // 2], damaged),
        "scrambled.gif": (scramble(gif, 800, 300), damaged),
        "empty.jpg": (b"", r"empty file \(0 bytes\)"),
        "empty.png": (b"", r"empty file \(0 bytes\)"),
        "notes.jpg": (b"shopping list: dog food, cat litter\n" * 20, r"not an image"),
        "page.png": (b"<html><body>not a photo</body></html>", r"not an image"),
    }
    for name, data in bombs(webp).items():
        files[name] = (data, r"too large.*refused to protect memory")
    return files


def odd_but_valid(photo: Path) -> dict[str, bytes]:
    """Unusual images that are still photos: each must decode and be classified."""
    picture = Image.open(photo).convert("RGB")
    frames = [picture.convert("P"), picture.rotate(90).convert("P")]
    sixteen_bit = Image.fromarray(np.asarray(picture.convert("L"), dtype=np.uint16) * 257)
    gray_alpha = picture.convert("LA")
    gray_alpha.putalpha(Image.linear_gradient("L").resize(picture.size))
    return {
        "one pixel.png": encode(Image.new("RGB", (1, 1), (200, 150, 100)), "PNG"),
        "sixteen bit.png": encode(sixteen_bit, "PNG"),
        "cmyk.jpg": encode(picture.convert("CMYK"), "JPEG"),
        "animated.gif": encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        "gray alpha.png": encode(gray_alpha, "PNG"),
        "thin strip.png": encode(Image.new("RGB", (1, 5000), (10, 20, 30)), "PNG"),
        "palette transparent.png": encode(picture.convert("P"), "PNG", transparency=0),
    }


# ----------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    directory = model_dir()
    if not (directory / "model_card.json").exists():
        pytest.skip(f"no classifier model in {directory}")
    return Classifier(directory, threads=2)


@pytest.fixture
def scanner(classifier: Classifier, tmp_path: Path) -> Iterator[Scanner]:
    cache = ScanCache(tmp_path / "cache.sqlite3", classifier.model_id)
    yield Scanner(classifier, cache, workers=2)
    cache.close()


@pytest.fixture(scope="module")
def photo(cat_photos: list[Path]) -> Path:
    if not cat_photos:
        pytest.skip("shared photos not available")
    return cat_photos[0]


def scan_all(scanner: Scanner, paths: list[Path]) -> dict[Path, ScanResult]:
    results = list(scanner.scan(paths))
    assert [r.path for r in results] == paths  # one row per file, in order
    return {r.path: r for r in results}


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    """The real CLI; output kept as bytes, since file names need not be UTF-8."""
    env = child_env(PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "dogcat_desktop.cli", *args],
        capture_output=True,
        env=env,
        timeout=timeout,
    )


def csv_rows(output: bytes) -> dict[str, dict[str, str]]:
    text = output.decode("utf-8", "surrogateescape")
    return {row["path"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


# --------------------------------------------------------------------------- broken contents


def test_broken_files_each_get_a_reason_and_the_scan_finishes(
    scanner: Scanner, photo: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    broken = broken_files(photo)
    valid = odd_but_valid(photo)
    for name, (data, _) in broken.items():
        (folder / name).write_bytes(data)
    for name, data in valid.items():
        (folder / name).write_bytes(data)
    shutil.copyfile(photo, folder / "real.jpg")

    paths = list_photos(folder)
    assert {p.name for p in paths} == {*broken, *valid, "real.jpg"}
    results = scan_all(scanner, paths)
    for name, (_, reason) in broken.items():
        result = results[folder / name]
        assert result.prediction is None and result.error, name
        assert re.search(reason, result.error), f"{name}: {result.error}"
    for name in (*valid, "real.jpg"):
        result = results[folder / name]
        assert result.error is None and result.prediction is not None, f"{name}: {result.error}"
        assert result.thumbnail
    assert results[folder / "one pixel.png"].width == 1

    # A second scan answers from the cache with the same reasons, and still a row per file.
    again = scan_all(scanner, paths)
    assert all(again[p].from_cache for p in paths)
    assert {p: r.error for p, r in again.items()} == {p: r.error for p, r in results.items()}


# Peak memory of the child itself: ru_maxrss is inherited from the parent across fork and exec
# on Linux, so a child of a large test process would report the parent's peak; VmHWM is not.
PEAK_CHILD = """
import json, sys
from dogcat_desktop.core.imaging import ImageReadError, decode

def peak_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

out = {}
for path in sys.argv[1:]:
    before = peak_kib()
    try:
        decode(path)
        reason = None
    except ImageReadError as exc:
        reason = str(exc)
    out[path] = [reason, peak_kib() - before]
print(json.dumps(out))
"""
HAS_PEAK = Path("/proc/self/status").exists()


def decode_in_child(paths: list[Path]) -> dict[str, tuple[str | None, int]]:
    """Decode each file in a fresh process: path -> (error or None, peak memory growth KiB)."""
    env = child_env()
    child = subprocess.run(
        [sys.executable, "-c", PEAK_CHILD, *map(str, paths)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    return {path: (reason, grown) for path, (reason, grown) in json.loads(child.stdout).items()}


@pytest.mark.skipif(not HAS_PEAK, reason="peak memory is read from /proc/self/status")
def test_decompression_bombs_are_refused_before_memory_is_spent(
    photo: Path, tmp_path: Path
) -> None:
    webp = encode(Image.open(photo).convert("RGB"), "WEBP")
    paths = []
    for name, data in bombs(webp).items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    for path, (reason, grown_kib) in decode_in_child(paths).items():
        assert reason and "refused to protect memory" in reason, (path, reason)
        # 50,000 x 50,000 RGB would need 7.5 GB; refusing must cost next to nothing.
        assert grown_kib < 16 * 1024, f"{path}: peak memory grew by {grown_kib} KiB"


@pytest.mark.skipif(not HAS_PEAK, reason="peak memory is read from /proc/self/status")
def test_full_size_decode_keeps_no_needless_copies(tmp_path: Path) -> None:
    """PNG has no reduced decode, so a large one is held at full size; extra copies of it are
    what would make a photo near the 200 MP limit cost gigabytes (each RGBA copy 800 MB)."""
    width, height = 4000, 3000
    one_copy_kib = width * height * 4 // 1024  # Pillow keeps RGB and RGBA at 4 bytes a pixel
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png", compress_level=1)
    Image.fromarray(rgba[..., :3].copy(), "RGB").save(tmp_path / "plain.png", compress_level=1)
    del rgba
    results = decode_in_child([tmp_path / "alpha.png", tmp_path / "plain.png"])
    grown = {Path(path).name: kib for path, (_, kib) in results.items()}
    # The decoded image itself, plus the white background alpha is composited onto.
    assert grown["plain.png"] < 2 * one_copy_kib, (grown, one_copy_kib)
    assert grown["alpha.png"] < 3 * one_copy_kib, (grown, one_copy_kib)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_named_pipe_and_device_are_refused_without_blocking(tmp_path: Path) -> None:
    """A pipe called photo.jpg would block a plain open() forever; a device never ends."""
    pipe = tmp_path / "pipe.jpg"
    os.mkfifo(pipe)
    device = tmp_path / "zeros.jpg"
    device.symlink_to(os.devnull)
    outcome: dict[str, str] = {}

    def attempt() -> None:
        for path in (pipe, device, tmp_path):
            try:
                decode(path)
            except ImageReadError as exc:
                outcome[path.name] = str(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "decode blocked on a named pipe"
    assert outcome == {
        "pipe.jpg": "not a regular file (a pipe, device or socket)",
        "zeros.jpg": "not a regular file (a pipe, device or socket)",
        tmp_path.name: "is a folder, not a file",
    }


# -------------------------------------------------------------------------------------- names

WEIRD_NAMES = [
    "Bällchen 🐶.jpg",
    "猫の写真.jpg",
    "강아지 사진.png",
    "  leading and trailing spaces  .jpg",
    'colon: question? star* pipe| quote" lt< gt>.jpg',
    "back\\slash.jpg",
    "new\nline.jpg",
    "comma, and 'quotes'.jpg",
    "-looks-like-an-option.jpg",
    "a" * 246 + ".jpg",  # 250 bytes
    "ä" * 123 + ".jpg",  # 250 bytes in UTF-8, 127 characters
    "UPPER.JPG",
]
LONGEST = "c" * 251 + ".jpg"  # 255 bytes, the most most file systems allow


def weird_folder(root: Path, photo: Path) -> tuple[Path, list[Path]]:
    """Photos under awkward names, one of them not UTF-8, and one at the end of a long path."""
    folder = root / "weird"
    folder.mkdir()
    made = []
    for name in (*WEIRD_NAMES, LONGEST):
        path = folder / name
        shutil.copyfile(photo, path)
        made.append(path)
    if POSIX:
        raw = os.fsdecode(b"caf\xe9 latin-1.jpg")  # a Latin-1 name: not valid UTF-8
        shutil.copyfile(photo, folder / raw)
        made.append(folder / raw)
        (folder / os.fsdecode(b"broken \xff.jpg")).write_bytes(b"not an image at all")
    deep = folder
    while len(str(deep)) <= 1100:
        deep = deep / ("nested folder " + "x" * 40)
    deep.mkdir(parents=True)
    shutil.copyfile(photo, deep / ("b" * 200 + ".jpg"))
    made.append(deep / ("b" * 200 + ".jpg"))
    assert len(str(made[-1])) > 1000
    return folder, made


def test_awkward_names_and_long_paths_are_scanned(
    scanner: Scanner, photo: Path, tmp_path: Path
) -> None:
    folder, made = weird_folder(tmp_path, photo)
    assert len((folder / WEIRD_NAMES[9]).name.encode()) == 250
    assert len((folder / WEIRD_NAMES[10]).name.encode()) == 250
    paths = list_photos(folder, recursive=True)
    assert set(made) <= set(paths)
    results = scan_all(scanner, paths)
    for path in made:
        assert results[path].prediction is not None, f"{path!r}: {results[path].error}"
    if POSIX:
        broken = folder / os.fsdecode(b"broken \xff.jpg")
        assert "not an image" in (results[broken].error or "")
    # Again from the cache, which must store names that are not UTF-8 too.
    again = scan_all(scanner, paths)
    assert sum(r.from_cache for r in again.values()) == len(paths)


def test_cli_classify_prints_every_awkward_name_exactly(photo: Path, tmp_path: Path) -> None:
    folder, made = weird_folder(tmp_path, photo)
    expected = {str(p) for p in list_photos(folder, recursive=True)}
    for _ in range(2):  # the second run answers from the cache
        result = run_cli("classify", "--recursive", str(folder))
        assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
        rows = csv_rows(result.stdout)
        assert set(rows) == expected
        assert all(rows[str(p)]["status"] in ("ok", "unsure") for p in made)
    out = tmp_path / "rows.json"
    result = run_cli("classify", "-r", "--format", "json", "-o", str(out), str(folder))
    assert b"Traceback" not in result.stderr
    assert {row["path"] for row in json.loads(out.read_text())} == expected
    out_csv = tmp_path / "rows.csv"
    result = run_cli("classify", "-r", "-o", str(out_csv), str(folder))
    assert b"Traceback" not in result.stderr
    assert set(csv_rows(out_csv.read_bytes())) == expected


def test_sort_and_undo_with_awkward_names(photo: Path, tmp_path: Path) -> None:
    """Every name travels to dogs/ and back; a 255-byte name that must get ' (1)' cannot grow,
    so that one photo is reported and stays where it was."""
    folder, made = weird_folder(tmp_path, photo)
    long_name = LONGEST
    (folder / "dogs").mkdir()
    (folder / "dogs" / long_name).write_bytes(b"a different photo with the same long name")
    before = snapshot(folder)
    report = execute_plan(plan_sort(folder, [(p, "dog") for p in made]))
    assert report.error is None
    assert [(f.source.name, f.reason) for f in report.failures] == [
        (long_name, "the file name is too long for the destination")
    ]
    assert report.moved == len(made) - 1
    after = snapshot(folder)
    assert sorted(after.values()) == sorted(before.values())
    assert (folder / long_name).exists()
    undo = undo_last(folder)
    assert undo.complete and undo.failures == [] and undo.missing == []
    assert snapshot(folder) == before


# ------------------------------------------------------------------------------ links, access


@pytest.mark.skipif(not POSIX, reason="symbolic links need privileges on Windows")
def test_symbolic_links_to_files_folders_and_loops(
    scanner: Scanner, photo: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    elsewhere = tmp_path / "elsewhere"
    (folder / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    shutil.copyfile(photo, folder / "real.jpg")
    shutil.copyfile(photo, folder / "sub" / "inner.jpg")
    shutil.copyfile(photo, elsewhere / "outside.jpg")
    (folder / "link to file.jpg").symlink_to(elsewhere / "outside.jpg")
    (folder / "link to folder").symlink_to(elsewhere, target_is_directory=True)
    (folder / "sub" / "loop to top").symlink_to(folder, target_is_directory=True)
    (folder / "sub" / "loop to itself").symlink_to(folder / "sub", target_is_directory=True)
    (folder / "dangling.jpg").symlink_to(tmp_path / "gone.jpg")
    (folder / "cycle a.jpg").symlink_to(folder / "cycle b.jpg")
    (folder / "cycle b.jpg").symlink_to(folder / "cycle a.jpg")

    paths = list_photos(folder, recursive=True)
    names = sorted(p.name for p in paths)
    # Each folder entered once: the loops end, and no photo is listed twice.
    assert names == sorted(
        ["real.jpg", "inner.jpg", "outside.jpg", "link to file.jpg", "dangling.jpg",
         "cycle a.jpg", "cycle b.jpg"]
    )  # fmt: skip
    results = scan_all(scanner, paths)
    by_name = {p.name: r for p, r in results.items()}
    for name in ("real.jpg", "inner.jpg", "outside.jpg", "link to file.jpg"):
        assert by_name[name].prediction is not None, name
    assert by_name["dangling.jpg"].error == "file not found (moved or deleted?)"
    for name in ("cycle a.jpg", "cycle b.jpg"):
        assert "symbolic links" in (by_name[name].error or ""), by_name[name].error

    # Sorting: a link is never moved (its target stays intact); a photo reached through a link
    # to a folder elsewhere lies outside the folder, so it stays where it is.
    # Links left out of the comparison: only the regular files on either side must come back.
    before_inside = snapshot(folder, skip_links=True)
    before_outside = snapshot(elsewhere, skip_links=True)
    plan = plan_sort(folder, [(p, "cat") for p in paths])
    assert plan.staying_by_reason == {"outside": 1}
    assert "1 outside the folder, reached through a link" in plan.summary()
    report = execute_plan(plan)
    failed = {f.source.name: f.reason for f in report.failures}
    assert failed["link to file.jpg"].startswith("not a regular file")
    assert report.moved == 2
    assert snapshot(elsewhere, skip_links=True) == before_outside
    assert undo_last(folder).complete
    assert snapshot(folder, skip_links=True) == before_inside
    assert snapshot(elsewhere, skip_links=True) == before_outside
    assert (folder / "link to file.jpg").is_symlink()


def test_unreadable_file_is_reported_and_not_cached(
    scanner: Scanner, photo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    locked = folder / "locked.jpg"
    shutil.copyfile(photo, locked)
    shutil.copyfile(photo, folder / "open.jpg")
    if POSIX and os.geteuid() != 0:
        locked.chmod(0)
    else:  # root reads through any permission bits: refuse the open instead
        real_os_open, real_open = os.open, open

        def refuse(path: object) -> None:
            if os.fspath(path) == str(locked):  # type: ignore[arg-type]
                raise PermissionError(errno.EACCES, "Permission denied", str(path))

        def os_open(path: object, *args: object, **kwargs: object) -> int:
            refuse(path)
            return real_os_open(path, *args, **kwargs)  # type: ignore[arg-type]

        def builtin_open(path: object, *args: object, **kwargs: object) -> object:
            if isinstance(path, (str, os.PathLike)):
                refuse(path)
            return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr(os, "open", os_open)
        monkeypatch.setattr("builtins.open", builtin_open)
    try:
        results = scan_all(scanner, list_photos(folder))
        assert results[locked].error == "permission denied: cannot read this file"
        assert results[folder / "open.jpg"].prediction is not None
    finally:
        locked.chmod(0o644)
        monkeypatch.undo()
    # Readable again: the earlier refusal was not remembered.
    assert scan_all(scanner, [locked])[locked].prediction is not None


def test_files_changed_between_listing_and_reading(
    scanner: Scanner, photo: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("deleted.jpg", "now text.jpg", "now folder.jpg", "now other photo.jpg"):
        shutil.copyfile(photo, folder / name)
    paths = list_photos(folder)
    (folder / "deleted.jpg").unlink()
    (folder / "now text.jpg").write_text("replaced by notes")
    (folder / "now folder.jpg").unlink()
    (folder / "now folder.jpg").mkdir()
    other = Image.open(photo).convert("RGB").rotate(180)
    tmp = folder / ".swap.tmp"
    other.save(tmp, format="PNG")
    os.replace(tmp, folder / "now other photo.jpg")  # a PNG under a .jpg name, swapped in

    results = scan_all(scanner, paths)
    assert results[folder / "deleted.jpg"].error == "file not found (moved or deleted?)"
    assert "not an image" in (results[folder / "now text.jpg"].error or "")
    assert results[folder / "now folder.jpg"].error == "is a folder, not a file"
    assert results[folder / "now other photo.jpg"].prediction is not None


def test_cli_classify_on_broken_files_and_a_pipe(photo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    broken = broken_files(photo)
    for name, (data, _) in broken.items():
        (folder / name).write_bytes(data)
    for name, data in odd_but_valid(photo).items():
        (folder / name).write_bytes(data)
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "pipe.jpg")
    expected = {str(p) for p in list_photos(folder)}

    result = run_cli("classify", str(folder), timeout=240)
    assert result.returncode == 1, result.stderr
    rows = csv_rows(result.stdout)
    assert set(rows) == expected
    errors = {Path(path).name: row for path, row in rows.items() if row["status"] == "error"}
    assert set(errors) == {*broken, *(["pipe.jpg"] if hasattr(os, "mkfifo") else [])}
    assert all(row["error"] for row in errors.values())
    assert f"{len(errors)} of {len(expected)} files could not be read".encode() in result.stderr
