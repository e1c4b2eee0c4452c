"""salnest as a user installs it: the sdist, the wheel pip builds from it, and that wheel installed
into a fresh virtual environment, used in a directory outside the checkout.

Marker ``package``; ``bash setup.sh test-package`` runs it (a few minutes: the fresh environment
installs salnest's dependencies from pip's cache or PyPI, and builds the NEST module into a fresh
cache from the sources in the wheel).
"""

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from checkout import REPO

import salnest

pytestmark = pytest.mark.package

VERSION = salnest.__version__
#: The repository's folders whose files a wheel must carry, and where it carries them.
PACKAGE_DATA = {"nestml_models": ("salnest/models/nestml", "*.nestml"), "cpp_models": ("salnest/models/cpp", "*.[ch]*"),
                "protocols": ("salnest/protocols", "*.toml"), "pynn_networks": ("salnest/networks", "*.py")}


def _run(args, cwd, env=None, timeout=900) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, args))}:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    """The sdist, and the wheel that ``python -m build`` makes from it (not from the checkout)."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", out, REPO], cwd=out)
    return {"sdist": out / f"salnest-{VERSION}.tar.gz", "wheel": out / f"salnest-{VERSION}-py3-none-any.whl"}


@pytest.fixture(scope="module")
def user(dist, tmp_path_factory) -> dict:
    """The wheel installed into a fresh virtual environment; a working directory and a module cache
    of its own, both outside the checkout."""
    root = tmp_path_factory.mktemp("user")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=root)
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", dist["wheel"]], cwd=root)
    work = root / "work"
    work.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": os.environ.get("HOME", str(root)),
           "SALNEST_CACHE": str(root / "cache"), "PYNEST_QUIET": "1"}
    return {"python": venv / "bin" / "python", "salnest": venv / "bin" / "salnest", "work": work, "env": env,
            "site": Path(_run([venv / "bin" / "python", "-c",
                               "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=root).stdout.strip())}


def test_the_sdist_is_the_repository_without_results(dist):
    with tarfile.open(dist["sdist"]) as tar:
        names = {Path(*Path(n).parts[1:]).as_posix() for n in tar.getnames()}
    for folder, (_, pattern) in PACKAGE_DATA.items():
        files = {p.relative_to(REPO).as_posix() for p in (REPO / folder).glob(pattern)}
        assert files and files <= names, files - names
    for path in ("README.md", "CHANGELOG.md", "LICENSE", "environment.yml", "setup.sh", "tests/conftest.py",
                 "tests/package/test_wheel.py", "examples/own_neuron/iaf_psc_delta_neuron.nestml",
                 "nest_patches", "benchmarks/sampling_throughput.py", "results/figures/reciprocal_pair.png",
                 "docs/conf.py", "docs/_ext/salnest_docs.py", "examples/plot_pynest_pair.py"):
        assert any(n == path or n.startswith(path + "/") for n in names), path
    assert not [n for n in names if n.endswith(".nc") or "__pycache__" in n]
    assert not [n for n in names if n.startswith(("docs/_build", "docs/gallery/", "docs/reference/models/sal"))]


def test_the_wheel_has_one_import_package_and_every_source(dist):
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        top_level = wheel.read(f"salnest-{VERSION}.dist-info/top_level.txt").decode().split()
    assert top_level == ["salnest"]
    assert {n.split("/")[0] for n in names} == {"salnest", f"salnest-{VERSION}.dist-info"}
    for folder, (inside, pattern) in PACKAGE_DATA.items():
        files = {f"{inside}/{p.name}" for p in (REPO / folder).glob(pattern)}
        assert files and files <= names, files - names
    # every subpackage of the checkout is in the wheel (pyproject.toml lists them by hand)
    packages = {p.parent.relative_to(REPO).as_posix() for p in (REPO / "salnest").rglob("__init__.py")}
    assert {f"{p}/__init__.py" for p in packages} <= names


def test_outside_a_checkout_it_builds_runs_the_demo_and_bundled_protocols(user):
    salnest_cmd, work, env = user["salnest"], user["work"], user["env"]
    assert _run([salnest_cmd, "--version"], work, env).stdout.strip() == f"salnest {VERSION}"
    built = _run([salnest_cmd, "build"], work, env).stdout
    assert built.count("built: ") == 2, built  # both modules, from the sources in the wheel, into a fresh cache
    info = _run([salnest_cmd, "info"], work, env).stdout
    assert f"salnest          {VERSION}" in info
    assert re.search(rf"protocols\s+{re.escape(str(user['site'] / 'salnest' / 'protocols'))}", info), info
    assert str(REPO) not in info  # nothing of the checkout
    listing = _run([salnest_cmd, "protocols"], work, env).stdout
    assert "fig2c_stdd" in listing and "pair_stdd" in listing

    _run([salnest_cmd, "demo"], work, env)
    demo = xr.load_dataset(work / "results" / "reciprocal_pair.nc")
    assert (work / "results" / "figures" / "reciprocal_pair.png").is_file()
    assert demo.attrs["salnest_version"] == VERSION
    # a local wheel records no commit (an unrelated repository's would be wrong)
    assert demo.attrs["git_commit"] == "unknown"
    w = demo.weight.sel(condition="both", replicate=0).isel(time=-1).values
    assert abs(w[0] - w[1]) < 0.25  # from 1.5 and 0.5: they met (the README's demo figure)

    _run([salnest_cmd, "run", "fig2c_stdd"], work, env)
    installed = xr.load_dataset(work / "results" / "fig2c_stdd.nc")
    assert installed.attrs["protocol_file"].startswith(str(user["site"]))
    # the same protocol from the checkout gives the same numbers
    _run([sys.executable, "-m", "salnest", "run", "fig2c_stdd", "--no-plot", "--output", work / "checkout.nc"], work)
    checkout = xr.load_dataset(work / "checkout.nc")
    for name in ("stdd_measured", "pair_counts", "update_per_pair_measured"):
        assert np.array_equal(installed[name].values, checkout[name].values), name


def test_outside_a_checkout_a_copied_protocol_runs_and_scripts_run_alone(user):
    salnest_cmd, work, env = user["salnest"], user["work"], user["env"]
    _run([salnest_cmd, "protocols", "copy", "fig2c_stdd", "mine.toml"], work, env)
    text = (work / "mine.toml").read_text().replace("replicates = 20", "replicates = 2")
    (work / "mine.toml").write_text(text)
    _run([salnest_cmd, "run", "mine.toml", "--set", "run.steps=5000", "--output", "mine.nc", "--no-plot"], work, env)
    assert xr.load_dataset(work / "mine.nc").attrs["protocol_file"] == "mine.toml"
    refused = subprocess.run([salnest_cmd, "protocols", "copy", "fig2c_stdd", "mine.toml"], cwd=work, env=env,
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "exists" in refused.stderr  # never overwritten

    # the network scripts, installed inside the package, run on their own
    _run([user["python"], "-m", "salnest.networks.reciprocal_pair", "--steps", "4000", "--record-interval", "2000",
          "--out", "script.nc"], work, env)
    assert (work / "script.nc").is_file()
    scripts = [p.stem for p in (REPO / "pynn_networks").glob("*.py") if re.search(r"^def main\(", p.read_text(), re.M)]
    assert len(scripts) >= 7
    for name in scripts:
        assert _run([user["python"], "-m", f"salnest.networks.{name}", "--help"], work, env).stdout.startswith("usage:")
    no_second_package = subprocess.run([user["python"], "-c", "import pynn_networks"], cwd=work, env=env,
                                       capture_output=True, text=True)
    assert no_second_package.returncode != 0 and "No module named 'pynn_networks'" in no_second_package.stderr


def test_outside_a_checkout_the_sal_synapse_pairs_with_a_users_neuron(user):
    """salnest cogen builds the SAL synapse from the wheel's NESTML source with the user's own neuron."""
    neuron = user["work"] / "my_lif.nestml"
    neuron.write_text((REPO / "examples" / "own_neuron" / "iaf_psc_delta_neuron.nestml").read_text())
    out = _run([user["salnest"], "cogen", neuron.name], user["work"], user["env"]).stdout
    assert "synapse: sal_synapse__with_iaf_psc_delta_neuron" in out, out
    assert str(user["env"]["SALNEST_CACHE"]) in out  # built here, into the user's cache


def test_outside_a_checkout_the_readme_pynest_example_runs(user):
    example = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), flags=re.DOTALL)[0]
    assert "salnest.install()" in example
    out = _run([user["python"], "-c", example], user["work"], user["env"]).stdout
    w12, w21 = map(float, re.search(r"W12 = ([-\d.]+), W21 = ([-\d.]+)", out).groups())
    assert abs(w12 - 1.0) < 0.15 and abs(w21 - 1.0) < 0.15  # started at 1.5 and 0.5, as tests/docs/test_examples.py
