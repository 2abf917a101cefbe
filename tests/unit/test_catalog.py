"""A site-local catalog (NGHA_EXTRA_CATALOG) is user input: names that end up in paths,
ids, haproxy.cfg or shell words are checked by its schema, with file, line and field."""

import pytest
from click.testing import CliRunner

from ngha.cli import cli
from tests.conftest import EXAMPLES, SECRET_ENV

SERVICE = """\
services:
  site-agent:
    description: a site-local service
    units: {rdo: site-agent, debian: site-agent}
    config_files: [/etc/site/agent.conf]
    api: {name: site_api, port: 9999, check: /healthcheck}
"""


@pytest.mark.parametrize("edit,line,field,fragment", [
    (("rdo: site-agent", "rdo: ../../etc/x"), 4, "services.site-agent.units.rdo",
     "not a systemd unit name"),
    (("debian: site-agent", "debian: 'x;reboot'"), 4, "services.site-agent.units.debian",
     "not a systemd unit name"),
    (("  site-agent:", "  Site_Agent:"), 2, "services.Site_Agent", "not a service name"),
    (("/etc/site/agent.conf", "/etc/../agent.conf"), 5, "services.site-agent.config_files[0]",
     "not a plain absolute path"),
    (("name: site_api", "name: 'x y'"), 6, "services.site-agent.api.name",
     "not an HAProxy section name"),
    (("check: /healthcheck", "check: '/x\\nbind 0.0.0.0:1'"), 6, "services.site-agent.api.check",
     "not an HTTP path"),
    (("    description: a site-local service\n",
      "    description: a site-local service\n    legacy: {after: [{service: '../x'}]}\n"),
     4, "services.site-agent.legacy.after[0].service", "not a service name"),
])
def test_unsafe_names_in_a_site_catalog_are_refused(tmp_path, edit, line, field, fragment):
    extra = tmp_path / "site.yaml"
    old, new = edit
    assert old in SERVICE
    extra.write_text(SERVICE.replace(old, new))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["render", str(EXAMPLES / "lab-3ctl.yaml"), "-o", str(out)],
                                env={**SECRET_ENV, "NGHA_EXTRA_CATALOG": str(extra)})
    assert result.exit_code == 2, result.output
    assert f"{extra}:{line}: {field}: " in result.output and fragment in result.output
    assert "Traceback" not in result.output and "bug in ngha" not in result.output
    assert not out.exists()


def test_a_safe_site_catalog_loads(tmp_path):
    extra = tmp_path / "site.yaml"
    extra.write_text(SERVICE)
    deployment = tmp_path / "d.yaml"
    deployment.write_text((EXAMPLES / "lab-3ctl.yaml").read_text().replace(
        "services: [keystone, memcached,", "services: [keystone, memcached, site-agent,"))
    assert "site-agent" in deployment.read_text()
    result = CliRunner().invoke(cli, ["validate", str(deployment)],
                                env={"NGHA_EXTRA_CATALOG": str(extra)})
    assert result.exit_code == 0, result.output
