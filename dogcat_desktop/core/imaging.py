"""The one preprocessing contract shared by training and the app.

A photo is decoded once, at reduced size where the format allows it (JPEG DCT scaling: Pillow's
``draft``, or simplejpeg giving the same pixels for less CPU, see ``core.jpeg``), turned upright
by its EXIF orientation, flattened to RGB (transparency over white, 16-bit channels scaled down),
and from that single decode come both the model input (``INPUT_SIZE`` x ``INPUT_SIZE``, resized
without keeping the aspect ratio, bilinear with Pillow's antialiasing, uint8 RGB 0..255) and the
grid thumbnail. Normalisation to the network's range
happens inside the exported model, never here.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError, features

from dogcat_desktop.core.errors import describe_os_error
from dogcat_desktop.core.jpeg import decode_reduced

INPUT_SIZE = 224
THUMBNAIL_SIZE = 256
# Refuse images whose header claims more pixels than this (decompression bombs). A 200 MP photo
# is far beyond any camera a user sorts pets with, yet well below what would exhaust memory.
MAX_PIXELS = 200_000_000
# Formats without reduced decoding (all but JPEG) are decoded at full size, a few copies of
# which are alive at once per decoding thread; 80 MP keeps that under about 1 GB per thread.
MAX_FULL_DECODE_PIXELS = 80_000_000

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
)
HEIF_SUFFIXES = frozenset({".heic", ".heif"})
AVIF_SUFFIXES = frozenset({".avif"})  # Android phones and the web; Pillow 11.3+ reads it

# What decoders raise for damaged data (RuntimeError: the HEIF and AVIF plug-ins).
_DAMAGED_DATA = (
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    TypeError,
    MemoryError,
    RuntimeError,
)
# Raised when what ``decode`` reads from a file changes, so that answers cached before are not
# reused. 2: a HEIC's own pixels, where its embedded thumbnail was read before.
READ_REVISION = 2
_ORIENTATION_TAG = 0x0112
_THUMBNAIL_OFFSET, _THUMBNAIL_LENGTH = 0x0201, 0x0202  # EXIF IFD1: where its JPEG thumbnail lies
# An embedded preview worth showing in a grid cell, and none larger than a thumbnail can be.
PREVIEW_MIN, PREVIEW_MAX = 128, 1024
_TRANSPOSED = (2, 3, 4, 5, 6, 7, 8)  # orientations that exif_transpose changes
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
_TRANSPOSE_METHODS = {  # as ImageOps.exif_transpose maps them
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Set once for the process rather than per decode: ``warnings.catch_warnings`` is not thread-safe
# and decoding runs on a pool. Sizes over MAX_PIXELS are refused by decode() itself, and damaged
# EXIF blocks only cost the orientation, so neither warning is worth printing to a user.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
ImageFile.LOAD_TRUNCATED_IMAGES = False


def _register_heif() -> bool:
    """Enable HEIC/HEIF when the optional ``pillow-heif`` package is installed."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


HEIF_AVAILABLE = _register_heif()
AVIF_AVAILABLE = features.check("avif")
_SUPPORTED = (
    IMAGE_SUFFIXES
    | (HEIF_SUFFIXES if HEIF_AVAILABLE else frozenset())
    | (AVIF_SUFFIXES if AVIF_AVAILABLE else frozenset())
)


def supported_suffixes() -> frozenset[str]:
    """File name endings the scanner treats as photos."""
    return _SUPPORTED


def is_image_name(path: str | Path) -> bool:
    return Path(path).suffix.lower() in supported_suffixes()


class ImageReadError(Exception):
    """A file that cannot be used as a photo; the message is meant for a person.

    ``lasting`` is False for reasons that can change without the file changing (permissions,
    a file that vanished), which must not be remembered by a cache.
    """

    def __init__(self, message: str, lasting: bool = True) -> None:
        super().__init__(message)
        self.lasting = lasting


@dataclass(frozen=True)
class DecodedImage:
    """Everything later stages need from one decode of one file."""

    pixels: np.ndarray  # (INPUT_SIZE, INPUT_SIZE, 3) uint8 RGB, the model input
    thumbnail: Image.Image  # RGB, longest side at most THUMBNAIL_SIZE, aspect kept
    width: int  # upright size of the original photo
    height: int


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB with transparency composited over white and high bit depths scaled to 8 bits."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.uint32 if image.mode == "I" else np.uint16)
        scale = 257 if image.mode != "I" or array.max(initial=0) > 255 else 1
        image = Image.fromarray((array // scale).clip(0, 255).astype(np.uint8), "L")
    elif image.mode == "F":
        array = np.asarray(image, dtype=np.float32)
        image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8), "L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("LA", "La", "PA"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "RGBa"):
        # One RGBA image at most besides the source: at 200 MP every copy costs 800 MB.
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image


def _open_regular_file(path: str | Path) -> BinaryIO:
    """Open for reading, refusing anything that is not a plain file.

    A named pipe called ``photo.jpg`` would block a plain ``open`` forever and a device could
    feed bytes without end, so the file is opened without blocking and checked on the open
    descriptor itself, leaving no gap between the check and the read.
    """
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | nonblocking)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise ImageReadError("not a regular file (a pipe, device or socket)")
        if nonblocking:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _open(source: str | Path | bytes, stack: contextlib.ExitStack) -> Image.Image:
    """The image, closed (with its file) when ``stack`` closes."""
    if isinstance(source, bytes):
        return stack.enter_context(Image.open(io.BytesIO(source)))
    handle = stack.enter_context(_open_regular_file(source))
    return stack.enter_context(Image.open(handle))


