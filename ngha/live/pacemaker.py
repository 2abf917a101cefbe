"""Every Pacemaker and pcs operation ngha performs on a live cluster, one function each
(the model: pcs's lib/pacemaker/live.py). Nothing else in ngha builds an argv for
crm_resource, crm_attribute, cibadmin, crm_mon or pcs: to find "where is the Pacemaker
call for X", look here.

Reads go through facts (crm_mon, cibadmin --query); changes run on the first node that
can run them, since any member of the cluster changes the one CIB.
"""

from __future__ import annotations

import time
from typing import Sequence

from lxml import etree

from ngha.errors import NghaError
from ngha.facts import CibFact, ClusterView, CrmMonFact, LiveCib
from ngha.live.cluster import LiveCluster
from ngha.live.errors import ClusterError, ClusterUnreachable
from ngha.transport.base import Result

CRM_TIMEOUT = 124  # crm_resource's exit status when --timeout passed
PCS_WAIT = 300  # seconds pcs may --wait for a resource to reach its new state

# --- reading -----------------------------------------------------------------------------


def read_status(cluster: LiveCluster, timeout: float = 60.0,
                prefer: Sequence[str] = ()) -> ClusterView:
    """Pacemaker's view (crm_mon) from the first node that gives one."""
    return cluster.read_any(CrmMonFact(), timeout=timeout, prefer=prefer)


def read_statuses(cluster: LiveCluster, timeout: float = 60.0
                  ) -> dict[str, ClusterView | NghaError]:
    """Every node's own view (a node outside the quorate partition sees another
    cluster), or why it gave none."""
    return cluster.read_all(CrmMonFact(), timeout=timeout)


def read_cib(cluster: LiveCluster, timeout: float = 60.0,
             prefer: Sequence[str] = ()) -> LiveCib:
    """The whole CIB (configuration and status) with the version it was read at."""
    return cluster.read_any(CibFact(), timeout=timeout, prefer=prefer)


def property_value(cib: LiveCib | etree._Element, name: str) -> str | None:
    """A cluster property as the CIB read holds it (None when unset)."""
    root = cib.tree() if isinstance(cib, LiveCib) else cib
    pair = root.find(f"configuration/crm_config//nvpair[@name='{name}']")
    return pair.get("value") if pair is not None else None


def read_property(cluster: LiveCluster, name: str) -> str | None:
    return property_value(read_cib(cluster), name)


# --- cluster properties -------------------------------------------------------------------

def set_property(cluster: LiveCluster, name: str, value: str | None) -> None:
    """Set a cluster property (cib-bootstrap-options, where pcs property set puts it);
    None deletes it."""
    argv = ["crm_attribute", "--type", "crm_config", "--name", name]
    argv += ["--delete"] if value is None else ["--update", value]
    _run(cluster, argv)


# --- resources ----------------------------------------------------------------------------

def cleanup(cluster: LiveCluster, resource: str | None = None, node: str | None = None
            ) -> None:
    """Forget failed operations (of one resource, on one node) so Pacemaker tries again;
    since Pacemaker 2.0 it clears failures only (refresh forgets the whole history)."""
    argv = ["crm_resource", "--cleanup"]
    argv += ["--resource", resource] if resource else []
    argv += ["--node", node] if node else []
    _run(cluster, argv, timeout=120)


def refresh(cluster: LiveCluster, resource: str, node: str | None = None) -> None:
    """Forget a resource's whole operation history; for an id no longer configured that
    removes it and probes nothing."""
    argv = ["crm_resource", "--refresh", "--resource", resource]
    argv += ["--node", node] if node else []
    _run(cluster, argv, timeout=120)


def ban(cluster: LiveCluster, resource: str, node: str) -> None:
    """Keep the resource off the node (a -INFINITY location constraint) until clear()."""
    _run(cluster, ["crm_resource", "--ban", "--resource", resource, "--node", node])


def clear(cluster: LiveCluster, resource: str) -> None:
    """Remove the constraints ban() (or a move) made for the resource."""
    _run(cluster, ["crm_resource", "--clear", "--resource", resource])


def set_meta(cluster: LiveCluster, resource: str, name: str, value: str) -> None:
    _run(cluster, ["crm_resource", "--resource", resource, "--meta", "--set-parameter",
                   name, "--parameter-value", value])


