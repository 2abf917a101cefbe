"""`ngha lab ...`: argument parsing and printing; the work is done in ngha.lab."""

from __future__ import annotations

import json
import os
import sys
from typing import Callable

import click

from ngha.lab import faults, lifecycle, packages
from ngha.lab.addressing import MAX_NODES
from ngha.lab.host import require_root
from ngha.lab.layout import DEFAULT_LAB_NAME, validate_lab_name
from ngha.lab.report import format_report, lab_report
from ngha.lab.session import Lab
from ngha.lab.state import DEFAULT_TOKEN_MS
from ngha.transport.lab import enter_argv


def _progress(message: str) -> None:
    click.echo(f"ngha lab: {message}", err=True)


def _name_option(f: Callable) -> Callable:
    return click.option(
        "--name", default=DEFAULT_LAB_NAME, envvar="NGHA_LAB_NAME", show_default=True,
        callback=lambda _ctx, _param, value: validate_lab_name(value),
        help="Lab name (several labs can coexist).",
    )(f)


@click.group()
def lab() -> None:
    """Run a real multi-node controller cluster on this machine (root only)."""


@lab.command()
def prepare() -> None:
    """Install the Debian packages the lab needs, without starting them on the host."""
    require_root()
    packages.prepare(_progress)


@lab.command()
@click.option("--nodes", type=click.IntRange(1, MAX_NODES), default=3, show_default=True)
@_name_option
@click.option("--subnet", help="Private IPv4 /24 (or larger) for the lab network "
              "[default: the first free 10.213.x.0/24].")
@click.option("--token", "token_ms", type=int, default=DEFAULT_TOKEN_MS,
              show_default=True, help="corosync totem token in ms.")
@click.option("--timeout", type=float, default=lifecycle.QUORUM_TIMEOUT, show_default=True,
              help="Seconds to wait for quorum.")
@click.option("--core-only", is_flag=True, help="Its deployment lists Keystone and ngha's "
              "probe only, not the OpenStack control plane (faster to apply, ~1.5 GB less "
              "memory per node).")
def up(nodes: int, name: str, subnet: str | None, token_ms: int, timeout: float,
       core_only: bool) -> None:
    """Boot the nodes, form the cluster, wait for quorum; print the deployment file."""
    require_root()
    result = lifecycle.up(name, nodes=nodes, subnet=subnet, token_ms=token_ms,
                          progress=_progress, timeout=timeout, openstack=not core_only)
    s = result.state
    _progress(f"lab {s.name} is up: {', '.join(f'{n.name}={n.address}' for n in s.nodes)}, "
              f"client={s.client.address}; quorum after {result.seconds_to_quorum:.1f} s")
    click.echo(result.deployment_file)


@lab.command()
@_name_option
def down(name: str) -> None:
    """Kill every node and remove namespaces, cgroups and the state directory."""
    require_root()
    found = lifecycle.down(name)
    _progress(f"lab {name} removed" if found else f"lab {name}: nothing to remove")


@lab.command()
@_name_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(name: str, as_json: bool) -> None:
    """Nodes, their state and memory, and each node's view of the cluster."""
    require_root()
    report = lab_report(name)
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


def _exec_in(name: str, node: str, argv: list[str]) -> None:
    prefix = Lab.read(name).enter_prefix(node)
    extra = [f"TERM={os.environ['TERM']}"] if "TERM" in os.environ else []
    full = enter_argv(prefix, argv, extra_env=extra)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvp(full[0], full)  # the terminal and the exit status pass straight through


@lab.command("exec", context_settings={"ignore_unknown_options": True,
                                       "allow_interspersed_args": False})
@_name_option
@click.argument("node")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def exec_(name: str, node: str, command: tuple[str, ...]) -> None:
    """Run COMMAND in NODE (or in `client`): ngha lab exec ctl-0 -- crm_mon -1"""
    require_root()
    argv = list(command)
    if argv[:1] == ["--"]:  # click keeps the separator once positionals have started
        argv = argv[1:]
    if not argv:
        raise click.UsageError("no command given: ngha lab exec NODE -- COMMAND...")
    _exec_in(name, node, argv)


@lab.command()
@_name_option
@click.argument("node")
def shell(name: str, node: str) -> None:
    """Interactive login shell in NODE (or in `client`)."""
    require_root()
    _exec_in(name, node, ["bash", "-l"])


@lab.command()
@_name_option
@click.argument("node")
def crash(name: str, node: str) -> None:
    """Power loss: kill the node's whole PID namespace and unplug it."""
    require_root()
    record = lifecycle.crash(name, node)
    _progress(f"{record.name} crashed (disk kept; `ngha lab boot {record.name}` to start it)")


@lab.command()
@_name_option
@click.argument("node")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Wait until the node is back online in the cluster.")
def boot(name: str, node: str, wait: bool) -> None:
    """Cold start of a crashed node, with its disk as it was."""
    require_root()
    seconds = lifecycle.boot(name, node, wait=wait)
    _progress(f"{node} {'rejoined the cluster' if wait else 'started'} after {seconds:.1f} s")


@lab.command()
@_name_option
@click.argument("nodes", nargs=-1, required=True)
def partition(name: str, nodes: tuple[str, ...]) -> None:
    """Cut NODES off the rest of the cluster network (they still see each other)."""
    require_root()
    main, cut = faults.partition(name, nodes)
    _progress(f"partitioned: [{' '.join(main)} client] | [{' '.join(cut)}]")


@lab.command()
@_name_option
def heal(name: str) -> None:
    """Reconnect every node to the cluster network."""
    require_root()
    faults.heal(name)
    _progress("network healed")


def _freezer_command(verb: str, frozen: bool, done: str, doc: str) -> None:
    @lab.command(name=verb, help=doc)
    @_name_option
    @click.argument("node")
    def command(name: str, node: str) -> None:
        require_root()
        faults.set_frozen(name, node, frozen)
        _progress(f"{node} {done}")


_freezer_command("freeze", True, "frozen",
                 "Stop every process of NODE at once (SIGSTOP-like, via the cgroup freezer).")
_freezer_command("thaw", False, "thawed", "Resume a frozen NODE.")


@lab.command()
@_name_option
@click.option("--json", "as_json", is_flag=True,
              help="One record per check: name, ok, seconds, detail.")
def check(name: str, as_json: bool) -> None:
    """From the lab's client, through the VIPs: a Keystone token (validated by every
    node), a probe write read back, an RPC round-trip, the worker's heartbeat; with the
    OpenStack control plane, each service end to end (openstack_check)."""
    from rich.table import Table

    from ngha.cli.output import console
    from ngha.measurement.probes import client_check
    from ngha.targets import Target

    require_root()
    session = Lab.read(name)
    target = Target.load(session.paths.deployment_file)
    rows = client_check(session, target.secrets.value("admin_password"),
                        openstack=bool(target.configured))
    if as_json:
        click.echo(json.dumps([{"name": r["check"], "ok": r["ok"],
                                "seconds": round(r["ms"] / 1000, 2), "detail": r["detail"]}
                               for r in rows], indent=2))
        sys.exit(0 if rows and all(r["ok"] for r in rows) else 1)
    table = Table(title=f"lab {name}: checks from the client ({session.state.client.address}) "
                        "through the VIPs")
    for column in ("check", "result", "ms"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["check"], ("[green]ok[/green] " if row["ok"] else "[red]FAILED[/red] ")
                      + str(row["detail"]), f"{row['ms']:.0f}")
    console.print(table)
    if not rows or not all(r["ok"] for r in rows):
        sys.exit(1)
