"""Decoding photo after photo reuses the allocator's buffers instead of faulting them in anew."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]

# Decodes one large noisy WebP ten times on a decoding thread, printing the minor page faults
# a photo over the last five; the thresholds set or not by the first argument.
PROBE = """
import io, resource, sys
from concurrent.futures import ThreadPoolExecutor
import numpy as np
from PIL import Image
from dogcat_desktop.core import allocator
from dogcat_desktop.core.imaging import decode
if sys.argv[1] == "tuned":
    assert allocator.keep_decode_buffers()
noise = np.random.default_rng(0).integers(0, 256, (1440, 1920, 3), dtype=np.uint8)
buffer = io.BytesIO()
Image.fromarray(noise).save(buffer, format="WEBP", quality=80)
data = buffer.getvalue()
with ThreadPoolExecutor(1) as pool:
    list(pool.map(decode, [data] * 5))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    list(pool.map(decode, [data] * 5))
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5)
"""


def _faults_per_photo(mode: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env=env, check=True
    )
    return float(out.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_decode_buffers_are_kept_between_photos():
    plain = _faults_per_photo("plain")
    tuned = _faults_per_photo("tuned")
    # A 1920x1440 canvas is 2,700 pages; untuned, every photo faults several such buffers in.
    assert plain > 2000, plain  # the probe really exercises the problem
    assert tuned < plain / 4, (tuned, plain)


def test_setting_is_idempotent():
    from dogcat_desktop.core import allocator

    first = allocator.keep_decode_buffers()
    assert allocator.keep_decode_buffers() is first
    if not sys.platform.startswith("linux"):
        assert first is False  # nothing to tune outside glibc
