"""The species' means named pets are told apart against: counted, capped, kept, used."""

from __future__ import annotations

import numpy as np
import pytest

from dogcat_desktop.core.labels import CLASSES
from dogcat_desktop.core.personal import (
    FILE_NAME,
    PersonalFileError,
    PersonalLayer,
    PersonalState,
    PersonalStore,
    TrainingSet,
)
from dogcat_desktop.core.personal import means as means_module
from dogcat_desktop.core.personal.means import MIN_PHOTOS, SpeciesMeans, Tally
from dogcat_desktop.core.personal.names import NameModel
from dogcat_desktop.core.personal.training_set import EMBEDDING_SIZE


def photos(rng: np.random.Generator, centre: np.ndarray, count: int) -> np.ndarray:
    return np.abs(centre + 0.3 * rng.standard_normal((count, EMBEDDING_SIZE)))


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def test_a_tally_counts_dogs_and_cats_by_the_models_label():
    rng = np.random.default_rng(1)
    dogs, cats = photos(rng, np.ones(EMBEDDING_SIZE), MIN_PHOTOS), photos(rng, 0, MIN_PHOTOS)
    counted = Tally()
    for embedding in dogs:
        counted.add(embedding, "dog")
    for embedding in cats:
        counted.add(embedding, "cat")
    counted.add(cats[0], "other")  # neither species: not counted
    counted.add(np.zeros(EMBEDDING_SIZE), "cat")  # no direction: not counted
    means = counted.means()
    assert means.counts.tolist() == [MIN_PHOTOS, MIN_PHOTOS]
    assert np.allclose(means.centre("dog"), unit(dogs).mean(axis=0), atol=1e-6)
    assert np.allclose(means.centre("cat"), unit(cats).mean(axis=0), atol=1e-6)
    assert SpeciesMeans.of(unit(dogs[:3]), ["dog"] * 3).centre("dog") is None  # too few yet


def test_the_count_is_capped_so_new_photos_still_move_the_mean(monkeypatch):
    monkeypatch.setattr(means_module, "CAP", 100)
    old = SpeciesMeans.of(np.tile(np.eye(EMBEDDING_SIZE)[0], (100, 1)), ["cat"] * 100)
    new = SpeciesMeans.of(np.tile(np.eye(EMBEDDING_SIZE)[1], (100, 1)), ["cat"] * 100)
    both = old.plus(new)
    assert both.counts.tolist() == [0, 100]
    assert np.allclose(both.centre("cat")[:2], [0.5, 0.5])


def test_means_are_kept_and_forgotten_with_another_model(tmp_path):
    store = PersonalStore(tmp_path / FILE_NAME)
    rng = np.random.default_rng(2)
    means = SpeciesMeans.of(unit(photos(rng, 1.0, 60)), ["cat"] * 60)
    store.save(PersonalState(TrainingSet("model-a"), means=means))
    assert np.array_equal(store.load("model-a").means.sums, means.sums)
    assert store.load("model-b").means.counts.tolist() == [0, 0]  # its embeddings differ


def test_damaged_means_are_reported(tmp_path):
    path = tmp_path / FILE_NAME
    store = PersonalStore(path)
    store.save(PersonalState(TrainingSet("model-a")))
    with np.load(path) as archive:
        fields = {name: archive[name] for name in archive.files}
    fields["species_sums"] = np.zeros((2, 7))
    with open(path, "wb") as handle:
        np.savez(handle, **fields)
    with pytest.raises(PersonalFileError, match="means"):
        store.load("model-a")


