"""Bad input: one clear message (file, line, field, fix), exit 2, nothing written, and never
the secret: every case runs with SECRET in the environment, and uses it wherever the case
has a value of its own to give."""

from typing import NamedTuple

import pytest
from click.testing import CliRunner

from ngha.cli import cli
from tests.conftest import SECRET, SECRET_ENV

GOOD = """\
cluster: demo
profile: nextgen
nodes:
  - {name: ctl-0, address: 192.0.2.10}
  - {name: ctl-1, address: 192.0.2.11}
  - {name: ctl-2, address: 192.0.2.12}
vips:
  control: 192.0.2.100
  internal_api: 192.0.2.101
services:
  - keystone
  - nova-api
  - cinder-volume
secrets:
  database_password: {file: /etc/ngha/secrets/db}
"""

# GOOD with an address per network (same lines): control and internal_api in their own /24.
PER_NETWORK = tuple(
    (f"{{name: ctl-{i}, address: 192.0.2.1{i}}}",
     f"{{name: ctl-{i}, addresses: {{control: 192.0.2.1{i}/24, internal_api: 172.16.2.1{i}/24}}}}")
    for i in range(3)) + (("internal_api: 192.0.2.101", "internal_api: 172.16.2.101"),)
# GOOD's nodes with their subnet's prefix.
PREFIXED = tuple((f"address: 192.0.2.1{i}}}", f"address: 192.0.2.1{i}/24}}") for i in range(3))
FENCING = ("secrets:", "fencing:\n  devices:\n    - {node: ctl-0, agent: fence_ipmilan, "
                       "parameters: {ip: 192.0.2.50, %s}}\nsecrets:")


def fencing(parameters: str) -> tuple[str, str]:
    return FENCING[0], FENCING[1] % parameters


class Case(NamedTuple):
    name: str
    edits: tuple[tuple[str, str], ...]  # (old, new) applied to GOOD in turn
    line: int
    fragment: str  # the message must contain it
    field: str | None


def case(name, edits, line, fragment, field):
    edits = (edits,) if isinstance(edits[0], str) else edits
    return Case(name, tuple(edits), line, fragment, field)