def delete_meta(cluster: LiveCluster, resource: str, name: str,
                cib: LiveCib | None = None) -> None:
    """Delete a meta attribute and, when that leaves its block empty, the block too:
    the CIB is then exactly as before the attribute was set. `cib`: a read to look the
    attribute up in (one read for many resources)."""
    root = (cib or read_cib(cluster)).tree()
    pair = root.find(f"configuration/resources//*[@id='{resource}']/meta_attributes"
                     f"/nvpair[@name='{name}']")
    if pair is None:
        return
    _run(cluster, ["crm_resource", "--resource", resource, "--meta", "--delete-parameter",
                   name])
    block = pair.getparent()
    if len(block) == 1:
        xml = f'<meta_attributes id="{block.get("id")}"/>'
        _run(cluster, ["cibadmin", "--delete", "--scope", "resources", "--xml-text", xml])


def enable(cluster: LiveCluster, resource: str, wait: bool = False) -> None:
    """Let the resource run again (pcs resource enable: its target-role goes)."""
    _pcs(cluster, ["resource", "enable", resource], wait)


def disable(cluster: LiveCluster, resource: str, wait: bool = False) -> None:
    """Stop the resource everywhere and keep it stopped (target-role=Stopped)."""
    _pcs(cluster, ["resource", "disable", resource], wait)


def restart(cluster: LiveCluster, resource: str, node: str | None = None) -> None:
    """Stop and start the resource (on one node), waiting until it runs again."""
    _pcs(cluster, ["resource", "restart", resource] + ([node] if node else []), wait=True)


def delete_resource(cluster: LiveCluster, resource: str) -> None:
    """Remove a resource and the constraints that name it (it keeps running if it was
    not stopped first: --force deletes without stopping)."""
    _pcs(cluster, ["resource", "delete", resource, "--force"], wait=False, timeout=120)


def delete_constraints(cluster: LiveCluster, ids: Sequence[str]) -> None:
    """Remove constraints by id, in one CIB change."""
    if ids:
        _pcs(cluster, ["constraint", "delete", *ids], wait=False)


def fail(cluster: LiveCluster, resource: str, node: str) -> None:
    """Record a failure of the resource's monitor on the node, as if it had failed
    (Pacemaker then recovers it)."""
    _run(cluster, ["crm_resource", "--fail", "--resource", resource, "--node", node])


# --- the CIB ------------------------------------------------------------------------------

def patch_cib(cluster: LiveCluster, node: str, diff: etree._Element) -> Result:
    """One `cibadmin --patch` on node; its Result (exit 103: made against another
    version) for the caller to judge."""
    return cluster.run(node, ["cibadmin", "--patch", "--xml-pipe"],
                       stdin=etree.tostring(diff), check=False, what="cibadmin --patch")


# --- waiting ------------------------------------------------------------------------------

def wait_for_idle(cluster: LiveCluster, timeout: float = 300.0) -> float:
    """Until Pacemaker has no action pending or in flight (crm_resource --wait);
    returns the seconds waited. A timeout names the actions still pending."""
    start = time.monotonic()
    seconds = max(1, int(timeout))
    # -V makes crm_resource list the pending actions when it gives up
    argv = ["crm_resource", "--wait", f"--timeout={seconds}s", "-V"]
    errors = []
    for node in cluster.nodes:
        try:
            result = cluster.run(node, argv, timeout=seconds + 30, check=False)
        except NghaError as exc:  # this node does not answer: ask the next
            errors.append(exc.message)
            continue
        if result.ok:
            return time.monotonic() - start
        if result.rc == CRM_TIMEOUT:  # the cluster answered: it is busy, not unreachable
            raise ClusterError(f"Pacemaker still had actions pending after {seconds} s: "
                               + pending_actions(result.stderr + result.stdout))
        errors.append(f"{node}: crm_resource --wait exited {result.rc}: "
                      + (result.stderr.strip().splitlines() or ["no message"])[-1])
    raise ClusterUnreachable(f"no node of {cluster.name} could wait for idle: "
                             + "; ".join(errors))


def pending_actions(output: str, most: int = 8) -> str:
    """'slow_start_0 on ctl-1, ...' from crm_resource -V's 'Pending actions:' list."""
    actions = [" ".join(line.split(":", 1)[1].split()) for line in output.splitlines()
               if line.strip().startswith("Action ") and ":" in line]
    shown = ", ".join(actions[:most]) + (f" and {len(actions) - most} more"
                                         if len(actions) > most else "")
    return shown or "(crm_resource did not list them)"


# --- running them -------------------------------------------------------------------------

def _pcs(cluster: LiveCluster, args: list[str], wait: bool, timeout: float = 60.0) -> None:
    argv = ["pcs", *args] + ([f"--wait={PCS_WAIT}"] if wait else [])
    _run(cluster, argv, timeout=PCS_WAIT + 60 if wait else max(timeout, 300))


def _run(cluster: LiveCluster, argv: list[str], timeout: float = 60.0) -> Result:
    return cluster.run_any(argv, timeout=timeout, what=" ".join(argv))
