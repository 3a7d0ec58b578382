"""The personal layer: learns from the user's own labels, and the user's pets by name.

``TrainingSet`` holds the labels with their embeddings, ``PersonalStore`` keeps it on disk (one
per user, next to the corrections), and ``PersonalLayer.fit`` turns it into predictions that are
used only while they beat the bundled model on the user's own labels.
"""

from .labels import LabelError, check_name, format_label, parse_label
from .layer import LayerStatus, PersonalLayer, PersonalPrediction, Source
from .store import FILE_NAME, PersonalFileError, PersonalState, PersonalStore
from .training_set import TrainingSet

__all__ = [
    "FILE_NAME",
    "LabelError",
    "LayerStatus",
    "PersonalFileError",
    "PersonalLayer",
    "PersonalPrediction",
    "PersonalState",
    "PersonalStore",
    "Source",
    "TrainingSet",
    "check_name",
    "format_label",
    "parse_label",
]
