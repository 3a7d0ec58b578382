"""The photos in view first: the order a scan takes photos in, and the scanner following it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from support import BUNDLED_MODEL

from dogcat_desktop.core.classifier import Classifier
from dogcat_desktop.core.scan import Scanner
from dogcat_desktop.core.scan_order import ScanOrder


def take_all(order: ScanOrder) -> list[int]:
    taken = []
    while (index := order.take()) is not None:
        taken.append(index)
    return taken


def test_without_a_wish_the_order_is_the_list_order() -> None:
    assert take_all(ScanOrder(5)) == [0, 1, 2, 3, 4]


def test_preferred_photos_come_next_and_none_is_taken_twice() -> None:
    order = ScanOrder(8)
    assert [order.take(), order.take()] == [0, 1]
    order.prefer([6, 1, 7, 99, -1])  # 1 is taken already; 99 and -1 are not photos
    assert take_all(order) == [6, 7, 2, 3, 4, 5]


def test_a_new_wish_replaces_the_old_one() -> None:
    order = ScanOrder(10)
    order.prefer([8, 9])
    order.prefer([4])
    assert take_all(order) == [4, 0, 1, 2, 3, 5, 6, 7, 8, 9]


def test_threads_taking_at_once_share_every_index_exactly_once() -> None:
    order = ScanOrder(20_000)
    taken: list[list[int]] = [[], [], [], []]

    def worker(out: list[int]) -> None:
        while (index := order.take()) is not None:
            out.append(index)
            if index % 1000 == 0:
                order.prefer(range(index + 500, index + 520))

    threads = [threading.Thread(target=worker, args=(out,)) for out in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [i for out in taken for i in out]
    assert sorted(everything) == list(range(20_000))


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    if not (BUNDLED_MODEL / "model.tflite").exists():
        pytest.skip("no bundled model")
    return Scanner(Classifier(BUNDLED_MODEL, threads=1), batch_size=2, workers=2)


def test_scanner_follows_a_wish_made_while_it_runs(scanner: Scanner, cat_photos) -> None:
    """Photos asked for mid-scan are classified before the ones still waiting in list order;
    only the few already being decoded (three batches) come before them."""
    paths: list[Path] = cat_photos[:24]
    order = ScanOrder(len(paths))
    seen: list[Path] = []
    for result in scanner.scan(paths, order=order):
        if not seen:
            order.prefer([22, 23])  # the person scrolled to the end
        assert result.prediction is not None
        seen.append(result.path)
    assert sorted(seen) == sorted(paths)
    position = {path: number for number, path in enumerate(seen)}
    assert max(position[paths[22]], position[paths[23]]) < position[paths[12]]
    assert seen[:6] == paths[:6]
