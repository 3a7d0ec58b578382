"""Names as a person reads them: control characters written out."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from types import SimpleNamespace

from dogcat_desktop import cli
from dogcat_desktop.core.printable import printable, terminal_safe


def test_control_characters_are_written_out_and_the_rest_kept():
    assert printable("Luna ☀ é.jpg") == "Luna ☀ é.jpg"
    assert printable(Path("a\x1b[31mb\x07\n\r\t\x7f\x9b.jpg")) == (
        "a\\x1b[31mb\\x07\\n\\r\\t\\x7f\\x9b.jpg"
    )
    message = "line one\tcolumn\n\rline two \x1b]0;title\x07\x08"
    assert terminal_safe(message) == "line one\tcolumn\n\rline two \\x1b]0;title\\x07\\x08"


def test_a_terminal_gets_escapes_written_out_and_a_file_the_exact_bytes(monkeypatch):
    """stdout is made safe only when it is a terminal; stderr always."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    seen: dict[str, str] = {}

    def run(_args) -> int:
        print("name: a\x1b[31mb")
        print("oops \x1b[2J", file=sys.stderr)
        return 0

    for tty in (True, False):
        out, err = (Terminal() if tty else io.StringIO()), io.StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        parser = cli.build_parser()
        monkeypatch.setattr(cli, "build_parser", lambda parser=parser: parser)
        monkeypatch.setattr(parser, "parse_args", lambda argv: SimpleNamespace(run=run))
        assert cli.main([]) == 0
        assert sys.stdout is out and sys.stderr is err  # put back as they were
        seen[f"out{tty}"], seen[f"err{tty}"] = out.getvalue(), err.getvalue()
    assert seen["outTrue"] == "name: a\\x1b[31mb\n"
    assert seen["outFalse"] == "name: a\x1b[31mb\n"
    assert seen["errTrue"] == seen["errFalse"] == "oops \\x1b[2J\n"
