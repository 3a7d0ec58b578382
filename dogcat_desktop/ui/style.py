"""How each review status looks and reads in the window.

One table, so a renamed status or a changed colour is one line here and not an edit in the
grid, the filters, the counts, the preview and the sort dialog.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.review import ReviewStatus


@dataclass(frozen=True)
class StatusStyle:
    name: str  # "Dog": badges, the preview, "Mark as …"
    plural: str  # "Dogs": the filter list; in lower case, the status bar's counts
    background: str  # the badge's colour
    foreground: str  # its text's colour
    key: str = ""  # the review key that marks a photo so; "" where a person cannot set it

    def count(self, number: int) -> str:
        """'1 dog', '3 dogs', '2 neither' for the status bar."""
        word = self.name if number == 1 else self.plural
        return f"{number} {word.lower()}"


# Colours chosen to stay apart for the common colour-vision deficiencies (orange vs blue), with
# grey, yellow and red for the other states. In the order the window lists the statuses.
STYLES: dict[ReviewStatus, StatusStyle] = {
    ReviewStatus.DOG: StatusStyle("Dog", "Dogs", "#D9730D", "#FFFFFF", "D"),
    ReviewStatus.CAT: StatusStyle("Cat", "Cats", "#2F6FDB", "#FFFFFF", "C"),
    ReviewStatus.OTHER: StatusStyle("Neither", "Neither", "#5F6B7A", "#FFFFFF", "N"),
    ReviewStatus.UNSURE: StatusStyle("Unsure", "Unsure", "#F5C518", "#1F1F1F"),
    ReviewStatus.ERROR: StatusStyle("Error", "Errors", "#C62828", "#FFFFFF"),
}

# The statuses a person can give a photo, each with its key: the model's classes.
MARKABLE: tuple[ReviewStatus, ...] = tuple(status for status, s in STYLES.items() if s.key)


def style_of(status: str) -> StatusStyle:
    """The style of a status or label given as its word ('dog', 'unsure', …); a named pet
    (``dog/Rex``) has its species' style."""
    return STYLES[ReviewStatus(str(status).partition("/")[0])]