def test_pets_are_told_apart_against_the_species_mean():
    """Every cat shares most of its embedding and one cat differs from another in a little of
    it: compared as they are, all photos point the same way and the noise in what they share
    hides Luna; once what all cats share is taken away, Luna is named and a stranger is not."""
    rng = np.random.default_rng(3)
    shared = 10.0 * np.abs(rng.standard_normal(EMBEDDING_SIZE))
    luna, milo, stranger = (np.abs(rng.standard_normal(EMBEDDING_SIZE)) for _ in range(3))
    everyone = np.vstack([photos(rng, shared + c, 40) for c in (luna, milo, stranger)])
    means = SpeciesMeans.of(unit(everyone), ["cat"] * len(everyone))
    probabilities = np.tile(np.eye(len(CLASSES))[CLASSES.index("cat")] * 0.9 + 0.05, (5, 1))
    labelled = TrainingSet("m").with_labels(
        (f"{name}-{i}", f"cat/{name}", e, probabilities[0])
        for name, centre in (("Luna", luna), ("Milo", milo))
        for i, e in enumerate(photos(rng, shared + centre, 5))
    )
    strangers = photos(rng, shared + stranger, 20)
    lunas = photos(rng, shared + luna, 20)
    centred = PersonalLayer.fit(labelled, means=means)
    assert centred.names["cat"].centre is not None
    found = centred.predict(strangers, np.tile(probabilities[0], (20, 1)))
    assert sum(p.name is not None for p in found) <= 2
    own = centred.predict(lunas, np.tile(probabilities[0], (20, 1)))
    assert sum(p.name == "Luna" for p in own) >= 16
    plain = PersonalLayer.fit(labelled)
    assert plain.names["cat"].centre is None
    missed = plain.predict(lunas, np.tile(probabilities[0], (20, 1)))
    assert sum(p.name == "Luna" for p in missed) < 5


def test_a_photo_more_like_the_typical_cat_than_like_luna_stays_unnamed():
    """Taking the species' mean away can make a typical cat point Luna's way (within her radius);
    compared as they are, it is closer to the typical cat than to her, so it is none of them."""
    luna = unit(
        np.array(
            [[0.8, 0.6, 0], [0.75, 0.6, 0.3], [0.75, 0.6, -0.3], [0.85, 0.5, 0.2], [0.7, 0.7, -0.2]]
        )
    )
    centre = np.array([0.9, 0.0, 0.0], np.float32)  # the mean of the user's cats, all alike
    typical = unit(np.array([[0.97, 0.24, 0.0], [0.97, 0.22, 0.05]])).astype(np.float32)
    hers = unit(np.array([[0.78, 0.62, 0.1], [0.8, 0.58, -0.1]])).astype(np.float32)
    model = NameModel.fit(luna.astype(np.float32), ["Luna"] * 5, centre=centre)
    assert model is not None
    centred = unit(typical - centre) @ model.prototypes.T
    assert (centred[:, 0] >= model.floors[0]).all()  # the radius alone would name them
    assert [s.name for s in model.suggest(typical, 0.6)] == [None, None]
    assert [s.name for s in model.suggest(hers, 0.6)] == ["Luna", "Luna"]


def test_a_new_user_gets_the_bundled_models_means_until_their_own_are_many(tmp_path):
    """Nothing scanned yet: the shipped means (the model's training photos) are the centre, so
    the first named cat is told apart from the typical cat at once; the user's own photos
    outweigh them as they come, and what is saved stays the user's own."""
    rng = np.random.default_rng(4)

    def noisy(centre: np.ndarray, count: int) -> np.ndarray:  # photos that vary a lot
        return np.abs(centre + 2.0 * rng.standard_normal((count, EMBEDDING_SIZE)))

    shared = 10.0 * np.abs(rng.standard_normal(EMBEDDING_SIZE))
    luna = shared + 0.7 * rng.standard_normal(EMBEDDING_SIZE)  # a little off the typical cat
    trained = unit(noisy(shared, 300))  # the build's cats: typical ones
    path = tmp_path / means_module.MEANS_FILE
    shipped = SpeciesMeans.of(trained, ["cat"] * len(trained))
    np.savez(path, sums=shipped.sums, counts=shipped.counts)
    prior = means_module.bundled_means(tmp_path)
    assert prior is not None and prior.counts.tolist() == [0, 300]

    probabilities = np.eye(len(CLASSES))[CLASSES.index("cat")] * 0.9 + 0.05
    labelled = TrainingSet("m").with_labels(
        (f"luna-{i}", "cat/Luna", e, probabilities) for i, e in enumerate(noisy(luna, 5))
    )
    given = np.tile(probabilities, (20, 1))
    typical, lunas = noisy(shared, 20), noisy(luna, 20)
    new_user = SpeciesMeans.empty()
    alone = PersonalLayer.fit(labelled, means=new_user)
    assert alone.names["cat"].centre is None
    # Without a mean, Luna's radius alone lets most typical cats take her name.
    assert sum(p.name == "Luna" for p in alone.predict(typical, given)) >= 15

    layer = PersonalLayer.fit(labelled, means=new_user.with_prior(prior))
    assert np.allclose(layer.names["cat"].centre, trained.mean(axis=0), atol=1e-5)
    assert sum(p.name is not None for p in layer.predict(typical, given)) <= 2
    assert sum(p.name == "Luna" for p in layer.predict(lunas, given)) >= 18

    # The user's own photos take over: 500 of theirs against the prior's weight of 50.
    own = unit(noisy(luna, 500))
    mine = SpeciesMeans.of(own, ["cat"] * 500)
    centre = mine.with_prior(prior).centre("cat")
    expected = (own.sum(axis=0) + trained.mean(axis=0) * means_module.PRIOR_WEIGHT) / 550
    assert centre is not None and np.allclose(centre, expected, atol=1e-5)
    assert mine.with_prior(None) is mine and mine.counts.tolist() == [0, 500]


