"""Rendered artefacts checked by the real tools: crm_verify, haproxy -c, systemd-analyze,
pcs (offline, against a CIB file) and graphviz."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from ngha.cib.verify import crm_verify
from ngha.model.load import load_deployment
from ngha.render.artifacts import render_all
from tests.conftest import EXAMPLES, REFERENCE, require_tool
from tests.golden.test_golden import assert_stonith_enabled

pytestmark = pytest.mark.tools

INPUTS = Path(__file__).parent.parent / "golden" / "inputs"
FENCED = ("fencing", "fencing-2node", "lab")  # the lab fences through its fence daemon


def variants(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """The reference, the lab and every golden input, in both layouts (udpu-ipv6: the IPv6
    input on corosync's udpu transport, which needs ip_version)."""
    cases = {"reference-nextgen": (REFERENCE, "nextgen"), "reference-legacy": (REFERENCE, "legacy"),
             "lab": (EXAMPLES / "lab-3ctl.yaml", "nextgen")}
    for path in sorted(INPUTS.glob("*.yaml")):
        name = path.stem.removesuffix("-3ctl")
        cases[f"{name}-nextgen"] = (path, "nextgen")
        cases[f"{name}-legacy"] = (path, "legacy")
    udpu = tmp_path / "udpu-ipv6.yaml"
    udpu.write_text((INPUTS / "ipv6-3ctl.yaml").read_text().replace("transport: knet",
                                                                     "transport: udpu"))
    cases["udpu-ipv6"] = (udpu, "nextgen")
    return cases


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("variants")
    outs = {}
    for name, (path, profile) in variants(tmp).items():
        out = tmp / "out" / name
        render_all(load_deployment(path, profile=profile), out)
        outs[name] = out
    return outs


def test_crm_verify_accepts_every_rendered_cib(rendered):
    require_tool("crm_verify")
    for name, out in rendered.items():
        proc = subprocess.run(["crm_verify", "-V", "--xml-file", str(out / "cib.xml")],
                              capture_output=True, text=True)
        output = (proc.stdout + proc.stderr).strip()
        if name.startswith(FENCED):
            assert_stonith_enabled(out / "cib.xml")
            # without a status section every node is unseen, hence "unclean": warnings only
            assert "error" not in output.lower(), f"{name}: {output}"
        else:
            assert proc.returncode == 0 and not output, f"{name}: {output}"
        result = crm_verify(out / "cib.xml")  # the file, then with every node online
        assert result.ok, f"{name}: {result.output}"


def test_crm_verify_catches_a_broken_cib(rendered, tmp_path):
    """The check above can fail: a dangling constraint reference is reported."""
    cib = etree.parse(str(rendered["reference-nextgen"] / "cib.xml"))
    cib.find(".//rsc_colocation").set("with-rsc", "no-such-resource")
    broken = tmp_path / "broken.xml"
    cib.write(str(broken))
    proc = subprocess.run(["crm_verify", "-V", "--xml-file", str(broken)],
                          capture_output=True, text=True)
    assert proc.returncode != 0


def test_haproxy_accepts_every_rendered_config(rendered):
    require_tool("haproxy")
    env = {**os.environ, "REDIS_PASSWORD": "checker-placeholder"}
    for name, out in rendered.items():
        for cfg in out.glob("nodes/*/etc/haproxy/haproxy.cfg"):
            proc = subprocess.run(["haproxy", "-c", "-f", str(cfg)], capture_output=True,
                                  text=True, env=env)
            assert proc.returncode == 0, f"{name} {cfg}: {proc.stdout}{proc.stderr}"


def test_haproxy_config_shape(rendered):
    cfg = (rendered["reference-nextgen"] / "nodes/controller-0/etc/haproxy/haproxy.cfg").read_text()
    mysql = cfg.split("listen mysql")[1].split("\nlisten ")[0]
    servers = [line for line in mysql.splitlines() if line.strip().startswith("server ")]
    assert len(servers) == 3 and "backup" not in servers[0]
    assert all("backup" in s for s in servers[1:])
    assert all("port 9200" in s and "inter 1s" in s and "on-marked-down shutdown-sessions" in s
               for s in servers)
    redis = cfg.split("listen redis")[1].split("\nlisten ")[0]
    assert "expect string role:master" in redis and "${REDIS_PASSWORD}" in redis
    v6 = (rendered["ipv6-nextgen"] / "nodes/controller-0/etc/haproxy/haproxy.cfg").read_text()
    assert "bind ipv6@fd00::102:3306" in v6 and "ipv6@fd00::10:3306" in v6


def _verify_dropins(unit_dir: Path) -> list[str]:
    """Run systemd-analyze verify on a stub unit carrying each rendered drop-in; return
    every complaint that names a drop-in file."""
    complaints = []
    for dropin_dir in sorted(unit_dir.glob("*.service.d")):
        unit = dropin_dir.name[:-2]
        stub = unit_dir / unit
        stub.write_text(f"[Unit]\nDescription=stub for {unit}\n[Service]\nExecStart=/bin/true\n")
        proc = subprocess.run(["systemd-analyze", "verify", "--man=no", str(stub)],
                              capture_output=True, text=True,
                              env={**os.environ, "SYSTEMD_UNIT_PATH": f"{unit_dir}:"})
        complaints += [line for line in (proc.stdout + proc.stderr).splitlines()
                       if str(dropin_dir) in line]
        stub.unlink()
    return complaints


def test_systemd_accepts_rendered_dropins(rendered, tmp_path):
    require_tool("systemd-analyze")
    for name in ("reference-nextgen", "lab"):
        unit_dir = tmp_path / name
        shutil.copytree(rendered[name] / "nodes" / os.listdir(rendered[name] / "nodes")[0]
                        / "etc/systemd/system", unit_dir)
        assert list(unit_dir.glob("*.service.d")), "no drop-ins rendered"
        assert _verify_dropins(unit_dir) == []


def test_systemd_check_catches_a_bad_dropin(tmp_path):
    """The check above can fail: an invalid Restart= value is reported."""
    require_tool("systemd-analyze")
    (tmp_path / "x.service.d").mkdir()
    (tmp_path / "x.service.d/50-bad.conf").write_text("[Service]\nRestart=sometimes\n")
    assert _verify_dropins(tmp_path)


def test_graph_svg_is_drawn(rendered):
    for name in ("reference-nextgen", "reference-legacy"):
        svg = etree.parse(str(rendered[name] / "graph.svg")).getroot()
        assert svg.tag.endswith("svg")
        titles = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")}
        assert "haproxy-clone" in titles and "galera-master" in titles


def _seed_cib(cib_xml: Path, target: Path) -> None:
    """An empty CIB with the cluster's nodes, as a freshly formed cluster would have."""
    empty = subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True,
                           check=True).stdout
    seed = etree.fromstring(empty.encode())
    nodes = etree.parse(str(cib_xml)).find("configuration/nodes")
    old = seed.find("configuration/nodes")
    old.getparent().replace(old, nodes)
    target.write_bytes(etree.tostring(seed))


