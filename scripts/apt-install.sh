#!/bin/bash
# Install the Debian packages named as arguments, only those missing, without letting
# their services start on this host (a policy-rc.d that denies starts, removed after).
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "error: missing Debian packages: ${missing[*]}" >&2
  echo "  fix: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 2
fi
log=${NGHA_INSTALL_LOG:-/var/log/ngha/install.log}
mkdir -p "$(dirname "$log")"
echo "installing ${#missing[@]} Debian packages (apt output: $log): ${missing[*]}"
policy=/usr/sbin/policy-rc.d
created=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; created=1
  trap 'rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
    >>"$log" 2>&1; then
  echo "error: apt-get failed; see $log" >&2
  exit 1
fi
