#!/usr/bin/env bash
# One-step set-up of salnest on Debian/Ubuntu (run as root, or with sudo available):
#   system packages (apt), a virtual environment in .venv (pip), the NEST module build,
# then what you ask for:
#   bash setup.sh demo      # the main demo: SAL aligns two reciprocal weights (results/)
#   bash setup.sh test      # the test suite (about 7 minutes after the build)
#   bash setup.sh test-slow # the long statistical checks (marker slow: runs long enough to resolve
#                           # errors the main suite cannot; about a minute)
#   bash setup.sh test-package  # the package itself: sdist and wheel, installed into a fresh environment
#                               # outside the checkout, build the module and run protocols (a few minutes)
#   bash setup.sh docs      # the documentation site (docs/_build/html; runs the gallery) and its tests
#   bash setup.sh test-brian2   # a second environment, .venv-brian2, with NEST and Brian2 side by side
#                               # (Brian2 2.9.0 needs numpy < 2.4 there), and the cross-simulator suite
#   bash setup.sh          # only install
# MPI (a second environment, .venv-mpi, with NEST built from its PyPI source with MPI and the
# fixes in nest_patches/; the first build takes about 20 minutes on 2 cores, then the wheel is
# cached):
#   bash setup.sh mpi       # only install
#   bash setup.sh test-mpi  # the MPI suite: mpirun runs against 1-rank runs
set -euo pipefail
cd "$(dirname "$0")"
ACTION="${1:-}"
[ $# -gt 0 ] && shift

APT_PACKAGES=(python3 python3-venv python3-dev g++ make cmake libboost-dev libltdl-dev libgsl-dev git)
# tests, benchmarks (the test suite runs every benchmark at a tiny size) and the deep-network
# study's datasets; the demo needs none of them
EXTRAS="test,bench,deep"
[ "$ACTION" = demo ] && EXTRAS=""
[ "$ACTION" = test-package ] && EXTRAS="test"
[ "$ACTION" = docs ] && EXTRAS="test,docs"
case "$ACTION" in
  mpi|test-mpi) MPI=1; VENV=.venv-mpi; APT_PACKAGES+=(openmpi-bin libopenmpi-dev patch) ;;
  test-brian2) MPI=0; VENV=.venv-brian2; EXTRAS="test" ;;
  *) MPI=0; VENV=.venv ;;
esac
EXTRA_PACKAGES=()
# Brian2 2.9.0, the last for Python 3.11 (Debian 12's), fails at import with numpy 2.4 (ndarray.ptp
# is gone); numpy 2.3 needs Python 3.11 or later
[ "$ACTION" = test-brian2 ] && EXTRA_PACKAGES=("brian2==2.9.0" "numpy<2.4")
NEST_VERSION=3.10.0

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
if [ "$ACTION" = test-brian2 ] && ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "test-brian2 needs Python 3.11 or later (brian2 2.9.0 with numpy 2.3); $PYTHON is $("$PYTHON" --version 2>&1): set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating virtual environment $VENV ($($PYTHON --version))"
  "$PYTHON" -m venv "$VENV"
fi
echo "== installing Python packages"
"$VENV/bin/python" -m pip install -q --upgrade pip

if [ "$MPI" = 1 ]; then
  # PyPI's NEST wheel has no MPI: build one from NEST's source distribution with salnest's fixes
  # (nest_patches/), once per machine and set of patches
  PATCHES_ID=$(cat nest_patches/*.patch | sha256sum | cut -c1-12)
  WHEELS="${SALNEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/salnest}/nest-mpi-wheels/$PATCHES_ID"
  PYTAG=$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
  WHEEL=$(ls "$WHEELS"/nest_simulator-$NEST_VERSION-$PYTAG-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$WHEEL" ]; then
    echo "== building NEST $NEST_VERSION with MPI and nest_patches/ from source (about 20 minutes on 2 cores, once)"
    BUILD_DIR=$(mktemp -d)
    "$VENV/bin/python" -m pip download -q --no-deps --no-binary :all: "nest-simulator==$NEST_VERSION" -d "$BUILD_DIR"
    tar xzf "$BUILD_DIR/nest_simulator-$NEST_VERSION.tar.gz" -C "$BUILD_DIR"
    for PATCH in nest_patches/*.patch; do
      patch -s -p1 -d "$BUILD_DIR/nest_simulator-$NEST_VERSION" < "$PATCH"
    done
    # NEST's CMake runs 'python3' to generate its model list: the environment's own must come first
    PATH="$PWD/$VENV/bin:$PATH" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$VENV/bin/python" -m pip wheel -q --no-deps \
      "$BUILD_DIR/nest_simulator-$NEST_VERSION" -C cmake.define.with-mpi=ON -w "$BUILD_DIR/wheel" \
      > "$BUILD_DIR/build.log" 2>&1 || { tail -n 40 "$BUILD_DIR/build.log" >&2; echo "NEST build failed; log: $BUILD_DIR/build.log" >&2; exit 1; }
    mkdir -p "$WHEELS"
    BUILT=$(ls "$BUILD_DIR"/wheel/nest_simulator-*.whl)
    PARTIAL=$(mktemp "$WHEELS/.partial.XXXXXX")
    cp "$BUILT" "$PARTIAL" && mv "$PARTIAL" "$WHEELS/$(basename "$BUILT")"
    WHEEL="$WHEELS/$(basename "$BUILT")"
    rm -rf "$BUILD_DIR"
  fi
  echo "== installing the MPI-enabled NEST: $WHEEL"
  # --force-reinstall: a same-version NEST without MPI in the environment must be replaced
  "$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$WHEEL"
  "$VENV/bin/python" -m pip install -q "$WHEEL"
  EXTRAS="$EXTRAS,mpi"
fi
"$VENV/bin/python" -m pip install -q -e ".${EXTRAS:+[$EXTRAS]}" "${EXTRA_PACKAGES[@]}"

echo "== building the NEST module (cached after the first time)"
"$VENV/bin/salnest" build

case "$ACTION" in
  demo) exec "$VENV/bin/salnest" demo ;;
  test) exec "$VENV/bin/python" -m pytest -q "$@" ;;
  test-slow) exec "$VENV/bin/python" -m pytest -q -m slow "$@" ;;
  test-mpi) exec "$VENV/bin/python" -m pytest -q -m mpi tests/mpi "$@" ;;
  test-package) exec "$VENV/bin/python" -m pytest -q -m package tests/package "$@" ;;
  # the modules named *brian2* only: the others would import what this environment lacks (PyTorch)
  test-brian2) exec "$VENV/bin/python" -m pytest -q -m brian2 tests/*/test_*brian2*.py "$@" ;;
  # the site in docs/_build/html, every warning an error; then the checks of what it says
  docs) "$VENV/bin/python" -m sphinx -W --keep-going -q -b html docs docs/_build/html "$@"
        exec "$VENV/bin/python" -m pytest -q -m docs tests/docs ;;
  ""|mpi) echo "== done: activate with 'source $VENV/bin/activate', then try 'salnest info'" ;;
  *) echo "unknown action '$ACTION' (use: demo, test, test-slow, test-package, docs, test-brian2, mpi, test-mpi, or nothing)" >&2; exit 2 ;;
esac