def _nvpairs(elements) -> tuple:
    return tuple(sorted((n.get("name"), n.get("value")) for e in elements
                        for n in e.iter("nvpair")))


def _shape(cib_file: Path) -> dict:
    """What must be equal between ngha's CIB and the one pcs builds (ids and values, not the
    order of attributes or generated sub-ids): cluster properties, resource defaults,
    resources with every operation attribute (on-fail, role ...), constraints, nodes."""
    root = etree.parse(str(cib_file)).getroot()
    prims = {}
    for p in root.iter("primitive"):
        parent = p.getparent()
        prims[p.get("id")] = (
            p.get("class"), p.get("provider"), p.get("type"),
            parent.get("id") if parent.tag == "clone" else None,
            tuple(sorted((n.get("name"), n.get("value"))
                         for n in p.findall("instance_attributes/nvpair"))),
            tuple(sorted((n.get("name"), n.get("value")) for n in p.findall("meta_attributes/nvpair"))),
            tuple(sorted(tuple(sorted((k, v) for k, v in o.attrib.items() if k != "id"))
                         for o in p.findall("operations/op"))))
    clones = {c.get("id"): tuple(sorted((n.get("name"), n.get("value"))
                                        for n in c.findall("meta_attributes/nvpair")))
              for c in root.iter("clone")}
    constraints = {c.get("id"): (
        tuple(sorted((k, v) for k, v in c.attrib.items()
                     if k in ("first", "then", "first-action", "then-action", "kind", "rsc",
                              "with-rsc", "score", "node", "resource-discovery"))),
        tuple((r.get("score"), tuple((e.get("attribute"), e.get("operation"), e.get("value"))
                                     for e in r.iter("expression"))) for r in c.iter("rule")))
        for c in root.find("configuration/constraints")}
    node_attributes = {n.get("uname"): tuple(sorted((p.get("name"), p.get("value")) for p in
                                                    n.findall("instance_attributes/nvpair")))
                       for n in root.iter("node")}
    return {"properties": _nvpairs(root.findall("configuration/crm_config")),
            "resource_defaults": _nvpairs(root.findall("configuration/rsc_defaults")),
            "primitives": prims, "clones": clones, "constraints": constraints,
            "node_attributes": node_attributes}


