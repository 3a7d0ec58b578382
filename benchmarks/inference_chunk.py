"""Photos per interpreter call (``classifier.RUN_CHUNK``) against inference cost, in one run.

``python benchmarks/inference_chunk.py [ROUNDS]`` times the shipped model through the app's
``Classifier`` (batches of 16 handed to ``run``, as the scan does) with each chunk size in
turn, round after round so that the machine's load falls on all of them alike: CPU ms a photo
on one thread, wall ms a photo on two, the best of each chunk size's rounds. Pixels are 64
held-out photos decoded through the contract. It also checks that every chunk size gives the
same outputs as whole batches.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from benchmarks.inference import BATCH, held_out, time_inference
from dogcat_desktop.core import classifier
from dogcat_desktop.core.imaging import load_pixels
from dogcat_desktop.resources import model_dir

CHUNKS = (16, 4, 2, 1)


def main(rounds: int) -> int:
    paths, _ = held_out()
    pixels = np.stack([load_pixels(p) for p in paths[:64]])
    reference = classifier.Classifier(model_dir())
    classifier.RUN_CHUNK = BATCH
    whole = reference.run(pixels[:BATCH])
    best: dict[tuple[int, int], float] = {}
    print(f"load average {os.getloadavg()[0]:.2f}")
    for _ in range(rounds):
        for chunk in CHUNKS:
            classifier.RUN_CHUNK = chunk
            outputs = reference.run(pixels[:BATCH])
            for name, value in whole.items():
                np.testing.assert_allclose(outputs[name], value, atol=1e-5)
            for threads in (1, 2):
                ms = time_inference(model_dir(), pixels, threads)
                best[chunk, threads] = min(best.get((chunk, threads), float("inf")), ms)
    for chunk in CHUNKS:
        print(
            f"RUN_CHUNK={chunk:2d}: {best[chunk, 1]:.2f} ms/photo on 1 thread (CPU), "
            f"{best[chunk, 2]:.2f} on 2 (wall)"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
