"""Replaying a real lab cluster offline: every command ngha ran on the recorded cluster
(tests/unit/recorded/lab-*.json, made by tests/unit/record_lab.py on a real lab) answers
as it did then, so plan, status, the apply steps and the migration steps run in seconds
without a lab. A command that changes something is not answered from the recording: it
is kept in `changes`, for the test to check what ngha did. A read that was never
recorded fails the test, naming it (record again when ngha reads something new).

A test changes the cluster it replays by editing the recorded outputs (`edit`): a file's
mode on one node, a failed action in crm_mon's XML, an operator's meta attribute in the
CIB.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ngha.live.cluster import LiveCluster
from ngha.transport.base import PUT_FILE_SCRIPT, Transport
from ngha.transport.process import RawResult

RECORDED = Path(__file__).parent / "recorded"
# The secrets the recorded lab was deployed with (not real: the recorder set them).
SECRETS = {"database_password": "recorded-database-password",
           "rabbitmq_password": "recorded-rabbitmq-password",
           "redis_password": "recorded-redis-password",
           "admin_password": "recorded-admin-password",
           "service_password": "recorded-service-password"}
# Commands that change a node or the cluster: never answered from the recording.
CHANGES = (("systemctl", "enable"), ("systemctl", "disable"), ("systemctl", "start"),
           ("systemctl", "stop"), ("systemctl", "restart"), ("systemctl", "reload"),
           ("systemctl", "daemon-reload"), ("systemctl", "kill"), ("rm",), ("install",),
           ("sysctl", "-q"), ("cibadmin", "--patch"), ("cibadmin", "--delete"),
           ("crm_attribute",), ("crm_resource", "--cleanup"), ("crm_resource", "--refresh"),
           ("crm_resource", "--ban"), ("crm_resource", "--clear"),
           ("crm_resource", "--resource"), ("crm_resource", "--wait"), ("pcs",))


def key(node: str, argv: Sequence[str], stdin: bytes | None) -> str:
    """What an answer is found by: the node, the argv and a digest of stdin (which may
    hold a password: never kept as it is)."""
    return json.dumps([node, list(argv), hashlib.sha256(stdin or b"").hexdigest()[:16]])


@dataclass
class Change:
    node: str
    argv: list[str]
    stdin: bytes | None

    @property
    def command(self) -> str:
        return " ".join(self.argv)


@dataclass
class PutFile:
    node: str
    path: str
    mode: int
    owner: str
    content: bytes


@dataclass
class Recording:
    name: str
    deployment: str  # the deployment file's text
    nodes: list[str]
    answers: dict[str, dict]  # key() -> {"rc", "stdout", "stderr"}

    @classmethod
    def load(cls, name: str) -> "Recording":
        data = json.loads(gzip.decompress((RECORDED / f"{name}.json.gz").read_bytes()))
        return cls(name, data["deployment"], data["nodes"], data["answers"])

    def save(self, path: Path) -> None:
        data = {"deployment": self.deployment, "nodes": self.nodes, "answers": self.answers}
        path.write_bytes(gzip.compress(json.dumps(data, indent=0, sort_keys=True).encode(),
                                       mtime=0))

    def edit(self, program: str, change: Callable[[str, str], str],
             node: str | None = None, argv_has: str | None = None) -> int:
        """change(node, stdout) -> new stdout for every recorded answer of `program`
        (on `node`; whose argv holds `argv_has`). Returns how many it edited."""
        edited = 0
        for k, answer in self.answers.items():
            n, argv, _ = json.loads(k)
            if argv[0] != program or (node and n != node) or \
                    (argv_has and not any(argv_has in a for a in argv)):
                continue
            if argv[:2] == ["sh", "-c"] and argv[3:4] == ["ngha-batch"] and argv_has:
                answer["stdout"] = _edit_batch(argv[2], answer["stdout"], argv_has,
                                               lambda out: change(n, out))
            else:
                answer["stdout"] = change(n, answer["stdout"])
            edited += 1
        assert edited, f"nothing recorded for {program} to edit"
        return edited

    def deployment_file(self, directory: Path) -> Path:
        """The recorded deployment, its secrets in files of `directory` holding the
        values the lab was deployed with."""
        secrets = directory / "secrets"
        secrets.mkdir(mode=0o700, exist_ok=True)
        text = self.deployment
        for name, value in SECRETS.items():
            path = secrets / name
            path.write_text(value + "\n")
            path.chmod(0o600)
            text = re.sub(rf"({name}: {{file: )[^}}]+}}", rf"\g<1>{path}}}", text)
        file = directory / "deployment.yaml"
        file.write_text(text)
        return file


def _edit_batch(script: str, stdout: str, argv_has: str, change: Callable[[str], str]) -> str:
    """Edit only the answer of the batched fact whose command holds `argv_has`."""
    marker = re.search(r"(@@ngha-batch-[0-9a-f]+) ", script).group(1)
    commands = re.split(rf"\nprintf '\\n{marker} \d+ %s\\n' \$\?\n?", script)
    index = next(i for i, command in enumerate(commands) if argv_has in command)
    head, sep, rest = stdout.partition(f"\n{marker} {index - 1} ") if index else ("", "", stdout)
    if index:
        rc, _, rest = rest.partition("\n")
        head += f"{sep}{rc}\n"
    section, sep, tail = rest.partition(f"\n{marker} {index} ")
    return head + change(section) + sep + tail


@dataclass
class ReplayTransport(Transport):
    recording: Recording
    changes: list[Change] = field(default_factory=list)
    files: list[PutFile] = field(default_factory=list)
    reads: list[tuple[str, list[str]]] = field(default_factory=list)
    log: list[tuple[str, str, str]] = field(default_factory=list)  # (what, node, argv[0..1])

    def _exec(self, node: str, argv: Sequence[str], stdin: bytes | None,
              timeout: float) -> RawResult:
        argv = list(argv)
        if argv[:3] == ["sh", "-c", PUT_FILE_SCRIPT]:
            path, mode, owner = argv[4:7]
            self.files.append(PutFile(node, path, int(mode, 8), owner, stdin or b""))
            self.log.append(("put", node, path))
            return RawResult(0, b"", b"", 0.0, False)
        answer = self.recording.answers.get(key(node, argv, stdin))
        if answer is None and any(argv[:len(c)] == list(c) for c in CHANGES):
            self.changes.append(Change(node, argv, stdin))
            self.log.append(("change", node, " ".join(argv)))
            return RawResult(0, b"", b"", 0.0, False)
        if answer is None:
            raise AssertionError(f"not in the recording {self.recording.name}: {node} "
                                 f"{argv[:8]}{' ...' if len(argv) > 8 else ''} "
                                 f"(record again: python tests/unit/record_lab.py)")
        self.reads.append((node, argv))
        self.log.append(("read", node, argv[3] if argv[:2] == ["sh", "-c"] else argv[0]))
        return RawResult(answer["rc"], answer["stdout"].encode(), answer["stderr"].encode(),
                         0.0, False)

    def commands(self, program: str | None = None) -> list[str]:
        return [c.command for c in self.changes if program is None or c.argv[0] == program]


def replayed(recording: Recording) -> tuple[LiveCluster, ReplayTransport]:
    transport = ReplayTransport(recording)
    return LiveCluster(name=recording.name, nodes=tuple(recording.nodes),
                       transport=transport), transport


class RecordingTransport(Transport):
    """Wraps a real transport and keeps every answer (record_lab.py)."""

    def __init__(self, inner: Transport, answers: dict[str, dict]):
        self.inner = inner
        self.answers = answers

    def _exec(self, node: str, argv: Sequence[str], stdin: bytes | None,
              timeout: float) -> RawResult:
        argv = list(argv)
        if argv[:3] == ["sh", "-c", PUT_FILE_SCRIPT] or any(
                argv[:len(c)] == list(c) for c in CHANGES):
            raise AssertionError(f"the recorder only reads; ngha wanted to change: {argv[:4]}")
        raw = self.inner._exec(node, argv, stdin, timeout)
        out, err = raw.text()
        self.answers[key(node, argv, stdin)] = {"rc": raw.rc, "stdout": out, "stderr": err}
        return raw


class ScriptedTransport(Transport):
    """A stand-in node whose answers a test writes: answer(node, argv) -> (rc, stdout),
    or None for a command that changes something (kept in `changes`, answered 0)."""

    def __init__(self, answer: Callable[[str, list[str]], tuple[int, str] | None]):
        self.answer = answer
        self.changes: list[Change] = []

    def _exec(self, node: str, argv: Sequence[str], stdin: bytes | None,
              timeout: float) -> RawResult:
        found = self.answer(node, list(argv))
        if found is None:
            self.changes.append(Change(node, list(argv), stdin))
            return RawResult(0, b"", b"", 0.0, False)
        rc, out = found
        return RawResult(rc, out.encode(), b"", 0.0, False)

    def commands(self, program: str | None = None) -> list[list[str]]:
        return [c.argv for c in self.changes if program is None or c.argv[0] == program]


def scripted(nodes: Sequence[str], answer) -> tuple[LiveCluster, ScriptedTransport]:
    transport = ScriptedTransport(answer)
    return LiveCluster(name="scripted", nodes=tuple(nodes), transport=transport), transport
