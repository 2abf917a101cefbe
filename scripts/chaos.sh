#!/bin/bash
# make chaos: every failure scenario and the resilience matrix on both layouts, on a lab of
# its own, and the report.
set -euo pipefail
NGHA=${NGHA:-.venv/bin/ngha}
OUT=${OUT:-out}
LAB=ngha-chaos
QUICK_FLAG=$([ "${QUICK:-}" = 1 ] && echo --quick || true)
[ "$(id -u)" = 0 ] || { echo "make chaos needs root (it runs the lab)" >&2; exit 2; }
mkdir -p "$OUT/chaos"
# results of an earlier make chaos would otherwise join this report
rm -f "$OUT"/chaos/{nextgen,legacy,matrix-nextgen,matrix-legacy}.json
$NGHA lab prepare
$NGHA lab down --name "$LAB" >/dev/null 2>&1 || true
trap '$NGHA lab down --name "$LAB"' EXIT
deployment=$($NGHA lab up --name "$LAB" | tail -1)
status=0
for profile in nextgen legacy; do
  $NGHA chaos run all --deployment "$deployment" --profile $profile $QUICK_FLAG \
      -o "$OUT/chaos/$profile.json" || status=1
  $NGHA chaos matrix --deployment "$deployment" --profile $profile $QUICK_FLAG \
      -o "$OUT/chaos/matrix-$profile.json" || status=1
done
results=()
for f in nextgen legacy matrix-nextgen matrix-legacy; do
  [ -s "$OUT/chaos/$f.json" ] && results+=("$OUT/chaos/$f.json")
done
if [ ${#results[@]} -eq 0 ]; then
  echo "make chaos: no results to report (see the messages above)" >&2
  exit 1
fi
$NGHA chaos report "${results[@]}" -o "$OUT/chaos/report.html"
exit $status
