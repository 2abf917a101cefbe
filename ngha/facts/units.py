"""systemd units as `systemctl show` reports them: state, main PID, how often systemd
restarted them, enablement, and their drop-ins (Pacemaker's Restart=no among them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ngha.facts.base import Fact

PROPERTIES = ("Id", "LoadState", "ActiveState", "SubState", "MainPID", "NRestarts",
              "UnitFileState", "DropInPaths", "ActiveEnterTimestamp",
              "ActiveEnterTimestampMonotonic", "ExecMainStartTimestamp", "Result")
PACEMAKER_DROPIN = "50-pacemaker.conf"


@dataclass(frozen=True)
class UnitState:
    unit: str
    load_state: str  # loaded, not-found, masked ...
    active_state: str  # active, inactive, failed, activating, deactivating
    sub_state: str  # running, dead, auto-restart ...
    main_pid: int
    restarts: int  # NRestarts: automatic restarts by systemd since the unit was loaded
    unit_file_state: str  # enabled, disabled, static, masked, "" when not found
    drop_ins: tuple[str, ...]
    active_since: str  # ActiveEnterTimestamp, "" when never active
    result: str

    @property
    def exists(self) -> bool:
        return self.load_state not in ("not-found", "")

    @property
    def enabled(self) -> bool:
        return self.unit_file_state in ("enabled", "enabled-runtime", "alias")

    @property
    def running(self) -> bool:
        return self.active_state == "active"

    @property
    def has_pacemaker_dropin(self) -> bool:
        """Pacemaker's runtime Restart=no drop-in, written when it starts a systemd:
        resource and removed only when it stops it."""
        return any(path.endswith("/" + PACEMAKER_DROPIN) for path in self.drop_ins)


def parse_units(stdout: str, node: str = "?") -> dict[str, UnitState]:
    """`systemctl show -p ... u1 u2 ...` prints one block of KEY=value lines per unit,
    blocks separated by an empty line, properties in systemd's own order."""
    units: dict[str, UnitState] = {}
    for block in stdout.strip().split("\n\n"):
        values = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if "Id" not in values:
            continue
        pid = values.get("MainPID", "0")
        restarts = values.get("NRestarts", "0")
        state = UnitState(
            unit=values["Id"], load_state=values.get("LoadState", ""),
            active_state=values.get("ActiveState", ""), sub_state=values.get("SubState", ""),
            main_pid=int(pid) if pid.isdigit() else 0,
            restarts=int(restarts) if restarts.isdigit() else 0,
            unit_file_state=values.get("UnitFileState", ""),
            drop_ins=tuple(values.get("DropInPaths", "").split()),
            active_since=values.get("ActiveEnterTimestamp", ""),
            result=values.get("Result", ""))
        units[state.unit] = state
    return units


def unit_name(unit: str) -> str:
    return unit if "." in unit.rsplit("/", 1)[-1] else f"{unit}.service"


class UnitsFact(Fact[dict[str, UnitState]]):
    what = "the state of systemd units (systemctl show)"

    def __init__(self, units: Sequence[str]):
        self.units = [unit_name(u) for u in units]

    def argv(self) -> list[str]:
        return ["systemctl", "show", "--property=" + ",".join(PROPERTIES), "--", *self.units]

    def parse(self, stdout: str, node: str) -> dict[str, UnitState]:
        return parse_units(stdout, node)
