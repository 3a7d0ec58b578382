"""While a photo waits to be classified, its cell shows the small copy the camera stored inside
it (never used for its label), and a grey "Classifying…" card when there is none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage
from support import BLUE, RED, camera_photo

from dogcat_desktop.ui.delegate import PhotoDelegate
from dogcat_desktop.ui.embedded_previews import EmbeddedPreviews
from dogcat_desktop.ui.grid import PhotoGrid
from dogcat_desktop.ui.results_model import ResultsModel
from dogcat_desktop.ui.thumbnails import ThumbnailProvider


def _centre_colour(grid: PhotoGrid, row: int) -> np.ndarray:
    image = grid.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rect = grid.visualRect(grid.model().index(row, 0))
    ratio = image.devicePixelRatio()
    x, y = round(rect.center().x() * ratio), round((rect.top() + rect.width() / 2) * ratio)
    colour = image.pixelColor(x, y)
    return np.array([colour.red(), colour.green(), colour.blue()])


def test_a_waiting_photo_shows_its_embedded_preview(qtbot, tmp_path: Path):
    with_one = camera_photo(tmp_path / "DSC_0001.JPG")  # blue photo, red preview inside
    without = tmp_path / "DSC_0002.JPG"
    Image.new("RGB", (800, 600), BLUE).save(without)
    model = ResultsModel()
    model.add_waiting([with_one, without])
    previews = EmbeddedPreviews()
    grid = PhotoGrid(PhotoDelegate(ThumbnailProvider(), previews=previews))
    qtbot.addWidget(grid)
    grid.setModel(model)
    grid.resize(800, 400)
    grid.show()

    qtbot.waitUntil(lambda: np.abs(_centre_colour(grid, 0) - RED).max() < 30, timeout=5000)
    assert previews.get(with_one) is not None and previews.get(without) is None
    assert np.abs(_centre_colour(grid, 1) - RED).max() > 100  # the grey card, not a photo
    previews.stop()
    assert previews.get(tmp_path / "DSC_0003.JPG") is None  # stopped: nothing read any more


def test_previews_are_forgotten_with_the_folder(qtbot, tmp_path: Path):
    photo = camera_photo(tmp_path / "DSC_0001.JPG")
    previews = EmbeddedPreviews()
    with qtbot.waitSignal(previews.arrived, timeout=5000):
        previews.get(photo)
    assert previews.get(photo) is not None
    previews.clear()
    assert previews.get(photo) is None  # asked again, read again
    qtbot.waitUntil(lambda: previews.get(photo) is not None, timeout=5000)
    previews.stop()
