#!/bin/bash
# make demo: the architecture running for real on this machine.
#  1. prepare the built-in lab (Debian packages, once; apt's output goes to a log file);
#  2. boot it: 3 controller nodes in namespaces, each running real systemd, Corosync and
#     Pacemaker;
#  3. `ngha plan` shows what the next-gen layout needs; `ngha apply` deploys it: Galera,
#     RabbitMQ, Redis and HAProxy under Pacemaker; the OpenStack control plane (Keystone,
#     Glance, Placement, Nova, Neutron, Cinder, Heat) and ngha's probe under systemd, and
#     cinder-volume active/passive under Pacemaker;
#  4. show the cluster, and check every service from the lab's client through the VIPs.
# The lab is taken down at the end unless KEEP_LAB=1.
set -euo pipefail
NGHA=${NGHA:-.venv/bin/ngha}
LAB=${LAB:-ngha-lab}
export NGHA_LAB_NAME=$LAB

step() { printf '\n== %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "make demo runs the built-in lab, which needs root (namespaces, mounts, cgroups)." >&2
  echo "Without root: $NGHA compare examples/reference-3ctl.yaml" >&2
  exit 2
fi

step "prepare the lab (Debian packages, installed once)"
$NGHA lab prepare

step "boot the lab: 3 controllers with real systemd, Corosync and Pacemaker"
$NGHA lab down --name "$LAB" >/dev/null 2>&1 || true   # a stale lab from an earlier run
cleanup() { [ "${KEEP_LAB:-0}" = 1 ] || $NGHA lab down --name "$LAB"; }
trap cleanup EXIT
deployment=$($NGHA lab up --name "$LAB" | tail -1)
echo "the lab's deployment file: $deployment"

step "ngha plan: what the next-gen layout needs (exit 3: changes pending)"
$NGHA plan "$deployment" || [ $? = 3 ]

step "ngha apply: deploy it (about five and a half minutes on 2 cores)"
$NGHA apply "$deployment"

step "the cluster, as Pacemaker sees it"
$NGHA lab exec --name "$LAB" ctl-0 -- crm_mon -1 --include=nodes,summary

step "ngha status: every service on every node, whichever manager runs it"
$NGHA status "$deployment"

step "from the lab's client, through the VIPs: every service end to end"
$NGHA lab check --name "$LAB"

cat <<EOF

== what to try next (KEEP_LAB=1 make demo keeps the lab up)
  $NGHA status --watch                         # live view; exit status as Nagios plugins
  $NGHA restart keystone --rolling             # through systemd, one node at a time
  $NGHA chaos run galera-restart --quick       # a failure, measured through the VIPs
  $NGHA lab crash ctl-1; $NGHA status; $NGHA lab boot ctl-1
  $NGHA lab exec client -- sh -c ". /var/lib/ngha/lab/$LAB/openrc && openstack volume list"
  $NGHA migrate --to legacy --plan             # the all-Pacemaker layout, step by step
  $NGHA compare examples/reference-3ctl.yaml   # both layouts, blast radius included
  $NGHA lab down
EOF