@pytest.mark.parametrize("case", ["reference-nextgen", "roles-nextgen", "fencing-nextgen",
                                  "reference-legacy"])
def test_pcs_script_builds_the_same_cib_and_is_rerunnable(rendered, tmp_path, case):
    require_tool("pcs")
    out = rendered[case]
    cib = tmp_path / "cluster.xml"
    _seed_cib(out / "cib.xml", cib)
    env = {**os.environ, "NGHA_CIB_FILE": str(cib)}
    first = subprocess.run(["sh", str(out / "pcs-commands.sh")], capture_output=True,
                           text=True, env=env, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    verify = crm_verify(cib)
    assert verify.ok, verify.output
    assert _shape(cib) == _shape(out / "cib.xml")
    before = _shape(cib)
    again = subprocess.run(["sh", str(out / "pcs-commands.sh")], capture_output=True,
                           text=True, env=env, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _shape(cib) == before


@pytest.mark.lab  # it creates network namespaces: run with the lab tests, not next to them
def test_corosync_accepts_rendered_config(rendered, tmp_path):
    """corosync -t parses the file, must find the local node in the nodelist and, with
    crypto on, read an authkey: so the check runs in throw-away network and mount
    namespaces holding that node's address and a random key."""
    require_tool("corosync")
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("CI must run as root: this check needs a private network namespace")
        pytest.skip("needs root for a private network namespace")
    for name in ("reference-nextgen", "lab", "ipv6-nextgen", "udpu-ipv6", "fencing-2node-nextgen"):
        conf = rendered[name] / "nodes" / sorted(os.listdir(rendered[name] / "nodes"))[0] / \
            "etc/corosync/corosync.conf"
        address = conf.read_text().split("ring0_addr: ")[1].split()[0]
        family = "-6" if ":" in address else "-4"
        script = (f"ip link set lo up && ip {family} addr add {address} dev lo && "
                  "mount -t tmpfs ngha-check /etc/corosync && "
                  "head -c 256 /dev/urandom > /etc/corosync/authkey && "
                  f"corosync -t -c {conf}")
        proc = subprocess.run(["unshare", "--net", "--mount", "sh", "-c", script],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, f"{name}: {proc.stdout}{proc.stderr}"
        assert "token: 10000" in conf.read_text() or name in ("lab", "fencing-2node-nextgen")


@pytest.mark.parametrize("mutation", ["property", "resource default", "on-fail"])
def test_cib_comparison_sees_properties_defaults_and_op_attributes(rendered, tmp_path, mutation):
    """The pcs comparison above can fail on each of these: a pcs script that forgot a
    cluster property, a resource default or an operation's on-fail would be caught."""
    cib = etree.parse(str(rendered["reference-nextgen"] / "cib.xml"))
    if mutation == "property":
        cib.find(".//crm_config//nvpair[@name='stonith-enabled']").set("value", "true")
    elif mutation == "resource default":
        cib.find(".//rsc_defaults//nvpair").set("value", "100")
    else:
        promote = cib.find(".//primitive[@id='galera']/operations/op[@name='promote']")
        del promote.attrib["on-fail"]
    changed = tmp_path / "changed.xml"
    cib.write(str(changed))
    assert _shape(changed) != _shape(rendered["reference-nextgen"] / "cib.xml")
