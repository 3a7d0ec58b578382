"""Each scan thread runs the model on an interpreter of its own; the outputs are the model's."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
from support import BUNDLED_MODEL

from dogcat_desktop.core import scan
from dogcat_desktop.core.classifier import Classifier
from dogcat_desktop.core.imaging import load_pixels
from dogcat_desktop.core.scan import Scanner


@pytest.fixture(scope="module")
def model() -> Classifier:
    if not (BUNDLED_MODEL / "model.tflite").exists():
        pytest.skip("no bundled model")
    return Classifier(BUNDLED_MODEL, threads=1)


def test_scan_gives_what_the_model_gives_for_the_same_pixels(model, cat_photos, dog_photos):
    photos = [*cat_photos[:6], *dog_photos[:6]]
    scanner = Scanner(model, batch_size=4, workers=3)
    results = list(scanner.scan(photos))
    expected = model.run(np.stack([load_pixels(p) for p in photos]))

    assert [r.path for r in results] == photos
    got = np.array([r.prediction.probabilities for r in results if r.prediction])
    np.testing.assert_allclose(got, expected["probabilities"], atol=1e-6)
    embeddings = np.stack([r.embedding for r in results if r.embedding is not None])
    np.testing.assert_array_equal(embeddings, expected["embedding"].astype(np.float16))
    assert len({r.prediction.label for r in results if r.prediction}) == 2  # rows really differ
    # An interpreter per pool thread at most, kept for the next scan.
    assert 1 <= scanner._runners.qsize() <= 3
    list(scanner.scan(photos[:2]))
    assert scanner._runners.qsize() <= 3


def test_a_scanner_keeps_at_most_max_runners_interpreters(model, cat_photos, monkeypatch):
    monkeypatch.setattr(scan, "MAX_RUNNERS", 2)
    made = []
    original = model.runner
    monkeypatch.setattr(model, "runner", lambda threads=1: made.append(threads) or original(1))
    scanner = scan.Scanner(model, batch_size=2, workers=6)
    results = list(scanner.scan(cat_photos[:12]))
    assert all(r.prediction is not None for r in results)
    assert 1 <= scanner._runners.qsize() <= 2  # the classifier's own one may be among them
    assert len(made) <= scanner._runners.qsize()


def test_interpreters_made_at_once_leave_stderr_where_it_was(model):
    """LiteRT's first start is silenced by pointing fd 2 elsewhere for a moment; threads making
    interpreters together must not leave it pointing there."""
    before = os.fstat(2)
    start = threading.Barrier(6)

    def make() -> None:
        start.wait()
        model.runner()

    threads = [threading.Thread(target=make) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)


def test_interpreters_are_made_with_the_scanner_not_on_the_pool(model, cat_photos, monkeypatch):
    """Not on the pool's threads, whose malloc arenas must keep room for decode buffers."""
    monkeypatch.setattr(scan, "MAX_RUNNERS", 3)
    makers: list[threading.Thread] = []
    original = model.runner

    def runner(threads: int = 1):
        makers.append(threading.current_thread())
        return original(1)

    monkeypatch.setattr(model, "runner", runner)
    scanner = Scanner(model, batch_size=2, workers=3)
    list(scanner.scan(cat_photos[:6]))
    assert makers and set(makers) == {threading.current_thread()}


def test_scans_started_at_once_share_the_limit(model, cat_photos, monkeypatch):
    monkeypatch.setattr(scan, "MAX_RUNNERS", 2)
    made: list[int] = []
    original = model.runner

    def runner(threads: int = 1):
        made.append(threads)
        time.sleep(0.05)  # slow, as if two scans could race to make interpreters
        return original(1)

    monkeypatch.setattr(model, "runner", runner)
    scanner = Scanner(model, batch_size=2, workers=2)
    start = threading.Barrier(3)
    results: list[list] = []

    def scan_some() -> None:
        start.wait()
        results.append(list(scanner.scan(cat_photos[:4])))

    threads = [threading.Thread(target=scan_some) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and all(len(r) == 4 for r in results)
    assert scanner._runners.qsize() <= 2
