#!/bin/bash
# make chaos: every failure scenario on both layouts, on a lab of its own, and the report.
set -euo pipefail
NGHA=${NGHA:-.venv/bin/ngha}
OUT=${OUT:-out}
LAB=ngha-chaos
QUICK_FLAG=$([ "${QUICK:-}" = 1 ] && echo --quick || true)
[ "$(id -u)" = 0 ] || { echo "make chaos needs root (it runs the lab)" >&2; exit 2; }
mkdir -p "$OUT/chaos"
$NGHA lab prepare
$NGHA lab down --name "$LAB" >/dev/null 2>&1 || true
trap '$NGHA lab down --name "$LAB"' EXIT
deployment=$($NGHA lab up --name "$LAB" | tail -1)
status=0
for profile in nextgen legacy; do
  $NGHA chaos run all --deployment "$deployment" --profile $profile $QUICK_FLAG \
      -o "$OUT/chaos/$profile.json" || status=1
done
$NGHA chaos report "$OUT/chaos/nextgen.json" "$OUT/chaos/legacy.json" -o "$OUT/chaos/report.html"
exit $status
