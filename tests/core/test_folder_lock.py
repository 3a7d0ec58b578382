"""One sort or undo per folder: a second is refused, a dead one's lock is cleared."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dogcat_desktop.core import folder_lock
from dogcat_desktop.core.folder_lock import FolderBusyError, LockUnavailableError, acquire
from dogcat_desktop.core.moves import execute_plan, plan_sort


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write_lock(folder: Path, **owner: object) -> Path:
    path = folder_lock.lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(owner))
    return path


def test_lock_file_records_the_owner_and_goes_away(tmp_path: Path) -> None:
    with acquire(tmp_path) as lock:
        assert lock == tmp_path / ".dogcat-sorter" / "lock"
        owner = json.loads(lock.read_text())
        assert owner["pid"] == os.getpid()
        assert owner["hostname"] == socket.gethostname()
        assert abs(owner["time"] - time.time()) < 60
    assert not lock.exists()


def test_second_acquire_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with acquire(tmp_path) as lock:
        with pytest.raises(FolderBusyError) as info, acquire(tmp_path):
            pass
        message = str(info.value)
        assert "already being sorted or restored" in message
        assert f"process {os.getpid()}" in message and str(tmp_path) in message
        assert lock.exists()  # the refused attempt did not remove the holder's lock
    assert not lock.exists()


def test_lock_held_by_another_live_process(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        write_lock(tmp_path, pid=holder.pid, hostname=socket.gethostname(), time=time.time())
        with pytest.raises(FolderBusyError, match=f"process {holder.pid}"), acquire(tmp_path):
            pass
        photo = tmp_path / "dog.jpg"
        photo.write_bytes(b"woof")
        with pytest.raises(FolderBusyError):
            execute_plan(plan_sort(tmp_path, [(photo, "dog")]))
        assert photo.read_bytes() == b"woof" and not (tmp_path / "dogs").exists()
    finally:
        holder.kill()
        holder.wait()
    # Once the holder is gone its lock is stale and is taken over.
    with acquire(tmp_path) as lock:
        assert json.loads(lock.read_text())["pid"] == os.getpid()


def test_stale_lock_from_a_dead_process_is_cleared(tmp_path: Path) -> None:
    pid = dead_pid()
    assert not folder_lock.pid_alive(pid)
    write_lock(tmp_path, pid=pid, hostname=socket.gethostname(), time=time.time() - 5)
    with acquire(tmp_path) as lock:
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert not lock.exists()
    assert not (lock.parent / "lock.break").exists()


def test_lock_from_another_host_is_never_broken(tmp_path: Path) -> None:
    write_lock(tmp_path, pid=dead_pid(), hostname="some-other-machine", time=time.time())
    with pytest.raises(FolderBusyError, match="some-other-machine"), acquire(tmp_path):
        pass


def test_unreadable_lock_is_busy_while_fresh_and_stale_when_old(tmp_path: Path) -> None:
    path = folder_lock.lock_path(tmp_path)
    path.parent.mkdir()
    path.write_text("")  # a crash between creating the lock and writing its content
    with pytest.raises(FolderBusyError), acquire(tmp_path):
        pass
    old = time.time() - 3600
    os.utime(path, (old, old))
    with acquire(tmp_path):
        pass


def test_lock_that_is_no_longer_ours_is_left_alone(tmp_path: Path) -> None:
    with acquire(tmp_path) as lock:
        replacement = {"pid": 1, "hostname": socket.gethostname(), "token": "someone else"}
        lock.write_text(json.dumps(replacement))
    assert json.loads(lock.read_text()) == replacement


def test_unwritable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(LockUnavailableError, match="read-only"), acquire(tmp_path):
        pass
    monkeypatch.undo()
    with pytest.raises(LockUnavailableError, match="does not exist"), acquire(tmp_path / "nope"):
        pass
