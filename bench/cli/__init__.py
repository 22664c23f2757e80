"""The ``bench`` command line: a thin typer shell over the library.

Sub-commands live one per module in this package and import heavy libraries only inside
their functions, so ``bench --help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

import typer

from bench.errors import BenchError, ParameterError, single_line
from bench.escape import visible

# Top-level commands in the order ``bench --help`` lists them: name -> (module in this
# package, attribute, whether it is a group of sub-commands).
COMMANDS: dict[str, tuple[str, str, bool]] = {
    "gold": ("gold", "app", True),
    "corpus": ("corpus", "app", True),
    "predictions": ("predictions", "app", True),
    "score": ("score", "score", False),
    "systems": ("systems", "systems", False),
    "run": ("run", "run", False),
    "report": ("report", "report", False),
    "schema": ("schema", "app", True),
    "compare": ("compare", "compare", False),
    "diff": ("diff", "diff", False),
}


def make_app(names: Iterable[str] = COMMANDS) -> typer.Typer:
    """The ``bench`` app with the top-level commands ``names`` (by default all of them).

    Typer builds a click command, with every parameter's converter, for each registered
    command on every call; :func:`main` registers only the invoked one (docs/scale.md,
    "Start-up"), which parses and behaves exactly as it does among all the others.
    """
    import importlib

    app = typer.Typer(
        name="bench",
        help="Benchmark extractors of entities, dates and numbers: gold, scoring, throughput.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # Plain click help: rich's help renderer (rich.markdown, markdown_it, ...) would
        # double the start-up time of every command (docs/scale.md, "Start-up").
        rich_markup_mode=None,
    )
    for name in names:
        module, attribute, group = COMMANDS[name]
        target = getattr(importlib.import_module(f"bench.cli.{module}"), attribute)
        if group:
            app.add_typer(target, name=name)
        else:
            app.command(name=name)(target)
    # With one command registered, typer would run it without its name; a callback keeps
    # ``bench NAME ...`` a group with one sub-command.
    app.callback()(_group)
    return app


def _group() -> None:
    """Benchmark extractors of entities, dates and numbers: gold, scoring, throughput."""


def __getattr__(name: str) -> typer.Typer:
    # ``bench.cli.app``, every command registered, built on first use (tests call it).
    if name == "app":
        app = make_app()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def app_for(args: Sequence[str]) -> typer.Typer:
    """The app for a command line: only the invoked top-level command, or every command
    for ``bench``, ``bench --help`` and an unknown name (whose error lists them)."""
    if args and args[0] in COMMANDS:
        return make_app([args[0]])
    return make_app()


# Library parameters whose flag is not their name with dashes.
_FLAGS = {"layers": "--layer", "doc_ids": "--doc", "options": "--option"}
_FLAGS["label_map"] = "--label-map"
_FLAGS.update(gold_dir="--gold", texts_dir="--texts")


def flag(param: str) -> str:
    """The command-line flag of a library parameter: ``batch_size`` -> ``--batch-size``."""
    return _FLAGS.get(param, "--" + param.replace("_", "-"))


def message(exc: BenchError) -> str:
    """The error as the command line shows it: parameter names become ``--flags``."""
    if isinstance(exc, ParameterError):
        return f"{', '.join(flag(p) for p in exc.params)}: {exc.problem}"
    return str(exc)


def main() -> None:
    """Console entry point: user errors become one line on stderr and an exit code."""
    try:
        app_for(sys.argv[1:])()
    except BenchError as exc:
        print(f"error: {visible(single_line(message(exc)))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
