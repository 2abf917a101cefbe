"""Run on one node (`python3 -c <this file>`, the request as JSON on stdin): register
OpenStack services in Keystone through its API, idempotently. Every object is found
first and created only when missing; a user's password and an endpoint's URL are set to
what the request says, so a run after a change, or after a kill half-way, converges.

Request: {"auth_url", "admin_password", "region", "roles": [...],
          "users": [{"name", "password"}],
          "services": [{"name", "type", "urls": {"public", "internal", "admin"}}]}
Only the node's system Python and its keystoneclient are used (the services' own
packages bring them). Prints one line per change; nothing secret is printed.
"""

import json
import sys
import time


def logs_in(auth_url: str, wanted: dict) -> bool:
    """The user gets a token with the wanted password (in any project or none)."""
    from keystoneauth1 import exceptions, session
    from keystoneauth1.identity import v3
    auth = v3.Password(auth_url=auth_url + "/v3", username=wanted["name"],
                       password=wanted["password"], user_domain_id="default")
    for attempt in range(5):
        try:
            return bool(session.Session(auth=auth, timeout=30).get_token())
        except exceptions.Unauthorized:
            return False
        except exceptions.ConnectFailure:
            if attempt == 4:
                raise
            time.sleep(1)
    return False


def main() -> int:
    from keystoneauth1 import exceptions, session
    from keystoneauth1.identity import v3
    from keystoneclient.v3 import client

    request = json.load(sys.stdin)
    auth = v3.Password(auth_url=request["auth_url"] + "/v3", username="admin",
                       password=request["admin_password"], project_name="admin",
                       user_domain_id="default", project_domain_id="default")
    # the internal endpoint (the catalog's default, public, is for clients); a connection
    # HAProxy closed between two requests (RemoteDisconnected) is retried, not fatal
    keystone = client.Client(session=session.Session(auth=auth, timeout=30),
                             interface="internal", connect_retries=5)
    region = request["region"]
    deadline = time.monotonic() + 120
    while True:  # Keystone just started: its VIP may take a few seconds to route
        try:
            keystone.projects.list(name="service", domain="default")
            break
        except (exceptions.ConnectFailure, exceptions.ServiceUnavailable,
                exceptions.BadGateway, exceptions.GatewayTimeout):
            if time.monotonic() > deadline:
                raise
            time.sleep(2)

    def one(found):
        return found[0] if found else None

    project = one(keystone.projects.list(name="service", domain="default"))
    if project is None:
        project = keystone.projects.create("service", "default",
                                           description="OpenStack services")
        print("created project service")
    roles = {r.name: r for r in keystone.roles.list()}
    for name in ["admin", *request["roles"]]:
        if name not in roles:
            roles[name] = keystone.roles.create(name)
            print(f"created role {name}")
    for wanted in request["users"]:
        user = one(keystone.users.list(name=wanted["name"], domain="default"))
        if user is None:
            user = keystone.users.create(wanted["name"], domain="default",
                                         password=wanted["password"], enabled=True)
            print(f"created user {wanted['name']}")
        elif not user.enabled or not logs_in(request["auth_url"], wanted):
            # only when needed: Keystone revokes a user's tokens on every password change
            keystone.users.update(user, password=wanted["password"], enabled=True)
            print(f"set the password of user {wanted['name']}")
        keystone.roles.grant(roles["admin"], user=user, project=project)
    for wanted in request["services"]:
        service = next((s for s in keystone.services.list(type=wanted["type"])
                        if s.name == wanted["name"]), None)
        if service is None:
            service = keystone.services.create(wanted["name"], wanted["type"], enabled=True)
            print(f"created service {wanted['name']} ({wanted['type']})")
        endpoints = keystone.endpoints.list(service=service, region=region)
        for interface, url in wanted["urls"].items():
            mine = [e for e in endpoints if e.interface == interface]
            if not mine:
                keystone.endpoints.create(service, url, interface=interface, region=region,
                                          enabled=True)
                print(f"created {interface} endpoint of {wanted['name']}")
                continue
            if mine[0].url != url or not mine[0].enabled:
                keystone.endpoints.update(mine[0], url=url, enabled=True)
                print(f"updated {interface} endpoint of {wanted['name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
