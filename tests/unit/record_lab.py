"""Record a real lab cluster for the offline tests (tests/unit/replay.py): a lab of its
own is booted, given known (not secret) passwords, applied next-gen, and every read ngha
makes for plan, status, apply's waits and the migration's plan and preflight is kept;
then the lab is migrated to legacy and the same is recorded again. The lab is taken
down at the end.

    sudo .venv/bin/python tests/unit/record_lab.py     (about 10 minutes)

Writes tests/unit/recorded/lab-nextgen.json.gz and lab-legacy.json.gz. Run it again when
ngha starts reading something new (a replayed test then fails naming the read)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from replay import RECORDED, SECRETS, Recording, RecordingTransport  # noqa: E402

from ngha.facts import CorosyncFact, HaproxyServersFact, WsrepFact  # noqa: E402
from ngha.health import cluster_health  # noqa: E402
from ngha.health.endpoints import endpoint_problems  # noqa: E402
from ngha.lab.session import Lab  # noqa: E402
from ngha.live import pacemaker  # noqa: E402
from ngha.live.cluster import LiveCluster  # noqa: E402
from ngha.migrate.preflight import preflight  # noqa: E402
from ngha.migrate.run import plan_steps  # noqa: E402
from ngha.migrate.steps import Migration  # noqa: E402
from ngha.plan.nodes import observe_nodes  # noqa: E402
from ngha.plan.plan import make_plan  # noqa: E402
from ngha.targets import Target  # noqa: E402

NAME = "ngha-record"
NGHA = str(Path(sys.executable).parent / "ngha")


def ngha(*args: str, timeout: float = 900) -> str:
    proc = subprocess.run([NGHA, *args], capture_output=True, text=True, timeout=timeout)
    if proc.returncode not in (0, 3):
        sys.exit(f"ngha {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def wait_healthy(deployment: str, profile: str) -> None:
    deadline = time.monotonic() + 600
    while subprocess.run([NGHA, "status", deployment, "--profile", profile],
                         capture_output=True).returncode != 0:
        if time.monotonic() > deadline:
            sys.exit(f"the lab did not become healthy ({profile})")
        time.sleep(3)
    time.sleep(5)  # a settled cluster: nothing pending, every probe done


def record(deployment: str, profile: str, other: str) -> None:
    answers: dict[str, dict] = {}
    lab = Lab.read(NAME)
    target = Target.load(deployment, profile)
    cluster = LiveCluster(NAME, tuple(n.name for n in lab.state.nodes),
                          RecordingTransport(lab.transport(follow=True), answers))
    make_plan(cluster, target)
    observe_nodes(cluster, target, files=False)  # apply's last step reads units only
    cluster_health(cluster, target)
    pacemaker.read_status(cluster)
    cluster.read_any(CorosyncFact())
    cluster.read_all(WsrepFact(), nodes=target.service_nodes("galera"))
    cluster.read_all(HaproxyServersFact(), nodes=target.service_nodes("haproxy"))
    for node in cluster.nodes:  # what apply and restart wait on, one unit at a time
        for unit in sorted({f"{p.unit}.service" for p in target.node(node).enable}):
            endpoint_problems(cluster, target, node, [unit])
            endpoint_problems(cluster, target, node, [unit], via_vip=True)
    destination = target.other_profile(other)
    migration = Migration(cluster, target, destination, lambda _: None)
    preflight(migration, resuming=False)
    plan_steps(migration)
    make_plan(cluster, destination)
    cluster_health(cluster, destination)
    text = Path(deployment).read_text()
    for value in SECRETS.values():  # known values, but never in a recording either
        assert value not in json.dumps(answers), "a secret is in the recording"
    RECORDED.mkdir(exist_ok=True)
    out = RECORDED / f"lab-{profile}.json.gz"
    Recording(f"lab-{profile}", text, list(cluster.nodes), answers).save(out)
    print(f"{out}: {len(answers)} answers, {out.stat().st_size // 1024} KiB")


def main() -> None:
    subprocess.run([NGHA, "lab", "down", "--name", NAME], capture_output=True)
    try:
        deployment = ngha("lab", "up", "--name", NAME).strip().splitlines()[-1]
        for name, value in SECRETS.items():  # before anything uses them
            (Lab.read(NAME).paths.secrets_dir / name).write_text(value + "\n")
        ngha("apply", deployment)
        wait_healthy(deployment, "nextgen")
        record(deployment, "nextgen", "legacy")
        ngha("migrate", deployment, "--to", "legacy")
        wait_healthy(deployment, "legacy")
        record(deployment, "legacy", "nextgen")
    finally:
        subprocess.run([NGHA, "lab", "down", "--name", NAME], capture_output=True)


if __name__ == "__main__":
    main()
