#!/usr/bin/env bash
# One-step set-up of salnest on Debian/Ubuntu (run as root, or with sudo available):
#   system packages (apt), a virtual environment in .venv (pip), the NEST module build,
# then what you ask for:
#   bash setup.sh demo    # the main demo: SAL aligns two reciprocal weights (results/)
#   bash setup.sh test    # the test suite (about 2 minutes after the build)
#   bash setup.sh         # only install
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(python3 python3-venv python3-dev g++ make cmake libboost-dev libltdl-dev libgsl-dev git)

need_apt=0
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt=1
done
if [ "$need_apt" = 1 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "== installing system packages: ${APT_PACKAGES[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "== creating virtual environment .venv ($($PYTHON --version))"
  "$PYTHON" -m venv .venv
fi
echo "== installing Python packages"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"

echo "== building the NEST module (cached after the first time)"
.venv/bin/salnest build

case "${1:-}" in
  demo) exec .venv/bin/salnest demo ;;
  test) shift; exec .venv/bin/python -m pytest -q "$@" ;;
  "") echo "== done: activate with 'source .venv/bin/activate', then try 'salnest info'" ;;
  *) echo "unknown action '$1' (use: demo, test, or nothing)" >&2; exit 2 ;;
esac
