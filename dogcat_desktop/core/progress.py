"""Progress with rate and time left, shared by the terminal bar and the GUI's status line."""

from __future__ import annotations

import sys
import time
from typing import IO


class Rate:
    """Done/total with an ETA from an exponentially smoothed rate, robust to a slow start."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self._last_time = self.started
        self._last_done = 0
        self.per_second = 0.0

    def update(self, done: int) -> None:
        now = time.monotonic()
        elapsed = now - self._last_time
        if elapsed >= 0.25 or done >= self.total:
            instant = (done - self._last_done) / max(elapsed, 1e-6)
            self.per_second = (
                instant if self.per_second == 0 else 0.7 * self.per_second + 0.3 * instant
            )
            self._last_time, self._last_done = now, done
        self.done = done

    @property
    def seconds_left(self) -> float | None:
        if self.per_second <= 0:
            return None
        return (self.total - self.done) / self.per_second


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class TerminalBar:
    """A one-line bar on a terminal; silent when the stream is not a TTY (pipes, logs)."""

    def __init__(self, total: int, stream: IO[str] | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() and total > 0
        self.rate = Rate(total)
        self.width = width
        self._drawn = 0.0

    def update(self, done: int) -> None:
        self.rate.update(done)
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn < 0.1 and done < self.rate.total:
            return
        self._drawn = now
        filled = int(self.width * done / self.rate.total)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.rate.total} "
            f"{self.rate.per_second:5.1f}/s  {format_duration(self.rate.seconds_left)} left "
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * (self.width + 50) + "\r")
            self.stream.flush()
