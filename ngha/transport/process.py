"""The one place ngha starts a process: argv lists only, a deadline, and the whole
process group killed when the deadline passes (nothing it started outlives it)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ngha.errors import ToolMissing

TIMEOUT_RC = 124  # what coreutils' timeout(1) returns


@dataclass(frozen=True)
class RawResult:
    rc: int
    stdout: bytes
    stderr: bytes
    duration: float
    timed_out: bool

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    def text(self) -> tuple[str, str]:
        return self.stdout.decode(errors="replace"), self.stderr.decode(errors="replace")


def run_process(argv: Sequence[str], stdin: bytes | None = None, timeout: float = 60.0,
                env: dict[str, str] | None = None) -> RawResult:
    """Run argv in its own session so a timeout kills everything it started.

    A program that is not installed raises ToolMissing naming it."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, env=env,
        )
    except FileNotFoundError:
        raise ToolMissing(f"{argv[0]} is not installed",
                          fix="run `make deps` (or `ngha lab prepare` for the lab)") from None
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        kill_group(proc.pid)
        out, err = proc.communicate()
        timed_out = True
    except BaseException:  # Ctrl-C: take the whole group with us
        kill_group(proc.pid)
        proc.wait()
        raise
    rc = TIMEOUT_RC if timed_out else proc.returncode
    return RawResult(rc, out, err, time.monotonic() - start, timed_out)


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def sigkill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_until_gone(find: Callable[[], set[int]], timeout: float = 10.0,
                    poll: float = 0.05) -> set[int]:
    """SIGKILL whatever `find` returns until it returns nothing or the deadline passes;
    returns the survivors. Every kill loop of the lab is this one."""
    deadline = time.monotonic() + timeout
    while True:
        pids = find()
        pids.discard(os.getpid())
        if not pids or time.monotonic() > deadline:
            return pids
        for pid in pids:
            sigkill(pid)
        time.sleep(poll)


def wait_for(predicate: Callable[[], bool], timeout: float, poll: float = 0.05) -> bool:
    """Poll until predicate() is true; False when the deadline passed first."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(poll)
    return True



def run_to_log(argv: Sequence[str], log: Path, timeout: float = 3600.0,
               env: dict[str, str] | None = None) -> int:
    """Run argv with stdout and stderr appended to `log` (apt and other chatty tools:
    the user sees the log's path, not the chatter); returns the exit status."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        try:
            proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=out, start_new_session=True, env=env)
        except FileNotFoundError:
            raise ToolMissing(f"{argv[0]} is not installed") from None
        try:
            return proc.wait(timeout=timeout)
        except BaseException:
            kill_group(proc.pid)
            proc.wait()
            raise


def spawn_detached(argv: Sequence[str], log: Path) -> None:
    """Start argv so that it outlives ngha (a lab node's launcher): its own session,
    output to `log`; waits only for the launcher itself (setsid -f returns at once)."""
    with open(log, "ab") as out:
        subprocess.run(list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                       check=True, close_fds=True)


def start_background(argv: Sequence[str], log: Path) -> subprocess.Popen:
    """Start argv in its own session, output appended to `log`; the caller stops it
    (stop_background) when done."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        try:
            return subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=out, start_new_session=True)
        except FileNotFoundError:
            raise ToolMissing(f"{argv[0]} is not installed") from None


def stop_background(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL of the whole group if it does not end in time."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc.pid)
            proc.wait()
