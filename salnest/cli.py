"""The ``salnest`` command: build, info, cogen, describe, protocols, check, run, plot, demo.

It works the same from a checkout and from an installed wheel, in any directory: protocols are
files or the names of bundled ones (:mod:`salnest.resources`), and results go where the protocol
says, relative to the working directory (``results/`` by default). ``python -m salnest`` is the
same command.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import warnings
from pathlib import Path

import salnest
from salnest.models.build import BuildError

#: Exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def _cmd_build(args) -> int:
    from salnest.models import DEFAULT_MODULES
    from salnest.models.build import build_module, cache_root, module_path

    for module in DEFAULT_MODULES:
        cached = None if args.force else module_path(module)
        path = build_module(module, force=args.force, jobs=args.jobs)
        print(f"{'up to date' if cached else 'built'}: {path}.so")
    print(f"cache: {cache_root()}")
    return 0


def _cmd_info(args) -> int:
    from salnest import resources
    from salnest.models.build import cache_root, module_path
    from salnest.models.nest_install import NestNotFoundError, find_nest
    from salnest.study.provenance import git_commit, package_versions

    for name, version in package_versions().items():
        print(f"{name:16s} {version}")
    print(f"{'git commit':16s} {git_commit()}")
    print(f"{'salnest package':16s} {Path(salnest.__file__).parent}")
    print(f"{'model sources':16s} {resources.nestml_models()}, {resources.cpp_models()}")
    print(f"{'protocols':16s} {resources.folder('protocols')} ({len(resources.protocols())}; salnest protocols "
          f"lists them)")
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
    print(f"{'MPI':16s} {'yes' if info.get('have_mpi') else 'no (NEST built without MPI; see docs/clusters.md)'}"
          f"{f', {nest.NumProcesses()} ranks in this run' if info.get('have_mpi') else ''}")
    if info.get("have_mpi"):
        from salnest.compat.nest import nest_has_target_data_fix

        print(f"{'spike exchange':16s} " + ("compressed (NEST has salnest's fix, nest_patches/)"
                                           if nest_has_target_data_fix() else
                                           "uncompressed under MPI: NEST lacks salnest's fix "
                                           "(nest_patches/; docs/clusters.md, MPI)"))
    print(f"{'GSL':16s} {'yes' if info.get('have_gsl') else 'no'}")
    from salnest.compat import declared

    print("workarounds of upstream defects (salnest/compat; 'check' where the installed version differs):")
    for w in declared().values():
        state = "" if w.matches() else f"  check: {w.installed()} installed"
        print(f"  {w.name:38s} {w.package} {w.version}{state}")
    return 0


def _cmd_cogen(args) -> int:
    from salnest.models.cogen import build_sal_module_for

    path, names = build_sal_module_for(args.neuron_file, args.module_name)
    print(f"module:  {path}.so")
    print(f"neuron:  {names.neuron}   (paired model {names.paired_neuron})")
    print(f"synapse: {names.synapse}")
    print("load it with:")
    print(f"  from salnest.models.cogen import install_sal_for; names = install_sal_for({str(args.neuron_file)!r})")
    return 0


def demo(output: str | Path, overrides: dict[str, object] | None = None) -> int:
    """Run the bundled demo protocol (``protocols/demo.toml``, fields changed by ``overrides``), print
    its summary and where its results and figure are; ``salnest demo`` and
    ``python pynn_networks/reciprocal_pair.py`` call it."""
    from salnest import resources
    from salnest.parallel import is_root
    from salnest.study.driver import figure_path, run_protocol
    from salnest.study.registry import get
    from salnest.study.results import read_dataset

    out = run_protocol(resources.find_protocol("demo"), output=output, overrides=overrides)
    if is_root():
        print(get("pair_trajectory").summary(read_dataset(out)))
        print(f"results: {out}\nfigure:  {figure_path(out)}")
    return 0


def _cmd_demo(args) -> int:
    from salnest.study.results import ResultsFileError

    try:
        return demo(args.out)
    except ResultsFileError as exc:  # before anything ran
        print(f"salnest: cannot run the demo: {exc}", file=sys.stderr)
        return 2


def _cmd_describe(args) -> int:
    from salnest import resources
    from salnest.study import registry
    from salnest.study.protocol import describe, read

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
    for name, path in resources.protocols().items():
        try:
            if read(path).get("experiment", {}).get("kind") == kind.name:
                shipped.append(name)
        except Exception:  # a broken file is the business of 'salnest run', not of this listing
            continue
    if shipped:
        print("bundled protocols (salnest run NAME): " + ", ".join(shipped))
    print()
    print(describe(kind.protocol_schema()), end="")
    return 0


def _cmd_protocols(args) -> int:
    from salnest import resources
    from salnest.study.protocol import ProtocolError, read

    try:
        if args.action == "copy":
            print(f"{args.name} -> {resources.copy_protocol(args.name, args.destination)}")
            return 0
        if args.action == "show":
            path = resources.protocols().get(args.name.removesuffix(".toml"))
            if path is None:
                raise resources.ResourceError(f"salnest bundles no protocol {args.name!r} (salnest protocols lists "
                                              f"them)")
            print(path.read_text(), end="")
            return 0
    except (resources.ResourceError, FileExistsError) as exc:
        print(f"salnest: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a destination that cannot be written
        print(f"salnest: cannot copy {args.name} to {args.destination}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    bundled = resources.protocols()
    print(f"bundled protocols ({resources.folder('protocols')}):")
    for name, path in bundled.items():
        try:
            experiment = read(path).get("experiment", {})
        except ProtocolError:
            experiment = {}
        print(f"  {name:<34} {experiment.get('kind', '?'):<18} {experiment.get('name', '')}")
    print("run one with 'salnest run NAME', print it with 'salnest protocols show NAME', copy it to edit with "
          "'salnest protocols copy NAME [DESTINATION]'")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, with a wrong command line refused in one line (exit 2) instead of the usage and a line."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


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


class _Refused(Exception):
    """A protocol or results file that salnest run would refuse: exit 2 and this one line."""


def _prepare(args) -> tuple[list, dict, list]:
    """Find, load and check every protocol of ``salnest run`` / ``check`` and its results file, as
    a run would before its first simulation; returns the paths, the overrides and the outputs.

    Raises
    ------
    _Refused
        With the one line to print (on MPI rank 0).
    """
    from salnest import resources
    from salnest.study.driver import check_run, figure_path
    from salnest.study.protocol import ProtocolError, load_protocol
    from salnest.study.results import ResultsFileError

    if args.threads is not None and args.threads < 1:
        raise _Refused("--threads must be >= 1")
    overrides = dict(args.set)
    if args.threads is not None:
        overrides["experiment.threads"] = args.threads  # also validated as the file's would be
    try:
        paths = [resources.find_protocol(name) for name in args.protocols]
        protocols = [load_protocol(path, overrides=overrides) for path in paths]
        if args.output and len(paths) > 1:
            raise ProtocolError("--output needs a single protocol")
        outputs = [Path(args.output or protocol["experiment"]["output"]) for protocol in protocols]
        for path, protocol, out in zip(paths, protocols, outputs):
            if outputs.count(out) > 1:
                raise ResultsFileError(f"{out} is the output of {outputs.count(out)} of these protocols; give each "
                                       f"its own (experiment.output)")
            try:
                check_run(protocol, out, None if args.no_plot else figure_path(out))
            except ResultsFileError as exc:
                raise ResultsFileError(f"cannot run {resources.shown_path(path)}: {exc}") from None
    except resources.ResourceError as exc:
        raise _Refused(str(exc)) from None
    except ProtocolError as exc:
        raise _Refused(f"invalid protocol: {exc}") from None
    except ResultsFileError as exc:  # raised on every rank
        raise _Refused(str(exc)) from None
    return paths, overrides, outputs


def _refuse(exc: _Refused) -> int:
    from salnest.parallel import is_root

    if "nest" not in sys.modules or is_root():
        print(f"salnest: {exc}", file=sys.stderr)
    return 2


def _cmd_check(args) -> int:
    try:
        paths, _, outputs = _prepare(args)
    except _Refused as exc:
        return _refuse(exc)
    for path, out in zip(paths, outputs):
        print(f"{path}: valid; results -> {out}")
    return 0


def _cmd_run(args) -> int:
    from salnest import resources
    from salnest.parallel import is_root
    from salnest.study.driver import run_protocol
    from salnest.study.results import ResultsFileError

    # every protocol and results file is checked before the first simulation starts
    try:
        paths, overrides, _ = _prepare(args)
    except _Refused as exc:
        return _refuse(exc)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        for path in paths:
            try:
                out = run_protocol(path, output=args.output, plot=not args.no_plot, overrides=overrides)
            except ResultsFileError as exc:  # raised on every rank, before any simulation
                if is_root():
                    print(f"salnest: cannot run {resources.shown_path(path)}: {exc}", file=sys.stderr)
                return 2
            except KeyboardInterrupt as exc:
                if is_root():
                    print(f"salnest: {resources.shown_path(path)}: {exc or 'interrupted'}", file=sys.stderr)
                terminated = isinstance(exc, _Terminated) or isinstance(exc.__context__, _Terminated)
                return 128 + signal.SIGTERM if terminated else EXIT_INTERRUPTED
            if is_root():
                print(f"{path} -> {out}")
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _cmd_plot(args) -> int:
    from salnest.study.driver import figure_path
    from salnest.study.figures import plot_results
    from salnest.study.registry import UnknownKindError, kind_of
    from salnest.study.results import ResultsFileError, check_output, read_dataset

    for path in args.results:
        figure = args.figure if args.figure and len(args.results) == 1 else figure_path(path)
        try:
            ds = read_dataset(path)
            kind = kind_of(ds)
            check_output(figure)
        except (ResultsFileError, UnknownKindError) as exc:
            print(f"salnest: {exc}", file=sys.stderr)
            return 2
        print(plot_results(ds, figure))
        if kind.summary is not None:
            print(kind.summary(ds))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``salnest`` command line: every subcommand with its options (the documentation's command
    reference is generated from it)."""
    parser = _Parser(prog="salnest", description="Spike-based alignment learning for NEST and PyNN")
    parser.add_argument("--version", action="version", version=f"salnest {salnest.__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an unexpected error instead of a line and a log file")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("build", help="generate and compile the NEST module (cached; rebuilt when sources or NEST "
                                     "change)")
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

    p = sub.add_parser("protocols", help="list the bundled protocols, print one, or copy one to edit")
    p.add_argument("action", nargs="?", choices=("list", "show", "copy"), default="list",
                   help="list (default), show NAME, or copy NAME [DESTINATION]")
    p.add_argument("name", nargs="?", default=None, help="a bundled protocol (salnest protocols lists them)")
    p.add_argument("destination", nargs="?", default=None,
                   help="copy: the new file, or a folder for it (default: ./NAME.toml); never overwritten")
    p.set_defaults(func=_cmd_protocols)

    for name, func, text in (
            ("run", _cmd_run, "run protocols, given as files or by the names of bundled ones (salnest protocols); "
                              "results and figures go where the protocol's output says (results/ of the working "
                              "directory); started again, a run resumes from its last checkpoint"),
            ("check", _cmd_check, "check protocols and their results files as salnest run does before it "
                                  "simulates, and run nothing (for instance before a cluster job)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("protocols", nargs="+", metavar="PROTOCOL", help="a protocol file, or a bundled protocol's name")
        p.add_argument("--output", type=Path, default=None, help="results file (default: the protocol's output)")
        p.add_argument("--no-plot", action="store_true", help="do not write the figure")
        p.add_argument("--threads", type=int, default=None,
                       help="NEST threads, overriding the protocol's experiment.threads (e.g. on a cluster node)")
        p.add_argument("--set", type=_override, action="append", default=[], metavar="SECTION.FIELD=VALUE",
                       help="override a protocol field (a TOML value; a bare word is a string), e.g. "
                            "--set network.model=sampling_network; repeatable")
        p.set_defaults(func=func)

    p = sub.add_parser("plot", help="draw the figure of results files")
    p.add_argument("results", nargs="+", type=Path)
    p.add_argument("--figure", type=Path, default=None, help="figure path (default: results/figures/<name>.png)")
    p.set_defaults(func=_cmd_plot)

    p = sub.add_parser("demo", help="SAL aligns the weights of two coupled sampling neurons "
                                    "(the bundled protocol demo; writes results/ in the working directory)")
    p.add_argument("--out", type=Path, default=Path("results/reciprocal_pair.nc"))
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``salnest`` console command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "protocols" and args.action != "list" and args.name is None:
        parser.error(f"salnest protocols {args.action} needs the NAME of a bundled protocol")
    os.environ.setdefault("PYNEST_QUIET", "1")  # NESTML imports nest; its banner is noise here
    # PyNN 0.13 uses NEST calls that NEST 3.10 deprecates, and looks for nest-config to build its
    # own extensions (not needed here); users cannot act on these warnings
    for noise in (r"\s*(GetStatus|SetStatus)\(\) is deprecated", r"\s*Provided for backward compatibility",
                  r"Cannot find nest-config", r"Problem running cmake"):
        warnings.filterwarnings("ignore", message=noise, category=UserWarning)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader went away ('salnest protocols | head'): say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except BuildError as exc:
        print(f"salnest: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("salnest: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a defect of salnest or of what it runs: one line, the details in a log
        if args.debug:
            raise
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    """Say in one line what went wrong and where the traceback is; under MPI end every rank."""
    import datetime
    import traceback

    from salnest.models.build import cache_root

    rank = 0
    if "nest" in sys.modules:  # under MPI the other ranks would wait for this one forever
        from salnest.parallel import num_processes
        from salnest.parallel import rank as mpi_rank

        rank = mpi_rank() if num_processes() > 1 else 0
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    log = cache_root() / "logs" / f"salnest-{stamp}-{os.getpid()}.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"salnest {salnest.__version__}: {' '.join(sys.argv)}\n"
                       + "".join(traceback.format_exception(exc)))
        where = f"the traceback is in {log}"
    except OSError:
        where = "the traceback could not be written to a log"
    text = " ".join(str(exc).split()) or "no message"
    print(f"salnest: unexpected error{f' on rank {rank}' if rank else ''}: {type(exc).__name__}: {text[:300]} "
          f"({where}; salnest --debug ... shows it here)", file=sys.stderr)
    if "nest" in sys.modules:
        from salnest.parallel import abort_all

        abort_all(1)
    return 1


if __name__ == "__main__":
    sys.exit(main())