@contextlib.contextmanager
def _reading(source: str | Path | bytes) -> Iterator[contextlib.ExitStack]:
    """A stack that closes the file, around a read whose every failure becomes an
    ``ImageReadError`` with a short reason."""
    try:
        with contextlib.ExitStack() as stack:
            yield stack
    except ImageReadError:
        raise
    except UnidentifiedImageError as exc:
        raise ImageReadError(_unidentified_reason(source)) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageReadError("image too large; refused to protect memory") from exc
    except OSError as exc:
        if exc.errno is None:  # raised by the decoder, not by the system
            raise ImageReadError(_decoder_reason(exc)) from exc
        # Only a folder stays one; a missing or locked file may be fine on the next scan.
        lasting = exc.errno in (errno.EISDIR, errno.ENOTDIR)
        raise ImageReadError(describe_os_error(exc, side="file"), lasting=lasting) from exc
    except _DAMAGED_DATA as exc:
        raise ImageReadError(f"corrupt image data ({exc})") from exc


def _open_within_limits(source: str | Path | bytes, stack: contextlib.ExitStack) -> Image.Image:
    """The image at its first frame, refused before decoding if it has too many pixels."""
    image = _open(source, stack)
    width, height = image.size
    limit = MAX_PIXELS if image.format == "JPEG" else MAX_FULL_DECODE_PIXELS
    if width * height > limit:
        raise ImageReadError(
            f"image too large ({width} x {height} pixels); refused to protect memory"
        )
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    return image


def decode(source: str | Path | bytes) -> DecodedImage:
    """Decode a photo once into the model input and its thumbnail.

    Raises ``ImageReadError`` with a short reason for anything that is not a readable photo.
    """
    with _reading(source) as stack:
        rgb, (width, height), owned = _upright_reduced(source, stack)
        # Both come from ``rgb`` before the file is closed, since it may be the file's own
        # image; only small results outlive it.
        pixels = np.asarray(rgb.resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR))
        thumbnail = _thumbnail(rgb, owned=owned)
    return DecodedImage(pixels=pixels, thumbnail=thumbnail, width=width, height=height)


def load_upright(source: str | Path | bytes) -> Image.Image:
    """The photo as the contract decodes it before squashing it to the model's input: at
    reduced size, upright, RGB. For training probes that frame it another way."""
    with _reading(source) as stack:
        rgb, _, owned = _upright_reduced(source, stack)
        return rgb if owned else rgb.copy()


def _upright_reduced(
    source: str | Path | bytes, stack: contextlib.ExitStack
) -> tuple[Image.Image, tuple[int, int], bool]:
    """The photo decoded at reduced size, upright, RGB; its full upright size; and whether the
    image is a new one (False: the file's own image, to be used before ``stack`` closes)."""
    image = _open_within_limits(source, stack)
    width, height = image.size
    orientation = image.getexif().get(_ORIENTATION_TAG, 1)
    # DCT scaling: decode a JPEG at 1/2, 1/4 or 1/8 size, never below the target; through
    # simplejpeg where it gives Pillow's pixels exactly (see core.jpeg), else Pillow.
    reduced = decode_reduced(image, INPUT_SIZE)
    if reduced is None:
        if image.format in ("JPEG", "MPO"):
            # Only a JPEG's DCT scaling: pillow-heif's draft would decode a HEIC's embedded
            # thumbnail instead, and a preview never decides a label (``embedded_preview``).
            image.draft("RGB", (INPUT_SIZE, INPUT_SIZE))
        image.load()
        # exif_transpose copies even when there is nothing to turn; skip that copy.
        upright = ImageOps.exif_transpose(image) if orientation in _TRANSPOSED else image
    else:
        upright = _turn(reduced, orientation)
    rgb = _flatten_to_rgb(upright)
    if orientation in (5, 6, 7, 8):  # turned a quarter: the upright size swaps the axes
        width, height = height, width
    return rgb, (width, height), rgb is not image


