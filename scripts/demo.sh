#!/bin/bash
# make demo: the architecture end to end on this machine.
#  1. render the reference deployment (3 controllers, 6 VIPs) in both layouts, checked by
#     crm_verify, and compare them, blast radius included (Pacemaker's own scheduler);
#  2. boot the built-in lab (3 controller nodes in namespaces, real systemd, Pacemaker and
#     Corosync), render the deployment the lab describes, and show the cluster.
# The lab is taken down at the end unless KEEP_LAB=1.
set -euo pipefail
NGHA=${NGHA:-.venv/bin/ngha}
OUT=${OUT:-out}
LAB=${LAB:-ngha-lab}

step() { printf '\n== %s\n' "$*"; }

step "render the reference deployment, both layouts"
$NGHA render examples/reference-3ctl.yaml -o "$OUT/reference-nextgen" --profile nextgen
$NGHA render examples/reference-3ctl.yaml -o "$OUT/reference-legacy" --profile legacy

step "legacy vs next-gen (counts, services changing manager, blast radius)"
$NGHA compare examples/reference-3ctl.yaml

step "one Galera failure on one node, as Pacemaker's scheduler plans it"
$NGHA simulate examples/reference-3ctl.yaml --profile legacy --event monitor-fail:galera@controller-0
$NGHA simulate examples/reference-3ctl.yaml --profile nextgen --event monitor-fail:galera@controller-0

if [ "$(id -u)" != 0 ]; then
  echo; echo "the lab part of the demo needs root; skipped"; exit 0
fi

step "the built-in lab: 3 controllers booting real systemd, Pacemaker and Corosync"
$NGHA lab prepare
$NGHA lab down --name "$LAB" >/dev/null 2>&1 || true   # a stale lab from an earlier run
cleanup() { [ "${KEEP_LAB:-0}" = 1 ] || $NGHA lab down --name "$LAB"; }
trap cleanup EXIT
deployment=$($NGHA lab up --name "$LAB" | tail -1)
$NGHA lab status --name "$LAB"
$NGHA lab exec --name "$LAB" ctl-0 -- crm_mon -1 --include=nodes

step "render the lab's own deployment file ($deployment)"
$NGHA render "$deployment" -o "$OUT/lab-nextgen"

if [ "${KEEP_LAB:-0}" = 1 ]; then
  printf '\nthe lab stays up: ngha lab shell ctl-0 --name %s; ngha lab down --name %s\n' "$LAB" "$LAB"
fi
echo; echo "rendered trees in $OUT/; graphs: $OUT/reference-legacy/graph.svg $OUT/reference-nextgen/graph.svg"
