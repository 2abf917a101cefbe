"""The shape of a scenario-run object, checked before the report uses it, so that a bad
results file gets one message naming the field instead of a traceback half-way through
drawing."""

from __future__ import annotations

import math
from typing import Any

from ngha.errors import NghaError

COUNTS = ("repeat", "lost_writes", "acknowledged_writes", "collateral_restarts")
SECONDS_OR_NEVER = ("recovered_seconds", "duration_seconds")  # null: never
LISTS_OF_OBJECTS = ("collateral", "failed_actions")


def is_cell(record: Any) -> bool:
    """A resilience-matrix cell (`ngha chaos matrix --json`), not a scenario run."""
    return isinstance(record, dict) and "fault" in record and "scenario" not in record


def check_record(record: Any, where: str) -> None:
    (check_cell if is_cell(record) else check_run)(record, where)


def check_cell(cell: dict, where: str) -> None:
    """Raise NghaError naming `where` and the field when `cell` is not a matrix cell as
    `ngha chaos matrix --json` prints it. Unknown keys are allowed."""
    for key in ("service", "fault", "profile"):
        _required(cell, where, key, lambda v: isinstance(v, str) and v, "a non-empty string")
    for key in ("passed", "recovered"):
        _required(cell, where, key, lambda v: isinstance(v, bool), "true or false")
    _optional(cell, where, "title", lambda v: isinstance(v, str), "a string")
    for key in ("seconds_after_backend", "outage_seconds"):
        _optional(cell, where, key, _seconds_or_never, "seconds >= 0 or null")
    _optional(cell, where, "restarts", lambda v: _mapping_of(v, _count),
              "an object: node -> a whole number >= 0")
    _optional(cell, where, "failed_requests", _count, "a whole number >= 0")
    _optional(cell, where, "manual_action", lambda v: v is None or isinstance(v, str),
              "a command (a string) or null")
    _optional(cell, where, "notes", lambda v: isinstance(v, dict), "an object")
    _optional(cell, where, "failures", lambda v: _list_of(v, lambda s: isinstance(s, str)),
              "a list of strings")
    _optional(cell, where, "events", lambda v: _list_of(v, _event),
              'a list of {"t": seconds, "label": text}')
    if "probes" in cell:
        _check_probes(cell["probes"], f"{where}.probes")


def check_run(run: Any, where: str) -> None:
    """Raise NghaError naming `where` (e.g. `[3]`) and the field when `run` is not a
    scenario-run object as `ngha chaos run --json` prints it. Unknown keys are allowed:
    they are kept in the raw JSON."""
    if not isinstance(run, dict):
        raise NghaError(f"expected a scenario-run object, found {_kind(run)}", field=where)
    for key in ("scenario", "profile"):
        if not isinstance(run.get(key), str) or not run[key]:
            raise NghaError(f"expected a non-empty string, found {_kind(run.get(key))}"
                            if key in run else f"missing `{key}`", field=f"{where}.{key}")
    if not isinstance(run.get("passed"), bool):
        raise NghaError(f"expected true or false, found {_kind(run.get('passed'))}"
                        if "passed" in run else "missing `passed`", field=f"{where}.passed")
    _optional(run, where, "title", lambda v: isinstance(v, str), "a string")
    _optional(run, where, "quick", lambda v: isinstance(v, bool), "true or false")
    for key in COUNTS:
        _optional(run, where, key, _count, "a whole number >= 0")
    for key in SECONDS_OR_NEVER:
        _optional(run, where, key, _seconds_or_never, "seconds >= 0 or null")
    _optional(run, where, "failures", lambda v: _list_of(v, lambda s: isinstance(s, str)),
              "a list of strings")
    for key in LISTS_OF_OBJECTS:
        _optional(run, where, key, lambda v: _list_of(v, _flat_object),
                  "a list of objects of strings and numbers")
    _optional(run, where, "galera", _flat_object, "an object of strings and numbers")
    _optional(run, where, "outage_seconds", lambda v: _mapping_of(v, _seconds_or_never),
              "an object: path -> seconds >= 0 or null")
    _optional(run, where, "events", lambda v: _list_of(v, _event),
              'a list of {"t": seconds, "label": text}')
    if "probes" in run:
        _check_probes(run["probes"], f"{where}.probes")


def _check_probes(probes: Any, where: str) -> None:
    if not isinstance(probes, dict):
        raise NghaError(f"expected an object: path -> samples, found {_kind(probes)}", field=where)
    for path, samples in probes.items():
        if not isinstance(samples, list):
            raise NghaError(f"expected a list of samples, found {_kind(samples)}",
                         field=f"{where}.{path}")
        for i, sample in enumerate(samples):
            if not _sample(sample):
                raise NghaError("expected a sample [t_start, t_end, ok] (seconds, seconds, "
                             f"1 or 0), found {_kind(sample)}", field=f"{where}.{path}[{i}]")


def _required(record: dict, where: str, key: str, valid, expected: str) -> None:
    if key not in record:
        raise NghaError(f"missing `{key}`", field=f"{where}.{key}")
    _optional(record, where, key, valid, expected)


def _optional(run: dict, where: str, key: str, valid, expected: str) -> None:
    if key in run and not valid(run[key]):
        raise NghaError(f"expected {expected}, found {_kind(run[key])}", field=f"{where}.{key}")


def _number(v: Any) -> bool:
    # bool is an int in Python, but `true` is not a number of seconds
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _seconds_or_never(v: Any) -> bool:
    return v is None or (_number(v) and v >= 0)


def _list_of(v: Any, valid) -> bool:
    return isinstance(v, list) and all(valid(item) for item in v)


def _mapping_of(v: Any, valid) -> bool:
    return isinstance(v, dict) and all(valid(item) for item in v.values())


def _flat_object(v: Any) -> bool:
    return isinstance(v, dict) and all(
        isinstance(item, (str, bool)) or item is None or _number(item) for item in v.values())


def _event(v: Any) -> bool:
    return (isinstance(v, dict) and _number(v.get("t")) and isinstance(v.get("label"), str))


def _sample(v: Any) -> bool:
    return (isinstance(v, list) and len(v) == 3 and _number(v[0]) and _number(v[1])
            and v[2] in (0, 1) and (isinstance(v[2], (int, bool))))


def _kind(v: Any) -> str:
    """What was found, by type only: a message never repeats a value from the file."""
    if v is None:
        return "null"
    if isinstance(v, list):
        return f"a list of {len(v)} item" + ("" if len(v) == 1 else "s")
    return {bool: "true/false", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(v), type(v).__name__)
