"""Commands that work on a deployment file alone: validate, render, compare, simulate,
and the catalog. Each parses its arguments, calls one library function and prints."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from ngha.cli.output import console
from ngha.errors import NghaError
from ngha.model.load import load_deployment

PROFILE = click.option("--profile", type=click.Choice(["nextgen", "legacy"]), default=None,
                       help="Override the deployment's profile.")
ENVIRONMENT = click.option("--environment", "-e", type=click.Path(dir_okay=False), default=None,
                           help="Environment file saying which services Pacemaker owns "
                                "(default: the profile's shipped one).")
DEPLOYMENT = click.argument("deployment", type=click.Path(dir_okay=False))
STRICT = click.option("--strict", is_flag=True,
                      help="Treat warnings (e.g. a 2-node cluster without fencing) as errors: "
                           "exit 2, nothing written.")


def report_warnings(loaded, strict: bool) -> None:
    """Warnings go to stderr, one per finding; with --strict they fail the command."""
    for warning in loaded.warnings:
        click.echo(f"warning: {warning}", err=True)
    if strict and loaded.warnings:
        count = len(loaded.warnings)
        raise NghaError(f"{count} warning{'s' if count > 1 else ''} and --strict: nothing was "
                        "written", fix="resolve the warnings above, or run without --strict")


@click.command()
@DEPLOYMENT
@PROFILE
@ENVIRONMENT
@STRICT
def validate(deployment: str, profile: str | None, environment: str | None,
             strict: bool) -> None:
    """Check a deployment file (schema and semantics)."""
    from ngha.profiles import build_desired_state

    loaded = load_deployment(deployment, environment, profile)
    report_warnings(loaded, strict)
    desired = build_desired_state(loaded)
    owned = sum(1 for s in desired.services if s.manager == "pacemaker")
    click.echo(f"{deployment}: valid ({loaded.profile}: {len(loaded.deployment.nodes)} nodes, "
               f"{len(desired.services)} services, {owned} owned by Pacemaker, "
               f"{len(desired.cluster.resources)} resources, "
               f"{len(desired.cluster.constraints)} constraints)")


@click.command()
@DEPLOYMENT
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Directory to write: a new or empty one, or one ngha rendered before "
                   "(replaced atomically). Any other directory needs --force.")
@PROFILE
@ENVIRONMENT
@click.option("--verify/--no-verify", default=True,
              help="Run crm_verify on the rendered CIB (default on).")
@click.option("--force", is_flag=True,
              help="Replace an output directory ngha did not render, and everything in it "
                   "(never /, a system or home directory, or one holding the input files).")
@STRICT
def render(deployment: str, output: str, profile: str | None, environment: str | None,
           verify: bool, force: bool, strict: bool) -> None:
    """Render cib.xml, pcs-commands.sh, per-node files, haproxy.cfg and the graph."""
    from ngha.render.artifacts import render_deployment

    loaded = load_deployment(deployment, environment, profile)
    report_warnings(loaded, strict)
    rendered = render_deployment(loaded, output, verify, force)
    summary = rendered.summary
    click.echo(f"rendered {rendered.profile} into {output}: "
               f"{summary['resources']['total']} resources, "
               f"{summary['constraints']['total']} constraints, "
               f"{summary['services_count']['pacemaker']} services under Pacemaker, "
               f"{summary['services_count']['systemd']} under systemd")
    if verify:
        click.echo("crm_verify: cib.xml is valid")


@click.command()
@DEPLOYMENT
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--blast/--no-blast", default=True,
              help="Include the crm_simulate blast-radius summary (default on).")
def compare(deployment: str, as_json: bool, blast: bool) -> None:
    """Legacy (all-Pacemaker) vs next-gen for the same deployment."""
    from ngha.compare import compare_profiles

    result = compare_profiles(deployment, with_blast_radius=blast)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    table = Table(title=f"legacy vs next-gen: {deployment}")
    table.add_column("")
    table.add_column("legacy", justify="right")
    table.add_column("next-gen", justify="right")
    rows = [
        ("Pacemaker resources", result.legacy["resources"]["total"],
         result.nextgen["resources"]["total"]),
        ("constraints", result.legacy["constraints"]["total"],
         result.nextgen["constraints"]["total"]),
        ("  order", result.legacy["constraints"].get("order", 0),
         result.nextgen["constraints"].get("order", 0)),
        ("  colocation", result.legacy["constraints"].get("colocation", 0),
         result.nextgen["constraints"].get("colocation", 0)),
        ("services under Pacemaker", result.legacy["services_count"]["pacemaker"],
         result.nextgen["services_count"]["pacemaker"]),
        ("services under systemd", result.legacy["services_count"]["systemd"],
         result.nextgen["services_count"]["systemd"]),
    ]
    for label, old, new in rows:
        table.add_row(label, str(old), str(new))
    console.print(table)
    console.print(f"{len(result.moved_to_systemd)} services move from Pacemaker to systemd: "
                  + ", ".join(result.moved_to_systemd))
    console.print(f"{result.constraints_removed} constraints removed; kept: "
                  f"{len(result.constraints_kept)} (the VIP/HAProxy pairs)")
    blast = Table(title="blast radius (crm_simulate): collateral actions per failure")
    for column, justify in (("event", "left"), ("legacy", "right"), ("next-gen", "right")):
        blast.add_column(column, justify=justify)
    for row in result.blast_radius:
        blast.add_row(row["event"], str(row["legacy"]), str(row["nextgen"]))
    console.print(blast)


@click.command()
@DEPLOYMENT
@PROFILE
@ENVIRONMENT
@click.option("--event", "events", multiple=True, metavar="EVENT",
              help="monitor-fail:RSC@NODE, node-fail:NODE, disable:RSC, restart:RSC, "
                   "standby:NODE (repeatable).")
@click.option("--all-events", is_flag=True, help="Every single event for every resource and node.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--dot", "dot_dir", type=click.Path(file_okay=False), default=None,
              help="Write each transition graph (graphviz) into this directory.")
def simulate(deployment: str, profile: str | None, environment: str | None,
             events: tuple[str, ...], all_events: bool, as_json: bool,
             dot_dir: str | None) -> None:
    """Blast radius of single failures, from Pacemaker's own scheduler (crm_simulate)."""
    from ngha.simulate.run import simulate_loaded

    if not events and not all_events:
        raise click.UsageError("give at least one --event or --all-events")
    loaded = load_deployment(deployment, environment, profile)
    report_warnings(loaded, strict=False)
    report = simulate_loaded(loaded, list(events), all_events,
                             Path(dot_dir) if dot_dir else None)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    columns = ("stop", "start", "restart", "recover", "move", "promote", "demote")
    table = Table(title=f"blast radius: {report.profile} ({len(report.transitions)} events, "
                        "most collateral first)")
    table.add_column("event")
    table.add_column("collateral", justify="right")
    for column in columns:
        table.add_column(column, justify="right")
    table.add_column("collateral resources")
    for transition in report.sorted():
        counts = transition.counts
        hit = sorted({a.resource for a in transition.collateral})
        table.add_row(transition.event.name, str(len(transition.collateral)),
                      *(str(counts.get(c, "")) for c in columns),
                      ", ".join(hit[:3]) + (f" +{len(hit) - 3} more" if len(hit) > 3 else ""))
    console.print(table)


@click.command(name="catalog")
@click.option("--distro", type=click.Choice(["rdo", "debian"]), default="rdo")
def catalog_command(distro: str) -> None:
    """List the services ngha knows."""
    from ngha.catalog import load_catalog

    table = Table(title="service catalog")
    for column in ("service", "unit", "mode", "uses", "description"):
        table.add_column(column)
    for name, svc in load_catalog().services.items():
        uses = ",".join(u for u, on in (("db", svc.database), ("broker", svc.broker),
                                        ("redis", svc.redis)) if on)
        mode = "core" if svc.core else svc.mode
        table.add_row(name, svc.units[distro], mode, uses, svc.description)
    console.print(table)


