"""Bad input: one clear message (file, line, field, fix), exit 2, nothing written."""

import pytest
from click.testing import CliRunner

from ngha.cli import cli

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

# (name, edit applied to GOOD, expected line, text the message must contain, field)
CASES = [
    ("unknown service", ("  - nova-api\n", "  - nova-apu\n"), 12, "unknown service 'nova-apu'",
     "services[1]"),
    ("duplicate node name", ("{name: ctl-2,", "{name: ctl-0,"), 6, "duplicate node name",
     "nodes[2].name"),
    ("duplicate node address", ("192.0.2.12}", "192.0.2.10}"), 6, "duplicate node address",
     "nodes[2].address"),
    ("VIP not an address", ("control: 192.0.2.100", "control: 192.0.2.300"), 8,
     "not a valid IPv4 or IPv6 address", "vips.control.address"),
    ("VIP clashes with node", ("control: 192.0.2.100", "control: 192.0.2.11"), 8,
     "clashes with node ctl-1", "vips.control"),
    ("A/P as clone", ("  - cinder-volume\n", "  - {name: cinder-volume, mode: active-active}\n"),
     13, "active/passive only", "services[2].mode"),
    ("unknown profile", ("profile: nextgen", "profile: nextgn"), 2, "must be one of",
     "profile"),
    ("missing field", ("cluster: demo\n", ""), 1, "missing required field 'cluster'", "cluster"),
    ("YAML syntax", ("  control: 192.0.2.100\n", "  control: [192.0.2.100\n"), 9,
     "YAML syntax error", None),
    ("inline secret", ("{file: /etc/ngha/secrets/db}", "hunter2"), 15, "secret given inline",
     "secrets.database_password"),
    ("unknown field", ("profile: nextgen\n", "profile: nextgen\nprofle: x\n"), 3,
     "unknown field 'profle'", "profle"),
    ("bad netmask", ("control: 192.0.2.100", "control: {address: 192.0.2.100, netmask: 40}"),
     8, "netmask", "vips.control"),
    ("fencing password inline", ("secrets:", "fencing:\n  devices:\n    - {node: ctl-0, agent: "
                                 "fence_ipmilan, parameters: {ip: 192.0.2.50, password: x}}\n"
                                 "secrets:"), 16, "credential given inline",
     "fencing.devices[0].parameters.password"),
    ("unknown role", ("{name: ctl-0, address: 192.0.2.10}",
                      "{name: ctl-0, address: 192.0.2.10, roles: [galera, dns]}"), 4,
     "unknown role 'dns'", "nodes[0].roles[1]"),
    ("bad node name", ("{name: ctl-0,", "{name: Ctl_0,"), 4, "not a valid node name",
     "nodes[0].name"),
    ("duplicate key", ("profile: nextgen\n", "profile: nextgen\nprofile: legacy\n"), 3,
     "duplicate key 'profile' (first on line 2)", None),
    ("duplicate VIP", ("internal_api: 192.0.2.101", "internal_api: 192.0.2.100"), 9,
     "used by both", "vips.internal_api"),
    ("unknown network", ("  control:", "  ctrl:"), 8, "must be one of", "vips.ctrl"),
    ("service listed twice", ("  - cinder-volume\n", "  - cinder-volume\n  - keystone\n"), 11,
     "more than once", "services[0]"),
    ("secret env not a name", ("{file: /etc/ngha/secrets/db}", "{env: 'hunter2!'}"), 15,
     "must name an environment variable", "secrets.database_password"),
    ("unit path traversal", ("  - nova-api\n", "  - {name: nova-api, unit: ../../tmp/x}\n"), 12,
     "not a systemd unit name", "services[1].unit"),
    ("unit with a space", ("  - nova-api\n", "  - {name: nova-api, unit: 'nova api'}\n"), 12,
     "not a systemd unit name", "services[1].unit"),
    ("config path traversal", ("  - nova-api\n",
                               "  - {name: nova-api, config_files: [/etc/../tmp/x]}\n"), 12,
     "not a plain absolute path", "services[1].config_files"),
    ("unit shared by two services", ("  - nova-api\n", "  - {name: nova-api, unit: httpd}\n"),
     12, "used by both 'keystone' and 'nova-api'", "services[1].unit"),
    ("node name with newline", ("{name: ctl-0,", '{name: "ctl-0\\n",'), 4,
     "not a valid node name", "nodes[0].name"),
    ("zone index", ("address: 192.0.2.10}", "address: 'fe80::1%eth0'}"), 4, "zone index",
     "nodes[0].address"),
    ("netmask not a number", ("control: 192.0.2.100", "control: {address: 192.0.2.100, "
                              "netmask: true}"), 8, "valid integer", "vips.control.netmask"),
    ("no control or internal_api VIP", ("  control: 192.0.2.100\n  internal_api: 192.0.2.101\n",
                                        "  public: 192.0.2.100\n"), 7, "needs a 'control' or",
     "vips"),
    ("fencing api key inline", ("secrets:", "fencing:\n  devices:\n    - {node: ctl-0, agent: "
                                "fence_aws, parameters: {access_key: x}}\nsecrets:"), 16,
     "credential given inline", "fencing.devices[0].parameters.access_key"),
]


@pytest.mark.parametrize("name,edit,line,fragment,field", CASES, ids=[c[0] for c in CASES])
def test_bad_deployment(tmp_path, name, edit, line, fragment, field):
    old, new = edit
    assert old in GOOD, "the test edit must apply"
    path = tmp_path / "deployment.yaml"
    path.write_text(GOOD.replace(old, new, 1))
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous render")
    result = CliRunner().invoke(cli, ["render", str(path), "-o", str(out), "--no-verify"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = result.output
    assert "Traceback" not in message
    assert f"{path}:{line}:" in message
    assert fragment in message
    if field:
        assert f": {field}: " in message
    assert "fix:" in message
    assert "hunter2" not in message
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "previous render"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_good_file_is_valid(tmp_path):
    path = tmp_path / "deployment.yaml"
    path.write_text(GOOD)
    result = CliRunner().invoke(cli, ["validate", str(path)])
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
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert fragment in result.output and "Traceback" not in result.output


def test_missing_file(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "deployment file not found" in result.output


def test_symlink_loop_as_deployment(tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    result = CliRunner().invoke(cli, ["render", str(tmp_path / "a.yaml"), "-o",
                                      str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "Too many levels of symbolic links" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