def embedded_preview(path: str | Path | bytes) -> Image.Image | None:
    """The small copy a camera or phone stored inside the photo (a JPEG's EXIF thumbnail, a
    HEIC's thumbnail image), upright and RGB, for the grid to show while the photo waits to be
    classified; None when there is none or it cannot be read.

    Never the input that decides a label: ``decode`` reads the photo itself. Read from the file's
    header only (an EXIF thumbnail lies in its first 64 KB), so it costs about a millisecond.
    """
    try:
        with _reading(path) as stack:
            image = _open_within_limits(path, stack)
            exif = image.getexif()
            orientation = exif.get(_ORIENTATION_TAG, 1)
            if image.format in ("JPEG", "MPO"):
                preview = _exif_thumbnail(image, exif, stack)
            elif image.format == "HEIF" and image.draft("RGB", (PREVIEW_MIN, PREVIEW_MIN)):
                image.load()  # pillow-heif's draft chose an embedded thumbnail: it decodes that
                preview = image
            else:
                return None
            if preview is None:
                return None
            # Turned as ``decode`` turns the photo; a copy, since the file's images close here.
            return _flatten_to_rgb(_turn(preview, orientation)).copy()
    except ImageReadError:
        return None


def _exif_thumbnail(
    image: Image.Image, exif: Image.Exif, stack: contextlib.ExitStack
) -> Image.Image | None:
    """The JPEG that ``exif``'s IFD1 points at, decoded; None when there is none."""
    raw = image.info.get("exif")
    if not isinstance(raw, bytes):
        return None
    where = exif.get_ifd(ExifTags.IFD.IFD1)
    offset, length = where.get(_THUMBNAIL_OFFSET), where.get(_THUMBNAIL_LENGTH)
    if not isinstance(offset, int) or not isinstance(length, int) or length <= 0:
        return None
    tiff = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw  # offsets count from here
    data = tiff[offset : offset + length]
    if len(data) != length or not data.startswith(b"\xff\xd8"):
        return None
    preview = stack.enter_context(Image.open(io.BytesIO(data)))
    if preview.format != "JPEG" or max(preview.size) > PREVIEW_MAX:
        return None
    preview.load()
    return preview


def _turn(image: Image.Image, orientation: int) -> Image.Image:
    """Upright by an EXIF orientation read from the header: what ``exif_transpose`` does to
    the pixels, for an image decoded outside Pillow."""
    method = _TRANSPOSE_METHODS.get(orientation)
    return image if method is None else image.transpose(method)


def load_display(path: str | Path, max_side: int) -> Image.Image:
    """The photo upright and no larger than ``max_side``, for showing it large.

    Opened and limited as ``decode`` opens the model's input (a regular file only, a bounded
    number of pixels), so a pipe named like a photo or a decompression bomb raises
    ``ImageReadError`` instead of blocking or exhausting memory. Transparency is kept (RGBA);
    anything else becomes RGB. JPEGs decode at reduced size where that is enough.
    """
    with _reading(path) as stack:
        image = _open_within_limits(path, stack)
        image.draft("RGB", (max_side, max_side))
        upright = ImageOps.exif_transpose(image)  # always a copy, loaded: the file may close
        has_alpha = upright.mode in _ALPHA_MODES or "transparency" in upright.info
        shown = upright.convert("RGBA") if has_alpha else _flatten_to_rgb(upright)
        shown.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return shown


def _thumbnail(image: Image.Image, owned: bool) -> Image.Image:
    """The grid's picture, longest side at most THUMBNAIL_SIZE.

    A box reduction by a whole factor where that lands near the size: a third of the cost of a
    filtered shrink, which was a quarter of a small photo's decode. Otherwise a bilinear shrink
    in place (the model input is taken already), copied once small unless ``owned``: the
    file's own image dies with the file.
    """
    longest = max(image.size)
    factor = -(-longest // THUMBNAIL_SIZE)
    if factor >= 2 and longest / factor >= THUMBNAIL_SIZE * 3 / 4:
        return image.reduce(factor)
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.BILINEAR)
    return image if owned else image.copy()


def _unidentified_reason(source: str | Path | bytes) -> str:
    size = len(source) if isinstance(source, bytes) else _file_size(Path(source))
    if size == 0:
        return "empty file (0 bytes)"
    return "not an image, or a format this app cannot read"


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _decoder_reason(exc: OSError) -> str:
    text = str(exc)
    if "truncated" in text.lower():
        return "truncated image (the file ends early)"
    return f"corrupt image data ({text})" if text else "corrupt image data"


def load_pixels(source: str | Path | bytes) -> np.ndarray:
    """Model input only; the path training takes through the same contract."""
    return decode(source).pixels


def encode_thumbnail(thumbnail: Image.Image, quality: int = 85) -> bytes:
    """JPEG bytes of a thumbnail, compact enough to keep 10,000 of them in a cache."""
    buffer = io.BytesIO()
    thumbnail.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
