"""File names as a person reads them: control characters written out, never acted on.

A name may hold any character but ``/`` (and NUL): a newline would split the CLI's one-line
message in two, and a terminal escape (``ESC [ 31 m``, a title change, a cursor move) would be
obeyed by the terminal that prints it. So every name a message shows goes through
``printable``, and the CLI writes everything a person reads through ``terminal_safe``.
"""

from __future__ import annotations

import os

# C0 controls, DEL and the C1 controls (a terminal takes 0x9b as "ESC [").
_CONTROLS = (*range(0x20), 0x7F, *range(0x80, 0xA0))
_NAMED = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}
_WRITTEN_OUT = {code: _NAMED.get(code, f"\\x{code:02x}") for code in _CONTROLS}
# What a message may keep: its own line breaks, tabs and the progress bar's carriage returns.
_UNSAFE = {code: text for code, text in _WRITTEN_OUT.items() if code not in (0x0A, 0x09, 0x0D)}


def printable(name: str | os.PathLike[str]) -> str:
    """``name`` with every control character written out (``\\n``, ``\\x1b``)."""
    return os.fspath(name).translate(_WRITTEN_OUT)


def terminal_safe(text: str) -> str:
    """A message's text with the control characters a terminal acts on (escapes, bells,
    backspaces) written out; its line breaks, tabs and carriage returns kept, so names in it
    must have gone through ``printable`` for those."""
    return text.translate(_UNSAFE)
