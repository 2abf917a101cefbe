"""Lab pieces that need no root: CLI errors, cgroup layout, mounts, packages."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from ngha.cli import cli
from ngha.lab.cgroups import CgroupLayout
from ngha.lab.mounts import filesystem_type, parse_mountinfo
from ngha.lab.packages import DenyServiceStarts, parse_installed
from ngha.lab.rootfs import units_to_disable

HYBRID = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 27 0:50 / /var/lib/docker rw - overlay overlay rw,lowerdir=/a
"""
PURE_V2 = "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"


@pytest.mark.parametrize("args", [["up"], ["down"], ["status"], ["crash", "ctl-0"],
                                  ["exec", "ctl-0", "--", "true"], ["prepare"]])
def test_non_root_gets_one_line_and_exit_2(monkeypatch, args):
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    result = CliRunner().invoke(cli, ["lab", *args])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: ngha lab needs root (it creates namespaces, mounts and cgroups); "
        "run it with sudo"]


def test_bad_lab_name_is_a_usage_error():
    result = CliRunner().invoke(cli, ["lab", "status", "--name", "Bad_Name"])
    assert result.exit_code == 2 and "invalid lab name" in result.output
    assert "Traceback" not in result.output


def test_mount_table_decodes_escaped_paths():
    line = r"50 27 0:60 / /var/lib/ngha/a\040b\011c rw - overlay overlay rw,lowerdir=/"
    (mount,) = parse_mountinfo(line + "\n")
    assert mount.mountpoint == "/var/lib/ngha/a b\tc" and mount.fstype == "overlay"


def test_cgroup_layout_detection():
    hybrid = CgroupLayout.detect(HYBRID)
    assert hybrid.unified == Path("/sys/fs/cgroup/unified") and not hybrid.pure_v2
    assert hybrid.memory_v1 == Path("/sys/fs/cgroup/memory")
    assert Path("/sys/fs/cgroup/freezer/ngha/l/ctl-0") in hybrid.node_dirs("l", "ctl-0")
    pure = CgroupLayout.detect(PURE_V2)
    assert pure.pure_v2 and pure.node_dirs("l", "n") == [Path("/sys/fs/cgroup/ngha/l/n")]


def test_filesystem_type_uses_longest_mount():
    assert filesystem_type(Path("/var/lib/ngha"), HYBRID) == "ext4"
    assert filesystem_type(Path("/var/lib/docker/x"), HYBRID) == "overlay"


def test_units_to_disable_keeps_cluster_stack(tmp_path):
    wants = tmp_path / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True)
    for unit in ("corosync.service", "pacemaker.service", "mariadb.service", "ssh.service"):
        (wants / unit).symlink_to(f"/lib/systemd/system/{unit}")
    assert units_to_disable(tmp_path) == [
        "/etc/systemd/system/multi-user.target.wants/mariadb.service"]


def test_parse_installed():
    out = "pacemaker\tii \ncorosync\trc \nhaproxy\tii \n"
    assert parse_installed(out) == {"pacemaker", "haproxy"}


def test_policy_rc_d_is_restored(tmp_path):
    policy = tmp_path / "policy-rc.d"
    with DenyServiceStarts(policy):
        assert "exit 101" in policy.read_text()
    assert not policy.exists()
    policy.write_text("#!/bin/sh\nexit 0\n")
    with DenyServiceStarts(policy):
        assert "exit 101" in policy.read_text()
    assert policy.read_text() == "#!/bin/sh\nexit 0\n"
