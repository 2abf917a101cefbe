"""What the lab tests look at from outside: Keystone and the probe through the VIPs (from
the lab's client namespace), and the state of the clustered services on the nodes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ngha.lab.session import Lab


class LabView:
    def __init__(self, lab_name: str):
        self.lab = Lab.read(lab_name)
        self.transport = self.lab.transport(follow=True)
        self.secrets_dir = self.lab.paths.secrets_dir

    def secret(self, name: str) -> str:
        return (self.secrets_dir / name).read_text().strip()

    def vip(self, network: str) -> str:
        return self.lab.state.vips[network]

    def node_address(self, node: str) -> str:
        return self.lab.state.node(node).address

    def run(self, node: str, argv: list[str], stdin: str | None = None, timeout: float = 60):
        return self.transport.run(node, argv, stdin=stdin, timeout=timeout)

    # --- from the client, through the VIPs ---------------------------------------------

    def http(self, url: str, method: str = "GET", body: str | None = None,
             headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, dict, str]:
        """(status, headers, body) of one request made from the client namespace; the
        body travels on stdin (a password never appears in an argv)."""
        argv = ["curl", "-s", "-m", str(timeout), "-X", method, "-D", "/dev/stderr",
                "-o", "-"]
        for key, value in (headers or {}).items():
            argv += ["-H", f"{key}: {value}"]
        if body is not None:
            argv += ["-H", "Content-Type: application/json", "--data-binary", "@-"]
        result = self.run("client", argv + [url], stdin=body, timeout=timeout + 5)
        status, parsed = 0, {}
        for line in result.stderr.splitlines():
            if line.startswith("HTTP/"):
                status, parsed = int(line.split()[1]), {}
            elif ":" in line:
                key, _, value = line.partition(":")
                parsed[key.strip().lower()] = value.strip()
        return status, parsed, result.stdout

    def keystone_token(self, host: str | None = None) -> str | None:
        body = json.dumps({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"},
                "password": self.secret("admin_password")}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
        status, headers, _ = self.http(f"http://{host or self.vip('public')}:5000/v3/auth/tokens",
                                       "POST", body)
        return headers.get("x-subject-token") if status == 201 else None

    def token_valid_on(self, token: str, host: str) -> bool:
        status, _, _ = self.http(f"http://{host}:5000/v3/auth/tokens",
                                 headers={"X-Auth-Token": token, "X-Subject-Token": token})
        return status == 200

    def probe(self, path: str, method: str = "GET") -> tuple[int, dict]:
        status, _, body = self.http(f"http://{self.vip('public')}:8999{path}", method)
        try:
            return status, json.loads(body) if body else {}
        except ValueError:
            return status, {}

    # --- on the nodes ------------------------------------------------------------------

    def galera_status(self, node: str) -> dict[str, str]:
        out = self.run(node, ["mysql", "-N", "-B", "-e",
                              "SHOW GLOBAL STATUS LIKE 'wsrep_%'"]).stdout
        return dict(line.split("\t", 1) for line in out.splitlines() if "\t" in line)

    def rabbit_running_nodes(self, node: str) -> list[str]:
        out = self.run(node, ["rabbitmqctl", "cluster_status", "--formatter", "json"]).stdout
        return sorted(json.loads(out)["running_nodes"])

    def redis_role(self, node: str) -> str:
        # the password is read inside the node into the environment, not passed in argv
        script = ('REDISCLI_AUTH=$(sed -n "s/^requirepass //p" /etc/redis/ngha-redis.conf) '
                  f'redis-cli -h {self.node_address(node)} info replication')
        out = self.run(node, ["sh", "-c", script]).stdout
        match = re.search(r"^role:(\w+)", out, re.M)
        return match.group(1) if match else "?"

    def main_pids(self, node: str, units: list[str]) -> dict[str, int]:
        out = self.run(node, ["systemctl", "show", "-p", "Id,MainPID", "--", *units]).stdout
        pids = {}
        for block in out.strip().split("\n\n"):
            values = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
            pids[values["Id"]] = int(values["MainPID"])
        return pids

    def process_pids(self, node: str, name: str) -> list[int]:
        out = self.run(node, ["pgrep", "-x", name]).stdout
        return sorted(int(p) for p in out.split())


def secrets_of(lab_name: str) -> dict[str, str]:
    directory = Lab.read(lab_name).paths.secrets_dir
    return {p.name: p.read_text().strip() for p in Path(directory).iterdir()}
