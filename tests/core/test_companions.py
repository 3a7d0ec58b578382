"""A photo's companions (Live Photo video, edits, sidecars, raw file) go where it goes, named
after it, and come back with it on undo; shared, linked or photo files are never taken along."""

from __future__ import annotations

import os
from pathlib import Path

from support import snapshot

from dogcat_desktop.core.companions import companion_name, find_companions
from dogcat_desktop.core.journal import moved_files, read_journal
from dogcat_desktop.core.moves import execute_plan, plan_sort
from dogcat_desktop.core.undo import undo_last


def _files(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_bytes(f"contents of {name}".encode())


def test_companions_by_stem_and_by_whole_name(tmp_path: Path, outside: Path):
    _files(
        tmp_path,
        "IMG_1.HEIC",
        "IMG_1.MOV",  # Live Photo
        "IMG_1.AAE",  # iPhone edit
        "IMG_1.HEIC.xmp",  # sidecar by whole name
        "IMG_1.HEIC.supplemental-metadata.json",  # Google Takeout
        "IMG_10.MOV",  # another photo's, and that photo is not here
        "IMG_1 copy.MOV",
        "IMG_1.txt",  # not a companion suffix
        "IMG_2.JPG",
        "IMG_2.HEIC",  # both photos claim IMG_2.MOV: it goes with neither
        "IMG_2.MOV",
        "IMG_3.JPG",
        "IMG_3.CR2",  # the raw file beside its JPEG
        "IMG_4.JPG",
    )
    (outside / "IMG_4.MOV").write_bytes(b"outside")
    os.symlink(outside / "IMG_4.MOV", tmp_path / "IMG_4.MOV")  # a link is never taken along
    photos = [tmp_path / n for n in ("IMG_1.HEIC", "IMG_2.JPG", "IMG_2.HEIC", "IMG_3.JPG")]
    photos.append(tmp_path / "IMG_4.JPG")

    found = {p.name: sorted(c.name for c in cs) for p, cs in find_companions(photos).items()}

    assert found == {
        "IMG_1.HEIC": [
            "IMG_1.AAE",
            "IMG_1.HEIC.supplemental-metadata.json",
            "IMG_1.HEIC.xmp",
            "IMG_1.MOV",
        ],
        "IMG_3.JPG": ["IMG_3.CR2"],
    }


def test_takeout_metadata_under_the_names_takeout_gives(tmp_path: Path):
    long = "Screenshot_2019-06-01-12-30-45-123_com.example.gallery.jpg"  # 58 characters
    cut = (long + ".supplemental-metadata")[:46] + ".json"  # Takeout keeps 46 before .json
    _files(
        tmp_path,
        "IMG_1.jpg",
        "IMG_1(1).jpg",  # a taken name: Takeout numbers the photo and moves it in the metadata
        "IMG_1.jpg.supplemental-metadata.json",
        "IMG_1.jpg.supplemental-metadata(1).json",
        "IMG_2(2).jpg",
        "IMG_2.jpg(2).json",  # the older form
        "PXL_20230101_120000000.PORTRAIT.ORIGINAL.jpg",
        "PXL_20230101_120000000.PORTRAIT.ORIGINAL.jpg.supplemental-me.json",  # cut in the suffix
        long,
        cut,  # cut through the photo's own name
        "holiday photos from the beach in august.jpg",  # these two begin the same,
        "holiday photos from the beach in august.jpeg",  # so a cut name would fit either:
        "holiday photos from the beach in augu.json",  # it stays
        "IMG_3(1).jpg.json",  # a photo whose own name has a number keeps the plain form
        "IMG_3(1).jpg",
        "IMG_4.jpg(1).json",  # the photo it would belong to is not here: stays
        "IMG_4.jpg",
    )
    photos = [p for p in tmp_path.iterdir() if not p.name.endswith(".json")]

    found = {p.name: sorted(c.name for c in cs) for p, cs in find_companions(photos).items()}

    assert found == {
        "IMG_1.jpg": ["IMG_1.jpg.supplemental-metadata.json"],
        "IMG_1(1).jpg": ["IMG_1.jpg.supplemental-metadata(1).json"],
        "IMG_2(2).jpg": ["IMG_2.jpg(2).json"],
        "PXL_20230101_120000000.PORTRAIT.ORIGINAL.jpg": [
            "PXL_20230101_120000000.PORTRAIT.ORIGINAL.jpg.supplemental-me.json"
        ],
        long: [cut],
        "IMG_3(1).jpg": ["IMG_3(1).jpg.json"],
    }


def test_a_companion_takes_the_name_its_photo_got():
    assert companion_name("IMG_1.HEIC", "IMG_1.MOV", "IMG_1 (1).HEIC") == "IMG_1 (1).MOV"
    assert companion_name("IMG_1.HEIC", "IMG_1.HEIC.xmp", "IMG_1 (1).HEIC") == "IMG_1 (1).HEIC.xmp"
    assert companion_name("a.jpg", "a.jpg.supplemental-metadata.json", "a (2).jpg") == (
        "a (2).jpg.supplemental-metadata.json"
    )
    # A photo that keeps its name keeps its companions' names, whatever form they have.
    assert companion_name("a(1).jpg", "a.jpg(1).json", "a(1).jpg") == "a.jpg(1).json"
    assert companion_name("a(1).jpg", "a.jpg(1).json", "a(1) (1).jpg") == "a(1) (1).json"


def test_companions_move_with_their_photo_and_come_back_on_undo(tmp_path: Path):
    folder = tmp_path / "phone"
    folder.mkdir()
    _files(folder, "IMG_1.HEIC", "IMG_1.MOV", "IMG_1.AAE", "IMG_1.HEIC.xmp", "IMG_5.JPG")
    _files(folder, "IMG_5.MOV")  # IMG_5 is unsure: it and its video stay
    (folder / "dogs").mkdir()
    _files(folder / "dogs", "IMG_1.HEIC", "IMG_1 (1).AAE")  # an earlier IMG_1 and a stray name
    before = snapshot(folder)

    plan = plan_sort(folder, [(folder / "IMG_1.HEIC", "dog"), (folder / "IMG_5.JPG", None)])
    assert plan.companions == 3
    assert "and 3 files that belong with them" in plan.summary()
    report = execute_plan(plan)

    dogs = folder / "dogs"
    assert report.moved == 1 and report.companions_moved == 3 and not report.notices
    assert report.moved_files == [(folder / "IMG_1.HEIC", dogs / "IMG_1 (1).HEIC")]
    assert (dogs / "IMG_1 (1).MOV").read_bytes() == b"contents of IMG_1.MOV"
    assert (dogs / "IMG_1 (1).HEIC.xmp").read_bytes() == b"contents of IMG_1.HEIC.xmp"
    # Its own name taken by a stray file: numbered on, never overwritten.
    assert (dogs / "IMG_1 (1) (1).AAE").read_bytes() == b"contents of IMG_1.AAE"
    assert (dogs / "IMG_1 (1).AAE").read_bytes() == b"contents of IMG_1 (1).AAE"
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["IMG_5.JPG", "IMG_5.MOV"]
    assert "Also moved 3 files" in report.summary()
    # "Last Sort" lists the photo; its companions are where it is.
    assert report.journal_path is not None
    assert moved_files(read_journal(report.journal_path)) == report.moved_files

    undone = undo_last(folder)

    assert undone.complete and undone.restored == 1 and undone.companions_restored == 3
    assert "Also put back 3 files" in undone.summary()
    assert undone.restored_files == [(dogs / "IMG_1 (1).HEIC", folder / "IMG_1.HEIC")]
    assert snapshot(folder) == before


def test_a_companion_that_cannot_follow_is_reported_and_the_photo_still_moves(tmp_path: Path):
    _files(tmp_path, "IMG_1.JPG", "IMG_1.MOV", "IMG_1.AAE")
    plan = plan_sort(tmp_path, [(tmp_path / "IMG_1.JPG", "cat")])
    (tmp_path / "IMG_1.MOV").unlink()  # gone between the preview and the move

    report = execute_plan(plan)

    assert report.moved == 1 and report.companions_moved == 1 and not report.failures
    assert (tmp_path / "cats" / "IMG_1.AAE").exists()
    assert len(report.notices) == 1 and "IMG_1.MOV (with IMG_1.JPG)" in report.notices[0]
    assert undo_last(tmp_path).complete
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["IMG_1.AAE", "IMG_1.JPG"]
