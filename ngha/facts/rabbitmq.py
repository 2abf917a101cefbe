"""RabbitMQ: its users (`rabbitmqctl list_users`), and whether a user can log in to a
vhost over AMQP, the way the services do (a tenth of rabbitmqctl's cost: no Erlang VM
is started). The password travels on stdin, never in an argv."""

from __future__ import annotations

from ngha.facts.base import Fact

# Reads the password from stdin; prints "ok" or "refused <why>" / "unreachable <why>".
# py-amqp is there wherever oslo.messaging is (every controller).
LOGIN_SCRIPT = r"""
import sys
import amqp
host, user, vhost = sys.argv[1:4]
password = sys.stdin.readline().rstrip("\n")
try:
    connection = amqp.Connection(host=host, userid=user, password=password,
                                 virtual_host=vhost, connect_timeout=5)
    connection.connect()
    connection.close()
    print("ok")
except (amqp.exceptions.AccessRefused, amqp.exceptions.NotAllowed) as exc:
    print("refused", type(exc).__name__)
except Exception as exc:
    print("unreachable", type(exc).__name__, str(exc)[:100])
"""


def parse_users(stdout: str, node: str = "?") -> frozenset[str]:
    return frozenset(line.split("\t")[0] for line in stdout.splitlines()
                     if line.strip() and not line.startswith(("Listing ", "user\t")))


class RabbitUsersFact(Fact[frozenset[str]]):
    what = "RabbitMQ's users"

    def argv(self) -> list[str]:
        return ["rabbitmqctl", "list_users", "--quiet"]

    def parse(self, stdout: str, node: str) -> frozenset[str]:
        return parse_users(stdout, node)


class AmqpLoginFact(Fact[str]):
    """"ok", or why the login failed ("refused AccessRefused", "unreachable ...")."""

    what = "an AMQP login"

    def __init__(self, host: str, user: str, password: str, vhost: str = "/"):
        self.host, self.user, self.vhost = host, user, vhost
        self._password = password

    def argv(self) -> list[str]:
        return ["python3", "-c", LOGIN_SCRIPT, self.host, self.user, self.vhost]

    def stdin(self) -> bytes:
        return (self._password + "\n").encode()

    def parse(self, stdout: str, node: str) -> str:
        lines = stdout.strip().splitlines()
        return lines[-1] if lines else "unreachable (no answer)"
