"""One error type for user errors: a one-line message and an exit code, never a traceback."""

from __future__ import annotations


class BenchError(Exception):
    """A user-facing error: ``str(err)`` is one line naming file, line and field."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ParameterError(BenchError):
    """A bad argument of a library function: ``str(err)`` is ``param: problem`` (or
    ``a, b: problem`` when the problem is between parameters).

    The library names its parameters (``bootstrap``, ``batch_size``); only the command line
    turns them into flags (``--bootstrap``, ``--batch-size``), in :func:`bench.cli.main`.
    """

    def __init__(self, param: str | tuple[str, ...], problem: str, exit_code: int = 2) -> None:
        params = (param,) if isinstance(param, str) else param
        super().__init__(f"{', '.join(params)}: {problem}", exit_code)
        self.params = params
        self.param = params[0]
        self.problem = problem


class MissingExtraError(BenchError):
    """An optional dependency is not installed: says which extra to install, in one line."""

    def __init__(self, what: str, extra: str, module: str) -> None:
        super().__init__(f"{what} needs {module}: pip install 'bench[{extra}]'")
        self.extra = extra
        self.module = module


def need(module: str, extra: str, what: str) -> None:
    """Raise :class:`MissingExtraError` unless ``module`` can be imported."""
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise MissingExtraError(what, extra, module)


def location(path: object, line: int | None = None, field: str | None = None) -> str:
    """Format ``FILE[:LINE][: field]`` the same way everywhere."""
    out = str(path)
    if line is not None:
        out += f":{line}"
    if field:
        out += f": {field}"
    return out


def one_line(exc: BaseException) -> str:
    """``Type: first line of the message``: how a caught exception is reported in one line."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def shorten(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to about ``limit`` characters: user data echoed in an error can be
    megabytes long (a huge single line), and the error must stay one short line."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f" ({len(value):,} chars)" if isinstance(value, str) else ""
    return text[: limit - 1] + "…" + size


def single_line(message: str, limit: int = 2000) -> str:
    """``message`` on one line (newlines folded) and at most ``limit`` characters long."""
    flat = " ".join(part.strip() for part in message.splitlines() if part.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