def test_a_model_built_before_the_means_has_none(tmp_path):
    assert means_module.bundled_means(tmp_path) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"sums": np.zeros((2, 7)), "counts": np.array([1, 1])},
        {"sums": np.full((2, EMBEDDING_SIZE), np.nan), "counts": np.array([1, 1])},
        {"sums": np.zeros((2, EMBEDDING_SIZE)), "counts": np.array([-1, 1])},
        {"sums": np.zeros((2, EMBEDDING_SIZE))},
        b"not an archive",
    ],
)
def test_bundled_means_that_are_not_a_builds_are_reported(tmp_path, fields):
    path = tmp_path / means_module.MEANS_FILE
    if isinstance(fields, bytes):
        path.write_bytes(fields)
    else:
        np.savez(path, **fields)
    with pytest.raises(means_module.BundledMeansError, match=r"species_means\.npz"):
        means_module.bundled_means(tmp_path)


def test_a_sort_tells_pets_apart_with_the_folder_it_scanned():
    """``with_this_folder``: the layer refitted with the photos just scanned counted in; the
    species' level is the same, only names may change; nothing to do without named pets."""
    from dogcat_desktop.core.learning import Loaded, fit_state, with_this_folder

    rng = np.random.default_rng(5)
    shared = 10.0 * np.abs(rng.standard_normal(EMBEDDING_SIZE))
    luna = shared + 0.7 * rng.standard_normal(EMBEDDING_SIZE)
    probabilities = np.eye(len(CLASSES))[CLASSES.index("cat")] * 0.9 + 0.05
    labelled = TrainingSet("m").with_labels(
        (f"luna-{i}", "cat/Luna", e, probabilities)
        for i, e in enumerate(np.abs(luna + 2.0 * rng.standard_normal((5, EMBEDDING_SIZE))))
    )
    state = PersonalState(labelled)  # a new user: no means kept yet
    loaded = Loaded(state, fit_state(state))
    assert loaded.layer.names["cat"].centre is None
    scanned = Tally()
    folder = np.abs(shared + 2.0 * rng.standard_normal((60, EMBEDDING_SIZE)))
    for embedding in folder:
        scanned.add(embedding, "cat")
    layer = with_this_folder(loaded, scanned)
    assert layer is not None
    assert np.allclose(layer.names["cat"].centre, unit(folder).mean(axis=0), atol=1e-5)
    assert (layer.species is None) == (loaded.layer.species is None)
    assert with_this_folder(loaded, Tally()) is None  # nothing scanned
    plain = PersonalState(TrainingSet("m"))
    assert with_this_folder(Loaded(plain, fit_state(plain)), scanned) is None  # no pets
