"""Drive the real app and grab the README's screenshots: scanning, reviewing, the loupe, the
sort preview.

    xvfb-run -a -s "-screen 0 1280x800x24" python docs/make_screenshots.py [OUT_DIR]

Builds a folder of 60 shared photos (cats, dogs, neither, one damaged file, and a ``dogs/`` that
already holds one of the names, so the preview shows a collision), with its own cache, data and
settings, so nothing of the user's is touched. The review shot raises the unsure threshold to
0.97 so that a few photos show the unsure state, and marks two of them by hand.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SCRATCH = Path(tempfile.mkdtemp(prefix="dogcat-screenshots-"))
os.environ["DOGCAT_SORTER_CACHE_DIR"] = str(SCRATCH / "cache")
os.environ["DOGCAT_SORTER_DATA_DIR"] = str(SCRATCH / "data")
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QItemSelectionModel, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def pet_folder() -> Path:
    folder = SCRATCH / "Pet photos"
    folder.mkdir()
    validation = DATA / "dogs-vs-cats" / "validation"
    for kind in ("cats", "dogs"):
        for photo in sorted((validation / kind).glob("*.jpg"))[29:51]:
            shutil.copy(photo, folder)
    others = [
        *sorted((DATA / "other" / "intel-scenes").glob("*.jpg"))[:11],
        *sorted((DATA / "other" / "hymenoptera").glob("*.jpg"))[:2],
        *sorted((DATA / "other" / "bsds500").glob("*.jpg"))[:2],
    ]
    for photo in others:
        shutil.copy(photo, folder)
    (folder / "IMG_0412 (damaged).jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    (folder / "dogs").mkdir()
    shutil.copy(folder / "dog.2034.jpg", folder / "dogs" / "dog.2034.jpg")
    return folder


def wait(signal=None, ms: int | None = None) -> None:
    loop = QEventLoop()
    if signal is not None:
        signal.connect(lambda *_: loop.quit())
    if ms is not None:
        QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(SCRATCH))
    from dogcat_desktop.ui.delegate import PhotoDelegate
    from dogcat_desktop.ui.loupe import LoupeDialog
    from dogcat_desktop.ui.main_window import MainWindow
    from dogcat_desktop.ui.sort_dialog import SortPreviewDialog

    folder = pet_folder()
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    if window.session.scanner is None:
        wait(window.session.model_ready)

    taken = {"scanning": False}

    def halfway(progress) -> None:
        if not taken["scanning"] and progress.done >= progress.total * 0.45:
            taken["scanning"] = True
            window.grab().save(str(out / "scanning.png"))

    window.scans.progress.connect(halfway)
    window.scans.open_folder(folder)
    wait(window.scans.finished)
    wait(ms=150)

    window.session.set_threshold(0.97)
    window.view.set_order("confidence")
    wait(ms=150)
    selection = window.grid.selectionModel()

    def index_of(name: str):
        for number in range(window.proxy.rowCount()):
            index = window.proxy.index(number, 0)
            if index.data() == name:
                return index
        raise LookupError(name)

    def unsure_rows():
        rows = [window.session.results.row(i) for i in range(window.session.results.rowCount())]
        return [r for r in rows if r.status(window.session.results.threshold) == "unsure"]

    for row in unsure_rows()[:2]:  # a person corrects two, as in a real review
        selection.setCurrentIndex(
            index_of(row.path.name), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        window.review.mark("dog" if row.path.name.startswith("dog") else "cat")
    remaining = unsure_rows()
    if remaining:
        selection.setCurrentIndex(
            index_of(remaining[0].path.name), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
    wait(ms=400)
    window.grab().save(str(out / "reviewing.png"))

    loupe = LoupeDialog(
        window.proxy,
        selection,
        PhotoDelegate(window.thumbnails),
        window.review.mark,
        window.review.step,
        lambda: window.session.threshold,
        window,
    )
    loupe.resize(1100, 760)
    loupe.show()
    wait(ms=900)
    loupe.grab().save(str(out / "loupe.png"))
    loupe.close()

    plan = window.sorting.build_plan()
    dialog = SortPreviewDialog(plan, window)
    dialog.show()
    dialog.files_toggle.click()  # the files per destination, as a person would open them
    for number in range(dialog.files.topLevelItemCount()):
        dialog.files.topLevelItem(number).setExpanded(number == 0)
    wait(ms=300)
    dialog.grab().save(str(out / "sort-preview.png"))
    dialog.close()
    window.close()
    app.quit()
    shutil.rmtree(SCRATCH, ignore_errors=True)
    print(f"wrote scanning.png, reviewing.png, loupe.png and sort-preview.png to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
