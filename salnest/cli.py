"""The ``salnest`` command: build, info, cogen, describe, run, plot, demo."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import warnings
from pathlib import Path

from salnest.build import BuildError
from salnest.models import REPO_ROOT

#: Exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def _cmd_build(args) -> int:
    from salnest.build import build_module, cache_root, module_path
    from salnest.models import DEFAULT_MODULES

    for module in DEFAULT_MODULES:
        cached = None if args.force else module_path(module)
        path = build_module(module, force=args.force, jobs=args.jobs)
        print(f"{'up to date' if cached else 'built'}: {path}.so")
    print(f"cache: {cache_root()}")
    return 0


def _cmd_info(args) -> int:
    from salnest.build import cache_root, module_path
    from salnest.nest_install import NestNotFoundError, find_nest
    from salnest.provenance import git_commit, package_versions

    for name, version in package_versions().items():
        print(f"{name:16s} {version}")
    print(f"{'git commit':16s} {git_commit()}")
    try:
        nest_install = find_nest()
    except NestNotFoundError as exc:
        print(f"NEST: {exc}")
        return 1
    print(f"{'NEST package':16s} {nest_install.package_dir}")
    print(f"{'NEST headers':16s} {nest_install.include_dir}")
    print(f"{'C++ string ABI':16s} {'old (pre-C++11)' if nest_install.old_string_abi else 'new (C++11)'}")
    from salnest.models import DEFAULT_MODULES

    for module in DEFAULT_MODULES:
        path = module_path(module)
        print(f"{'module':16s} {str(path) + '.so' if path else module.name + ' not built (run: salnest build)'}")
    print(f"{'module cache':16s} {cache_root()}")
    import nest

    info = nest.build_info
    print(f"{'OpenMP threads':16s} {'yes' if info.get('have_threads') else 'no'}"
          f" (threads default {nest.local_num_threads}, {os.cpu_count()} CPUs here)")
    print(f"{'MPI':16s} {'yes' if info.get('have_mpi') else 'no (NEST built without MPI; see README: clusters)'}"
          f"{f', {nest.NumProcesses()} ranks in this run' if info.get('have_mpi') else ''}")
    if info.get("have_mpi"):
        from salnest.compat.nest import nest_has_target_data_fix

        print(f"{'spike exchange':16s} " + ("compressed (NEST has salnest's fix, nest_patches/)"
                                           if nest_has_target_data_fix() else
                                           "uncompressed under MPI: NEST lacks salnest's fix (nest_patches/; README: MPI)"))
    print(f"{'GSL':16s} {'yes' if info.get('have_gsl') else 'no'}")
    import salnest.compat.nest_wheel  # noqa: F401  (declare every workaround)
    import salnest.compat.nestml  # noqa: F401
    import salnest.compat.torch  # noqa: F401
    import salnest.pynn_types  # noqa: F401
    from salnest.compat import WORKAROUNDS

    print("workarounds of upstream defects (salnest/compat; 'check' where the installed version differs):")
    for w in WORKAROUNDS.values():
        state = "" if w.matches() else f"  check: {w.installed()} installed"
        print(f"  {w.name:38s} {w.package} {w.version}{state}")
    return 0


def _cmd_cogen(args) -> int:
    from salnest.cogen import build_sal_module_for

    path, names = build_sal_module_for(args.neuron_file, args.module_name)
    print(f"module:  {path}.so")
    print(f"neuron:  {names.neuron}   (paired model {names.paired_neuron})")
    print(f"synapse: {names.synapse}")
    print("load it with:")
    print(f"  from salnest.cogen import install_sal_for; names = install_sal_for({str(args.neuron_file)!r})")
    return 0


def _cmd_demo(args) -> int:
    from pynn_networks.reciprocal_pair import main as demo

    return demo(["--out", str(args.out)])


def _cmd_describe(args) -> int:
    from salnest import registry
    from salnest.protocol import describe, read

    if args.kind is None:
        print("experiment kinds (salnest describe KIND shows the fields of one):")
        for name, kind in registry.kinds().items():
            print(f"  {name:<18} {kind.description}")
        return 0
    try:
        kind = registry.get(args.kind)
    except registry.UnknownKindError as exc:
        print(f"salnest: {exc}", file=sys.stderr)
        return 2
    print(f"{kind.name}: {kind.description}")
    print(f"runs {'in epochs, with checkpoints and resume' if kind.runs_in_epochs else 'in one piece'}; "
          f"implemented in {kind.module}")
    shipped = []
    for path in sorted((REPO_ROOT / "protocols").glob("*.toml")):
        try:
            if read(path).get("experiment", {}).get("kind") == kind.name:
                shipped.append(path.relative_to(REPO_ROOT))
        except Exception:  # a broken file is the business of 'salnest run', not of this listing
            continue
    if shipped:
        print("protocols: " + ", ".join(map(str, shipped)))
    print()
    print(describe(kind.protocol_schema()), end="")
    return 0


class _Terminated(KeyboardInterrupt):
    """SIGTERM (a cluster's time limit, a kill): stops a run like Ctrl-C."""


def _terminate(signum, frame):
    raise _Terminated()


def _override(text: str) -> tuple[str, object]:
    """``section.field=value``: the value in TOML's syntax, or else a bare string."""
    import tomllib

    key, eq, value = text.partition("=")
    if not eq:
        raise argparse.ArgumentTypeError(f"expected SECTION.FIELD=VALUE, got {text!r}")
    try:
        return key.strip(), tomllib.loads(f"value = {value}")["value"]
    except tomllib.TOMLDecodeError:
        return key.strip(), value


def _cmd_run(args) -> int:
    from salnest.parallel import is_root
    from salnest.protocol import ProtocolError
    from salnest.results import ResultsFileError
    from salnest.runner import load_protocol, run_protocol

    if args.threads is not None and args.threads < 1:
        print("salnest: --threads must be >= 1", file=sys.stderr)
        return 2
    overrides = dict(args.set)
    # validate every file before the first simulation starts
    try:
        for path in args.protocols:
            load_protocol(path, args.threads, overrides)
    except ProtocolError as exc:
        print(f"salnest: invalid protocol: {exc}", file=sys.stderr)
        return 2
    if args.output and len(args.protocols) > 1:
        print("salnest: --output needs a single protocol file", file=sys.stderr)
        return 2
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        for path in args.protocols:
            try:
                out = run_protocol(path, output=args.output, plot=not args.no_plot, threads=args.threads,
                                   overrides=overrides)
            except ResultsFileError as exc:  # raised on every rank, before any simulation
                if is_root():
                    print(f"salnest: cannot run {path}: {exc}", file=sys.stderr)
                return 2
            except KeyboardInterrupt as exc:
                if is_root():
                    print(f"salnest: {path}: {exc or 'interrupted'}", file=sys.stderr)
                terminated = isinstance(exc, _Terminated) or isinstance(exc.__context__, _Terminated)
                return 128 + signal.SIGTERM if terminated else EXIT_INTERRUPTED
            if is_root():
                print(f"{path} -> {out}")
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _cmd_plot(args) -> int:
    from salnest.figures import plot_results
    from salnest.registry import UnknownKindError, kind_of
    from salnest.results import ResultsFileError, read_dataset
    from salnest.runner import figure_path

    for path in args.results:
        try:
            ds = read_dataset(path)
            kind = kind_of(ds)
        except (ResultsFileError, UnknownKindError) as exc:
            print(f"salnest: {exc}", file=sys.stderr)
            return 2
        figure = args.figure if args.figure and len(args.results) == 1 else figure_path(path)
        print(plot_results(ds, figure))
        if kind.summary is not None:
            print(kind.summary(ds))
    return 0


def main(argv=None) -> int:
    """Entry point of the ``salnest`` console command."""
    parser = argparse.ArgumentParser(prog="salnest", description="Spike-based alignment learning for NEST and PyNN")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="generate and compile the NEST module (cached; rebuilt when sources or NEST change)")
    p.add_argument("--force", action="store_true", help="rebuild even if the cache is up to date")
    p.add_argument("--jobs", type=int, default=os.cpu_count(), help="parallel compile jobs")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("info", help="versions, module path, threads and MPI availability")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("cogen", help="co-generate the SAL synapse with your own NESTML neuron")
    p.add_argument("neuron_file", type=Path, help="a NESTML file with one neuron model")
    p.add_argument("--module-name", default=None, help="NEST module name (default: sal<neuron>module)")
    p.set_defaults(func=_cmd_cogen)

    p = sub.add_parser("describe", help="list the experiment kinds, or the protocol fields of one")
    p.add_argument("kind", nargs="?", default=None, help="an experiment kind (e.g. wake_sleep)")
    p.set_defaults(func=_cmd_describe)

    p = sub.add_parser("run", help="run protocol files (protocols/*.toml); results and figures go to results/; "
                                   "started again, a run resumes from its last checkpoint")
    p.add_argument("protocols", nargs="+", type=Path)
    p.add_argument("--output", type=Path, default=None, help="results file (default: the protocol's output)")
    p.add_argument("--no-plot", action="store_true", help="do not write the figure")
    p.add_argument("--threads", type=int, default=None,
                   help="NEST threads, overriding the protocol's experiment.threads (e.g. on a cluster node)")
    p.add_argument("--set", type=_override, action="append", default=[], metavar="SECTION.FIELD=VALUE",
                   help="override a protocol field (a TOML value; a bare word is a string), e.g. "
                        "--set network.model=sampling_network; repeatable")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("plot", help="draw the figure of results files")
    p.add_argument("results", nargs="+", type=Path)
    p.add_argument("--figure", type=Path, default=None, help="figure path (default: results/figures/<name>.png)")
    p.set_defaults(func=_cmd_plot)

    p = sub.add_parser("demo", help="SAL aligns the weights of two coupled sampling neurons "
                                    "(protocols/demo.toml; writes results/)")
    p.add_argument("--out", type=Path, default=Path("results/reciprocal_pair.nc"))
    p.set_defaults(func=_cmd_demo)

    args = parser.parse_args(argv)
    os.environ.setdefault("PYNEST_QUIET", "1")  # NESTML imports nest; its banner is noise here
    # PyNN 0.13 uses NEST calls that NEST 3.10 deprecates, and looks for nest-config to build its
    # own extensions (not needed here); users cannot act on these warnings
    for noise in (r"\s*(GetStatus|SetStatus)\(\) is deprecated", r"\s*Provided for backward compatibility",
                  r"Cannot find nest-config", r"Problem running cmake"):
        warnings.filterwarnings("ignore", message=noise, category=UserWarning)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.func(args)
    except BuildError as exc:
        print(f"salnest: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("salnest: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