CASES = [
    # schema and names
    case("unknown service", ("  - nova-api\n", "  - nova-apu\n"), 12, "unknown service",
         "services[1]"),
    case("secret as a service name", ("  - nova-api\n", f"  - {SECRET}\n"), 12,
         "unknown service", "services[1]"),
    case("duplicate node name", ("{name: ctl-2,", "{name: ctl-0,"), 6, "duplicate node name",
         "nodes[2].name"),
    case("A/P as clone", ("  - cinder-volume\n",
                          "  - {name: cinder-volume, mode: active-active}\n"),
         13, "active/passive only", "services[2].mode"),
    case("unknown profile", ("profile: nextgen", "profile: nextgn"), 2, "must be one of",
         "profile"),
    case("secret as the profile", ("profile: nextgen", f"profile: {SECRET}"), 2,
         "must be one of", "profile"),
    case("secret as the cluster", ("cluster: demo", f"cluster: {{name: {SECRET}}}"), 1,
         "valid string", "cluster"),
    case("missing field", ("cluster: demo\n", ""), 1, "missing required field 'cluster'",
         "cluster"),
    case("unknown field", ("profile: nextgen\n", "profile: nextgen\nprofle: x\n"), 3,
         "unknown field 'profle'", "profle"),
    case("unknown role", ("{name: ctl-0, address: 192.0.2.10}",
                          f"{{name: ctl-0, address: 192.0.2.10, roles: [galera, {SECRET}]}}"),
         4, "unknown role", "nodes[0].roles[1]"),
    case("bad node name", ("{name: ctl-0,", "{name: Ctl_0,"), 4, "not a valid node name",
         "nodes[0].name"),
    case("secret as a node name", ("{name: ctl-0,", f"{{name: {SECRET},"), 4,
         "not a valid node name", "nodes[0].name"),
    case("node name with newline", ("{name: ctl-0,", '{name: "ctl-0\\n",'), 4,
         "not a valid node name", "nodes[0].name"),
    case("service listed twice", ("  - cinder-volume\n", "  - cinder-volume\n  - keystone\n"),
         11, "more than once", "services[0]"),
    case("unit path traversal", ("  - nova-api\n", "  - {name: nova-api, unit: ../../tmp/x}\n"),
         12, "not a systemd unit name", "services[1].unit"),
    case("unit with a space", ("  - nova-api\n", "  - {name: nova-api, unit: 'nova api'}\n"),
         12, "not a systemd unit name", "services[1].unit"),
    case("config path traversal", ("  - nova-api\n",
                                   "  - {name: nova-api, config_files: [/etc/../tmp/x]}\n"),
         12, "not a plain absolute path", "services[1].config_files"),
    case("secret as a config path", ("  - nova-api\n",
                                     f"  - {{name: nova-api, config_files: [{SECRET}]}}\n"),
         12, "not a plain absolute path", "services[1].config_files"),
    case("unit shared by two services", ("  - nova-api\n", "  - {name: nova-api, unit: httpd}\n"),
         12, "used by both 'keystone' and 'nova-api'", "services[1].unit"),
    case("secret as a token", ("profile: nextgen\n",
                               f"profile: nextgen\ncorosync: {{token: {SECRET}}}\n"),
         3, "valid integer", "corosync.token"),
    # YAML
    case("YAML syntax", ("  control: 192.0.2.100\n", "  control: [192.0.2.100\n"), 9,
         "YAML syntax error", None),
    case("duplicate key", ("profile: nextgen\n", "profile: nextgen\nprofile: legacy\n"), 3,
         "duplicate key 'profile' (first on line 2)", None),
    case("duplicate key under secrets", ("  database_password: {file: /etc/ngha/secrets/db}\n",
                                         "  database_password: {file: /etc/ngha/secrets/db}\n"
                                         f"  database_password: {SECRET}\n"),
         16, "duplicate key 'database_password' (first on line 15)", None),
    case("duplicate key under fencing parameters",
         ("secrets:", "fencing:\n  devices:\n    - node: ctl-0\n      agent: fence_ipmilan\n"
                      "      parameters:\n        password: /etc/x\n"
                      f"        password: {SECRET}\nsecrets:"),
         20, "duplicate key 'password' (first on line 19)", None),
    case("secret as an alias", ("control: 192.0.2.100", f"control: *{SECRET}"), 8,
         "undefined alias", None),
    # secrets
    case("inline secret", ("{file: /etc/ngha/secrets/db}", SECRET), 15, "secret given inline",
         "secrets.database_password"),
    case("inline secret in a list", ("{file: /etc/ngha/secrets/db}", f"[{SECRET}]"), 15,
         "secret given inline", "secrets.database_password"),
    case("secret env not a name", ("{file: /etc/ngha/secrets/db}", f"{{env: {SECRET}}}"), 15,
         "must name an environment variable", "secrets.database_password"),
    case("secret file not a path", ("{file: /etc/ngha/secrets/db}", f"{{file: {SECRET}}}"), 15,
         "absolute path", "secrets.database_password"),
    case("secret under an unknown key", ("{file: /etc/ngha/secrets/db}",
                                         f"{{file: /x, value: {SECRET}}}"), 15,
         "unknown field 'value'", "secrets.database_password.value"),
    # fencing
    case("fencing password inline", fencing(f"password: {SECRET}"), 16,
         "credential given inline", "fencing.devices[0].parameters.password"),
    case("fencing api key inline", fencing(f"access_key: {SECRET}"), 16,
         "credential given inline", "fencing.devices[0].parameters.access_key"),
    case("fencing pw inline", fencing(f"ipmi_pw: {SECRET}"), 16, "credential given inline",
         "fencing.devices[0].parameters.ipmi_pw"),
    case("fencing password_script not a path", fencing(f"password_script: {SECRET}"), 16,
         "absolute path of a root-only script", "fencing.devices[0].parameters"),
    case("fencing device for an unknown node",
         ("secrets:", f"fencing:\n  devices:\n    - {{node: {SECRET}, agent: fence_xvm}}\n"
                      "secrets:"), 16, "not in 'nodes'", "fencing.devices[0].node"),
    case("secret as the fence agent",
         ("secrets:", f"fencing:\n  devices:\n    - {{node: ctl-0, agent: {SECRET}}}\n"
                      "secrets:"), 16, "not a fence agent name", "fencing.devices[0].agent"),
    # addresses
    case("VIP not an address", ("control: 192.0.2.100", "control: 192.0.2.300"), 8,
         "not a valid IPv4 or IPv6 address", "vips.control.address"),
    case("secret as a VIP", ("control: 192.0.2.100", f"control: {SECRET}"), 8,
         "not a valid IPv4 or IPv6 address", "vips.control.address"),
    case("secret as a node address", ("address: 192.0.2.10}", f"address: {SECRET}}}"), 4,
         "not a valid IPv4 or IPv6 address", "nodes[0].address"),
    case("VIP clashes with node", ("control: 192.0.2.100", "control: 192.0.2.11"), 8,
         "clashes with node ctl-1", "vips.control"),
    case("duplicate node address", ("192.0.2.12}", "192.0.2.10}"), 6, "duplicate node address",
         "nodes[2].address"),
    case("bad netmask", ("control: 192.0.2.100", "control: {address: 192.0.2.100, netmask: 40}"),
         8, "netmask", "vips.control"),
    case("netmask not a number", ("control: 192.0.2.100", "control: {address: 192.0.2.100, "
                                  "netmask: true}"), 8, "valid integer", "vips.control.netmask"),
    case("zone index", ("address: 192.0.2.10}", "address: 'fe80::1%eth0'}"), 4, "zone index",
         "nodes[0].address"),
    case("no control or internal_api VIP", ("  control: 192.0.2.100\n  internal_api: 192.0.2.101\n",
                                            "  public: 192.0.2.100\n"), 7,
         "needs a 'control' or", "vips"),
    case("duplicate VIP", ("internal_api: 192.0.2.101", "internal_api: 192.0.2.100"), 9,
         "used by both", "vips.internal_api"),
    case("unknown VIP name", ("  control:", "  ctrl:"), 8, "must be one of", "vips.ctrl"),
    case("VIP is its subnet's network address", (*PREFIXED, ("control: 192.0.2.100",
                                                              "control: 192.0.2.0")),
         8, "network address of 192.0.2.0/24", "vips.control"),
    case("VIP is its subnet's broadcast address", (*PREFIXED, ("control: 192.0.2.100",
                                                               "control: 192.0.2.255")),
         8, "broadcast address of 192.0.2.0/24", "vips.control"),
    case("VIP is the network address of its own netmask",
         ("control: 192.0.2.100", "control: {address: 192.0.2.96, netmask: 27}"), 8,
         "network address of 192.0.2.96/27", "vips.control"),
    case("loopback VIP", ("control: 192.0.2.100", "control: 127.0.0.1"), 8, "loopback",
         "vips.control.address"),
    case("IPv6 loopback VIP", ("control: 192.0.2.100", "control: '::1'"), 8, "loopback",
         "vips.control.address"),
    case("link-local node", ("address: 192.0.2.10}", "address: 169.254.0.10}"), 4,
         "link-local", "nodes[0].address"),
    case("multicast VIP", ("control: 192.0.2.100", "control: 224.0.0.18"), 8, "multicast",
         "vips.control.address"),
    case("unspecified node address", ("address: 192.0.2.10}", "address: '::'}"), 4,
         "unspecified", "nodes[0].address"),
    case("IPv4-mapped VIP equal to a node", ("control: 192.0.2.100", "control: '::ffff:192.0.2.11'"),
         8, "IPv4-mapped IPv6 address is the IPv4 address 192.0.2.11", "vips.control.address"),
    case("one IPv6 address written two ways", (
        ("address: 192.0.2.10}", "address: 'fd00::10'}"),
        ("address: 192.0.2.11}", "address: 'fd00:0:0::10'}")), 5, "duplicate node address fd00::10",
        "nodes[1].address"),
    case("node prefix out of range", ("address: 192.0.2.10}", "address: 192.0.2.10/33}"), 4,
         "prefix length", "nodes[0].address"),
    case("node is its subnet's network address", ("address: 192.0.2.10}", "address: 192.0.2.0/24}"),
         4, "network address of 192.0.2.0/24", "nodes[0].address"),
    case("both address forms", ("{name: ctl-0, address: 192.0.2.10}",
                                "{name: ctl-0, address: 192.0.2.10, addresses: {control: 192.0.2.10}}"),
         4, "either 'address'", "nodes[0]"),
    case("mixed IPv4/IPv6 cluster addresses", ("address: 192.0.2.12}", "address: 'fd00::12'}"), 6,
         "corosync needs one IP family", "nodes[2].address"),
    case("VIP of another family than its network", ("control: 192.0.2.100", "control: 'fd00::100'"),
         8, "VIP is IPv6 but the nodes' addresses on network control are IPv4", "vips.control"),
    case("VIP on a network no node is on", (*PER_NETWORK, ("  control: 192.0.2.100\n",
                                                           "  control: 192.0.2.100\n"
                                                           "  public: 198.51.100.100\n")),
         9, "network public, where no node has an address", "vips.public"),
    case("VIP outside its network's subnet", (*PER_NETWORK, ("internal_api: 172.16.2.101",
                                                             "internal_api: 172.16.3.101")),
         9, "outside 172.16.2.0/24, the subnet of network internal_api", "vips.internal_api"),
    case("VIP equal to a node's address on another network",
         (*PER_NETWORK, ("control: 192.0.2.100", "control: 172.16.2.11")), 8,
         "clashes with node ctl-1's address on internal_api", "vips.control"),
    case("VIP on a network some nodes lack", (*PER_NETWORK, (
        "ctl-2, addresses: {control: 192.0.2.12/24, internal_api: 172.16.2.12/24}",
        "ctl-2, addresses: {control: 192.0.2.12/24}")), 9,
         "network internal_api, where ctl-2 has no address", "vips.internal_api"),
    case("two nodes share an address on one network", (*PER_NETWORK, (
        "internal_api: 172.16.2.12/24", "internal_api: 172.16.2.10/24")), 6,
         "duplicate node address 172.16.2.10: ctl-0 has it too", "nodes[2].addresses.internal_api"),
    case("nodes disagree on a network's subnet", (*PER_NETWORK, (
        "internal_api: 172.16.2.12/24", "internal_api: 172.16.2.12/16")), 6,
         "is in 172.16.0.0/16 but ctl-0's is in 172.16.2.0/24", "nodes[2].addresses.internal_api"),
    case("unknown network of a VIP", ("control: 192.0.2.100",
                                      "control: {address: 192.0.2.100, network: ctrl}"), 8,
         "must be one of", "vips.control.network"),
    case("unknown network of a node", ("{name: ctl-0, address: 192.0.2.10}",
                                       "{name: ctl-0, addresses: {ctrl: 192.0.2.10}}"), 4,
         "must be one of", "nodes[0].addresses.ctrl"),
    case("secret as a VIP's nic", ("control: 192.0.2.100",
                                   f"control: {{address: 192.0.2.100, nic: {SECRET}}}"), 8,
         "not a network interface name", "vips.control.nic"),
    case("VIP nic with a slash", ("control: 192.0.2.100",
                                  "control: {address: 192.0.2.100, nic: eth0/1}"), 8,
         "not a network interface name", "vips.control.nic"),
    # corosync
    case("crypto with udpu", ("profile: nextgen\n",
                              "profile: nextgen\ncorosync: {transport: udpu, crypto: true}\n"),
         3, "crypto needs transport knet", "corosync.crypto"),
]


