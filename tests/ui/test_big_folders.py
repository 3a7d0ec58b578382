"""Big folders: the whole grid at once, the photos in view first (a row for every photo as soon
as the folder is listed, filled in as the scan goes, in the order the person is looking), and
scrolling that never waits for a screenful of thumbnail decodes."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import SCAN_TIMEOUT_MS
from PySide6.QtCore import QModelIndex

from dogcat_desktop.core.classifier import Prediction
from dogcat_desktop.core.scan import ScanResult
from dogcat_desktop.ui.filter_model import ResultsFilter
from dogcat_desktop.ui.results_model import ResultsModel, Row


def classified(path: Path, label: str = "dog") -> Row:
    probabilities = {"dog": (0.9, 0.05, 0.05), "cat": (0.05, 0.9, 0.05)}[label]
    return Row(ScanResult(path, Prediction(probabilities, label, 0.9), None, None))


def test_waiting_rows_are_filled_in_place_and_dropped_when_a_scan_stops(qtbot):
    model = ResultsModel()
    paths = [Path(f"/photos/{n}.jpg") for n in range(6)]
    model.add_waiting(paths)
    assert model.rowCount() == 6 and all(row.waiting for row in model.rows())
    assert sum(model.counts().values()) == 0  # nothing counted as a dog, a cat or an error

    model.append([classified(paths[4]), classified(paths[1], "cat")])
    assert model.rowCount() == 6
    assert [row.waiting for row in model.rows()] == [True, False, True, True, False, True]
    proxy = ResultsFilter()
    proxy.setSourceModel(model)
    proxy.set_status_filter("dog")
    assert proxy.rowCount() == 1
    proxy.set_status_filter("error")
    assert proxy.rowCount() == 0  # a photo not classified yet is not an error

    model.drop_waiting()
    assert [row.path for row in model.rows()] == [paths[1], paths[4]]
    assert model.row_for_path(paths[4]) == 1


def test_photos_scrolled_into_view_are_classified_before_the_rest(
    window, qtbot, tmp_path, photo_sources
):
    folder = tmp_path / "many"
    folder.mkdir()
    total = 400
    for number in range(total):
        source = photo_sources[number % len(photo_sources)]
        os.link(source, folder / f"{number:03d}-{source.name}")
    results = window.session.results
    order: list[int] = []  # source rows in the order they were classified

    def filled(top: QModelIndex, bottom: QModelIndex, *_roles) -> None:
        order.extend(n for n in range(top.row(), bottom.row() + 1) if not results.row(n).waiting)

    results.dataChanged.connect(filled)
    in_view: list[Path] = []

    def scroll_to_the_end(_count: int) -> None:
        # The person drags the scroll bar to the bottom as soon as the grid appears.
        last = window.proxy.index(total - 1, 0)
        qtbot.waitUntil(lambda: window.grid.visualRect(last).isValid())  # laid out in batches
        window.grid.scrollToBottom()
        in_view.extend(window.grid.waiting_in_view())

    window.scans.listed.connect(scroll_to_the_end)
    with qtbot.waitSignal(window.scans.finished, timeout=SCAN_TIMEOUT_MS * 2):
        window.scans.open_folder(folder)

    assert results.rowCount() == total and not any(row.waiting for row in results.rows())
    assert sorted(order) == list(range(total))  # each row filled in exactly once
    assert in_view and all(results.row_for_path(p) >= total - 40 for p in in_view)
    position = {row: number for number, row in enumerate(order)}
    last_in_view = max(position[results.row_for_path(p)] for p in in_view)
    # Only the photos already being decoded when the person scrolled come before them.
    assert last_in_view < position[total // 2]


def test_a_paint_puts_off_decodes_past_its_budget_and_the_next_one_does_them(
    qtbot, monkeypatch, photo_sources
):
    """Scrolling fast never waits for a screenful of decodes: past the frame's budget a cell is
    left empty (not 'No preview') and the next paint fills it in."""
    from dogcat_desktop.core.imaging import decode, encode_thumbnail
    from dogcat_desktop.ui import thumbnails as module

    data = {p: encode_thumbnail(decode(p).thumbnail) for p in photo_sources[:3]}
    provider = module.ThumbnailProvider(data.get)
    provider.clear()
    monkeypatch.setattr(module, "FRAME_BUDGET_S", -1.0)
    provider.begin_frame()
    first = [provider.pixmap(p, 64) for p in data]
    assert provider.put_off and provider.end_frame()
    assert first.count(None) == 3  # the budget was spent before the first decode
    monkeypatch.setattr(module, "FRAME_BUDGET_S", 10.0)
    provider.begin_frame()
    assert all(provider.pixmap(p, 64) is not None for p in data)
    assert not provider.end_frame() and provider.decoded == 3


def test_a_grid_standing_still_decodes_more_per_paint_than_one_scrolling(qtbot, monkeypatch):
    """The first screenful of a scan arrives at once and shows in one or two paints; while the
    person scrolls, each paint keeps to a frame's budget."""
    from dogcat_desktop.ui import grid as module
    from dogcat_desktop.ui.delegate import PhotoDelegate
    from dogcat_desktop.ui.thumbnails import FRAME_BUDGET_S, SETTLED_BUDGET_S, ThumbnailProvider

    view = module.PhotoGrid(PhotoDelegate(ThumbnailProvider()))
    qtbot.addWidget(view)
    assert view.paint_budget() == SETTLED_BUDGET_S > FRAME_BUDGET_S
    clock = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: clock[0])
    view.verticalScrollBar().setRange(0, 100)
    view.verticalScrollBar().setValue(50)
    assert view.paint_budget() == FRAME_BUDGET_S
    clock[0] += module.SCROLL_SETTLE_S + 0.01
    assert view.paint_budget() == SETTLED_BUDGET_S
