"""``bench run``: run systems over the gold corpus, write results, rebuild the leaderboard.

Everything it writes is under ``--out`` (and the cache); README.md only with ``--readme``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bench.run.result import Result
    from bench.schema import LabelMapSpec


def run(
    system: Annotated[
        str | None,
        typer.Option(
            "--system",
            "-s",
            help=(
                "System name (see `bench systems`) or module:Class. module:Class imports "
                "that module and so runs its code, as `python -m` would: name only modules "
                "you trust (standard-library targets such as os:system are refused)."
            ),
        ),
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="System option key=value (repeatable)."),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(help="Name of the result (file stem, leaderboard row); default: the system."),
    ] = None,
    all_available: Annotated[
        bool,
        typer.Option(
            "--all-available",
            help="Run every installed system that needs no required option, with defaults.",
        ),
    ] = False,
    gold: Annotated[Path, typer.Option(help="Directory of gold files.")] = Path("gold"),
    texts: Annotated[Path, typer.Option(help="Directory of the documents' texts.")] = Path("seeds"),
    out: Annotated[Path, typer.Option(help="Directory for results.")] = Path("results"),
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="Stream this corpus instead of --gold/--texts: a directory with gold/ and "
            "texts/, a .jsonl or .parquet file, or a dataset saved with save_to_disk "
            "(docs/scale.md).",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="With --corpus: worker processes (or local Dask workers).")
    ] = 1,
    executor: Annotated[
        str, typer.Option(help="With --corpus: where batches run: local or dask.")
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(help="With --executor dask: scheduler address (default: a local cluster)."),
    ] = None,
    repeats: Annotated[
        int | None, typer.Option(help="Timed passes over the corpus (default 3; --corpus: 1).")
    ] = None,
    warmup: Annotated[
        int | None, typer.Option(help="Untimed passes before the timed ones (default 1).")
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Documents per extract call.")
    ] = 64,
    latency: Annotated[
        bool, typer.Option(help="Measure per-document latency (one extra pass if batched).")
    ] = True,
    cache: Annotated[
        bool, typer.Option(help="Reuse cached predictions of the same system, options, texts.")
    ] = True,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Cache directory; default $BENCH_CACHE_DIR or <out>/.cache."),
    ] = None,
    allow_failures: Annotated[
        bool,
        typer.Option(
            "--allow-failures", help="Exit 0 even when documents failed (they are recorded)."
        ),
    ] = False,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for CIs (0: none).")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap (and of --sample).")] = 0,
    report: Annotated[
        bool, typer.Option(help="Rebuild the leaderboard, plot and error pages afterwards.")
    ] = True,
    readme: Annotated[
        Path | None,
        typer.Option(
            help="README whose leaderboard block to rewrite from --out (only when given, and "
            "only if its block links to --out's leaderboard)."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no table.")
    ] = False,
    per_label: Annotated[
        bool, typer.Option("--per-label", help="Add a row per label to the table.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option(help="Only the first N documents (doc_id order); a subset run.")
    ] = None,
    sample: Annotated[
        int | None, typer.Option(help="Only N documents drawn with --seed; a subset run.")
    ] = None,
    tokens: Annotated[
        bool,
        typer.Option(
            "--tokens", help="With --corpus: snap predictions to the corpus's recorded tokens."
        ),
    ] = False,
    layer: Annotated[
        list[str] | None,
        typer.Option(
            "--layer",
            "-l",
            help="Score only this layer (repeatable; default: the system's "
            "layers that the corpus's label set has).",
        ),
    ] = None,
    label_map: Annotated[
        str | None,
        typer.Option(
            "--label-map",
            help="Map the system's labels onto the corpus's: a preset (ontonotes-conll2003, "
            "ontonotes-timeml) or a JSON file (docs/formats.md, 'Label maps').",
        ),
    ] = None,
) -> None:
    """Run a system over the corpus: time it, score it, write results/<label>.json."""
    from bench.corpus.gold import load_gold_dir
    from bench.corpus.subset import subset_ids, take
    from bench.errors import BenchError
    from bench.escape import visible
    from bench.files import check_writable, locked
    from bench.limits import check_bootstrap
    from bench.protocol import parse_option_args
    from bench.registry import create_system
    from bench.run.cache import PredictionCache, default_dir
    from bench.run.driver import run_system
    from bench.run.layout import write_run
    from bench.run.sweep import RunRequest, run_each
    from bench.run.timing import RunSettings
    from bench.scoring.resample import check_seed

    check_seed(seed)
    from bench.corpus.labels import load_label_map

    spec = load_label_map(label_map) if label_map else None
    if all_available and (system or option or label):
        raise BenchError("--all-available: cannot be combined with --system, --option or --label")
    if not all_available and not system:
        raise BenchError("--system: give a system name (see `bench systems`) or --all-available")
    if readme is not None:
        # Refuse before the systems run, not after.
        if not report:
            raise BenchError("--readme: rewriting the README needs the report (drop --no-report)")
        from bench.report.rebuild import check_readme_target

        check_readme_target(readme, out)
    check_bootstrap(bootstrap)

    def check_outputs() -> None:
        # Everything a run writes must be writable before the system runs (it may take hours).
        check_writable(out, "--out", directory=True)
        if cache:
            check_writable(cache_dir or default_dir(out), "--cache-dir", directory=True)
        if report and readme is not None:
            check_writable(readme, "--readme", directory=False)

    if corpus is not None:
        if limit is not None or sample is not None:
            raise BenchError("--limit, --sample: not with --corpus (seed-corpus runs only)")
        if all_available:
            raise BenchError("--corpus: run one --system at a time")
        if repeats not in (None, 1) or warmup not in (None, 0):
            raise BenchError(
                "--corpus: a streamed run makes one timed pass (no --repeats/--warmup)"
            )
        check_outputs()
        _run_corpus(
            system or "",
            parse_option_args(option or []),
            corpus,
            out,
            label=label,
            batch_size=batch_size,
            executor=executor,
            workers=workers,
            address=address,
            cache_dir=(cache_dir or default_dir(out)) if cache else None,
            progress=not quiet,
            bootstrap=bootstrap,
            seed=seed,
            allow_failures=allow_failures,
            report=report,
            readme=readme,
            tokens=tokens,
            layers=layer,
            label_map=spec,
            per_label=None if quiet else per_label,
        )
        return
    if tokens:
        raise BenchError("--tokens: only with --corpus (the seed gold records no tokens)")
    if workers != 1 or executor != "local" or address:
        raise BenchError("--workers, --executor, --address: only with --corpus (try --corpus .)")
    settings = RunSettings(
        repeats=3 if repeats is None else repeats,
        warmup=1 if warmup is None else warmup,
        batch_size=batch_size,
        latency=latency,
    )
    options = parse_option_args(option or [])
    gold_docs = load_gold_dir(gold, texts)
    ids, subset = subset_ids(gold_docs, limit=limit, sample=sample, seed=seed)
    gold_docs = take(gold_docs, ids)
    store = PredictionCache(cache_dir or default_dir(out)) if cache else None
    failed: list[str] = []
    broken: list[str] = []
    if all_available:
        check_outputs()
        request = RunRequest(
            gold_dir=gold,
            texts_dir=texts,
            out_dir=out,
            settings=settings,
            cache_dir=(cache_dir or default_dir(out)) if cache else None,
            progress=not quiet,
            bootstrap=bootstrap,
            seed=seed,
            layers=tuple(layer) if layer else None,
            label_map=spec,
            limit=limit,
            sample=sample,
        )
        for done in run_each(available_systems(), request):
            if done.result is None:
                typer.echo(f"error: {visible(done.error or '')}", err=True)
                broken.append(done.name)
                continue
            _print_run(done.result, done.result_path, done.predictions_path, quiet, per_label)
            if done.result.failures:
                failed.append(done.name)
    else:
        sys_ = create_system(system or "", options)
        check_outputs()
        outcome = run_system(
            sys_,
            gold_docs,
            settings,
            label=label,
            cache=store,
            progress=not quiet,
            bootstrap=bootstrap,
            seed=seed,
            layers=layer,
            label_map=spec,
            subset=subset,
        )
        with locked(out):  # write the pair and rebuild the report as one turn
            res_path, preds_path = write_run(outcome, out)
            _print_run(outcome.result, res_path, preds_path, quiet, per_label)
            if report:
                _report(out, readme, gold, texts)
        if outcome.result.failures:
            failed.append(f"{outcome.result.system.label} ({len(outcome.result.failures)})")
    if report and all_available:
        with locked(out):
            _report(out, readme, gold, texts)
    if broken:
        typer.echo(f"error: could not run {', '.join(broken)}", err=True)
        raise typer.Exit(2)
    if failed and not allow_failures:
        typer.echo(
            f"error: documents failed in {', '.join(failed)}; results are written and score "
            "them as predicting nothing; pass --allow-failures to accept",
            err=True,
        )
        raise typer.Exit(1)


def _print_run(
    result: Result, res_path: Path | None, preds_path: Path | None, quiet: bool, per_label: bool
) -> None:
    """The run's table (or with ``quiet`` its summary line), the files it wrote and its failed
    documents."""
    from bench.escape import visible
    from bench.report.terminal import print_run, summary_line

    if quiet:
        typer.echo(summary_line(result))
    else:
        print_run(result, per_label=per_label)
    typer.echo(f"  wrote {res_path} and {preds_path}")
    for f in result.failures:
        typer.echo(f"  failed: {f.doc_id}: {visible(f.error)}", err=True)


def _run_corpus(
    spec: str,
    options: dict[str, str],
    corpus: Path,
    out: Path,
    *,
    label: str | None,
    batch_size: int,
    executor: str,
    workers: int,
    address: str | None,
    cache_dir: Path | None,
    progress: bool,
    bootstrap: int,
    seed: int,
    allow_failures: bool,
    report: bool,
    readme: Path | None,
    tokens: bool = False,
    layers: list[str] | None = None,
    label_map: LabelMapSpec | None = None,
    per_label: bool | None,
) -> None:
    from bench.corpus.stream import open_corpus
    from bench.escape import visible
    from bench.registry import create_system
    from bench.report.terminal import print_run, summary_line
    from bench.run.cache import PredictionCache
    from bench.run.driver import run_corpus
    from bench.run.executor import SystemSpec

    sys_ = create_system(spec, options)
    outcome = run_corpus(
        sys_,
        SystemSpec(spec, tuple(sorted(options.items()))),
        open_corpus(corpus),
        out,
        label=label,
        batch_size=batch_size,
        executor=executor,
        workers=workers,
        address=address,
        cache=PredictionCache(cache_dir) if cache_dir is not None else None,
        progress=progress,
        bootstrap=bootstrap,
        seed=seed,
        tokens=tokens,
        layers=layers,
        label_map=label_map,
    )
    result = outcome.result
    if per_label is None:
        typer.echo(summary_line(result))
    else:
        print_run(result, per_label=per_label)
    typer.echo(
        f"  {outcome.batches} batches ({outcome.executor}), {outcome.reused} from the cache; "
        f"wrote {outcome.result_path} and {outcome.predictions_path}"
    )
    for f in result.failures[:20]:
        typer.echo(f"  failed: {f.doc_id}: {visible(f.error)}", err=True)
    if report:
        from bench.files import locked

        with locked(out):
            _report(out, readme, None, None)
    if result.failures and not allow_failures:
        typer.echo(
            f"error: {len(result.failures)} documents failed in {result.system.label}; results "
            "are written and score them as predicting nothing; pass --allow-failures to accept",
            err=True,
        )
        raise typer.Exit(1)


def _report(out: Path, readme: Path | None, gold: Path | None, texts: Path | None) -> None:
    """Rebuild the leaderboard, plot and error pages of ``out`` (the caller holds its lock)."""
    from bench.escape import visible
    from bench.report.rebuild import build_report

    rep = build_report(out, readme=readme, gold_dir=gold, texts_dir=texts)
    same = f" ({len(rep.unchanged)} unchanged)" if rep.unchanged else ""
    typer.echo(f"  leaderboard: {', '.join(str(p) for p in rep.written) or 'nothing new'}{same}")
    for note in rep.notes:
        typer.echo(f"note: {visible(note)}", err=True)


def available_systems() -> list[str]:
    """Names of the systems ``--all-available`` runs; each one left out is named on stderr."""
    from bench.run.sweep import survey_systems

    names, skipped = survey_systems()
    for skip in skipped:
        why = f"needs --option {', '.join(skip.needs)}" if skip.needs else skip.reason
        typer.echo(f"skip {skip.name}: {why}", err=True)
    return names
