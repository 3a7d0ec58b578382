"""JPEG decoding through simplejpeg, to exactly the pixels Pillow's reduced decode gives.

Both are libjpeg-turbo with the same settings (DCT scaling at 1/2, 1/4 or 1/8, the accurate
integer IDCT, fancy upsampling), so the image is the same to the last bit; simplejpeg takes a
little less CPU a photo (about 5% on a 12 MP camera photo, README). Both release the GIL.
Anything this path is not sure to decode identically is left to Pillow (``None``): grey and
CMYK files, and any file libjpeg-turbo reports a problem with, so that Pillow's own
handling (and its error messages) apply to damaged files exactly as before.
"""

from __future__ import annotations

from PIL import Image

try:
    import simplejpeg  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - a broken install; Pillow decodes everything
    simplejpeg = None

# Reading the whole file costs memory Pillow's streaming decode does not; above this, stream.
MAX_FILE_BYTES = 64 * 1024 * 1024


def draft_scale(size: tuple[int, int], target: int) -> int:
    """The DCT scaling denominator Pillow's ``draft`` picks: the largest of 8, 4, 2, 1 that
    keeps both sides at least ``target`` (1 for a photo already smaller)."""
    fits = min(size[0] // target, size[1] // target)
    return next((s for s in (8, 4, 2) if fits >= s), 1)


def decode_reduced(image: Image.Image, target: int) -> Image.Image | None:
    """``image`` (an opened, not yet loaded Pillow JPEG) decoded at the size
    ``image.draft("RGB", (target, target))`` would give, or None to let Pillow decode it."""
    # MPO (a phone's JPEG with a second picture, such as a depth map, appended) qualifies for
    # its first picture, which starts the file: libjpeg-turbo stops at that picture's end.
    if simplejpeg is None or image.format not in ("JPEG", "MPO") or image.mode != "RGB":
        return None
    handle = getattr(image, "fp", None)  # the open file (or bytes) Pillow read the header from
    tile = getattr(image, "tile", [])
    if len(tile) != 1 or tile[0][2] != 0 or tile[0][3][0] != "RGB" or handle is None:
        return None
    try:
        handle.seek(0, 2)
        if handle.tell() > MAX_FILE_BYTES:
            return None
        handle.seek(0)
        data = handle.read()
    except (OSError, ValueError):
        return None
    scale = draft_scale(image.size, target)
    width, height = ((side + scale - 1) // scale for side in image.size)
    try:
        # The smallest libjpeg-turbo scaling at least this large is exactly 1/scale: the
        # next smaller one (3/8 against 1/2) is well under it at these sizes.
        array = simplejpeg.decode_jpeg(
            data, "RGB", fastdct=False, fastupsample=False, min_height=height, min_width=width
        )
    except ValueError:  # libjpeg-turbo's warnings too (strict): Pillow decides those
        return None
    if array.shape != (height, width, 3):
        return None
    return Image.fromarray(array)