def apply(edits: tuple[tuple[str, str], ...], text: str = GOOD) -> str:
    for old, new in edits:
        assert old in text, f"the test edit must apply: {old!r}"
        text = text.replace(old, new, 1)
    return text


def run(args: list[str]):
    """The CLI with SECRET in the environment; whatever happens, it never shows it."""
    result = CliRunner().invoke(cli, args, env=SECRET_ENV)
    assert SECRET not in result.output, result.output
    return result


@pytest.mark.parametrize("bad", CASES, ids=[c.name for c in CASES])
def test_bad_deployment(tmp_path, bad):
    path = tmp_path / "deployment.yaml"
    path.write_text(apply(bad.edits))
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous render")
    result = run(["render", str(path), "-o", str(out), "--no-verify"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = result.output
    assert "Traceback" not in message
    assert sum(line.startswith("error:") for line in message.splitlines()) == 1, message
    assert f"{path}:{bad.line}:" in message, message
    assert bad.fragment in message, message
    if bad.field:
        assert f": {bad.field}: " in message, message
    assert "fix:" in message
    assert SECRET not in message, message
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "previous render"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


@pytest.mark.parametrize("edits", [(), PER_NETWORK, PREFIXED],
                         ids=["simple", "per-network", "prefixed"])
def test_good_files_are_valid(tmp_path, edits):
    path = tmp_path / "deployment.yaml"
    path.write_text(apply(edits))
    result = run(["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


@pytest.mark.parametrize("content,fragment", [
    ("", "file is empty"),
    ("- a\n- b\n", "must be a YAML mapping"),
    ("\x00\x01", "YAML"),
])
def test_degenerate_files(tmp_path, content, fragment):
    path = tmp_path / "d.yaml"
    path.write_text(content)
    result = run(["validate", str(path)])
    assert result.exit_code == 2
    assert fragment in result.output and "Traceback" not in result.output


def test_missing_file(tmp_path):
    result = run(["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "deployment file not found" in result.output


def test_symlink_loop_as_deployment(tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    result = run(["render", str(tmp_path / "a.yaml"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "Too many levels of symbolic links" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_every_command_loads_under_its_name():
    """Subcommands are loaded when named: each name leads to the command of that name."""
    import click

    from ngha.cli.main import COMMANDS, cli
    context = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(context, name)
        assert isinstance(command, click.Command) and command.name == name, name
    assert cli.get_command(context, "no-such") is None
