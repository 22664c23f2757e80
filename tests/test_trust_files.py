"""Results, caches and concurrency (docs/guarantees.md): each defect of issue 13 (items 1, 2, 4,
12, 13) through the real ``bench`` command, in real processes, with bounded waits."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import GOLD, ROOT, SEEDS

from bench.corpus.stream import synthetic_documents, write_jsonl

TESTS = Path(__file__).resolve().parent
TOY = "toy_system:ToySystem"
FAST = ("--repeats", "1", "--warmup", "0", "--bootstrap", "100", "-q")


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(ROOT), e.get("PYTHONPATH", "")])
    e.pop("BENCH_CACHE_DIR", None)
    return e


def bench(*args: str, cwd: Path, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env(),
        timeout=300,
        **kw,
    )


def start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )


def one_line_error(res: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
    assert "Traceback" not in res.stderr
    for n in needles:
        assert n in res.stderr, res.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copytree(GOLD, tmp_path / "gold", ignore=shutil.ignore_patterns("passes"))
    return tmp_path


def metrics(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["metrics"]


def reseal(entry: dict) -> None:
    """Give an edited cache entry a matching records digest (where the format has one), so a
    test exercises the coverage check alone."""
    if "records_sha256" in entry:
        from bench.run.cache import records_digest
        from bench.schema import PredictionRecord

        records = [PredictionRecord.model_validate(r) for r in entry["records"]]
        entry["records_sha256"] = records_digest(records)


# --- item 1: a cache entry that is not exactly what was asked for is a miss -------------------


def test_cache_entry_lacking_a_document_is_a_miss(project: Path) -> None:
    first = bench("run", "-s", TOY, *FAST, "--no-report", cwd=project)
    assert first.returncode == 0, first.stderr
    want = metrics(project / "results" / "toy.json")
    (path,) = (project / "results" / ".cache").rglob("*.json")
    entry = json.loads(path.read_text(encoding="utf-8"))
    dropped = entry["records"].pop()  # the entry now lacks its last document
    reseal(entry)
    path.write_text(json.dumps(entry), encoding="utf-8")

    again = bench("run", "-s", TOY, *FAST, "--no-report", cwd=project)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("\n") == 1 and f"lacks {dropped['doc_id']!r}" in again.stderr
    assert "recomputing" in again.stderr and "cached" not in again.stdout
    assert metrics(project / "results" / "toy.json") == want
    # The rebuilt entry is whole and used by the next run.
    third = bench("run", "-s", TOY, *FAST, "--no-report", cwd=project)
    assert "cached" in third.stdout and third.stderr == ""


def test_cache_entry_with_edited_records_is_a_miss(project: Path) -> None:
    assert bench("run", "-s", TOY, *FAST, "--no-report", cwd=project).returncode == 0
    want = metrics(project / "results" / "toy.json")
    (path,) = (project / "results" / ".cache").rglob("*.json")
    entry = json.loads(path.read_text(encoding="utf-8"))
    record = next(r for r in entry["records"] if r["spans"])
    record["spans"] = record["spans"][1:]  # a span removed, digest left as it was
    path.write_text(json.dumps(entry), encoding="utf-8")
    again = bench("run", "-s", TOY, *FAST, "--no-report", cwd=project)
    assert again.returncode == 0, again.stderr
    assert "do not match their digest" in again.stderr and "cached" not in again.stdout
    assert metrics(project / "results" / "toy.json") == want


def test_corpus_batch_entry_lacking_a_record_is_a_miss(tmp_path: Path) -> None:
    corpus, out = tmp_path / "c.jsonl", tmp_path / "out"
    write_jsonl(synthetic_documents(12, seed=3), corpus)
    args = ("run", "-s", TOY, "--corpus", str(corpus), "--out", str(out), "--batch-size", "4",
            "--bootstrap", "50", "--no-report", "-q")  # fmt: skip
    first = bench(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    preds = (out / "predictions" / "toy.jsonl").read_bytes()
    batches = sorted((out / ".cache").rglob("batches/*.json"))
    assert len(batches) == 3
    entry = json.loads(batches[1].read_text(encoding="utf-8"))
    entry["records"].pop(0)
    reseal(entry)
    batches[1].write_text(json.dumps(entry), encoding="utf-8")

    again = bench(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr and again.stderr.count("\n") == 1
    assert "recomputing" in again.stderr and "2 from the cache" in again.stdout
    assert (out / "predictions" / "toy.jsonl").read_bytes() == preds


# --- item 2: a result and its predictions are one unit -----------------------------------------


def test_report_refuses_a_result_beside_other_predictions(project: Path) -> None:
    assert bench("run", "-s", TOY, *FAST, "--no-report", cwd=project).returncode == 0
    preds = project / "results" / "predictions" / "toy.jsonl"
    other = bench("run", "-s", TOY, "-o", "names=Putin", "--label", "other", *FAST,
                  "--no-report", cwd=project)  # fmt: skip
    assert other.returncode == 0, other.stderr
    # The mismatched pair an interrupted write used to leave: new predictions, old result.
    shutil.copy(project / "results" / "predictions" / "other.jsonl", preds)
    res = bench("report", "--results", "results", cwd=project)
    one_line_error(res, "results/predictions/toy.jsonl", "predictions_sha256", "toy.json")
    assert not (project / "results" / "errors").exists()


def _no_bigger_than(limit: int):
    def limit_writes() -> None:  # in the child: a file-size limit stands in for a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_writes


def test_full_disk_while_writing_keeps_the_old_pair(project: Path) -> None:
    assert bench("run", "-s", TOY, *FAST, "--no-report", cwd=project).returncode == 0
    out = project / "results"
    pair = [out / "toy.json", out / "predictions" / "toy.jsonl"]
    before = {p: p.read_bytes() for p in pair}
    # The new predictions (about 11 kB) fit under 20 kB; the new result (about 44 kB) does not.
    res = bench("run", "-s", TOY, "-o", "names=Putin", *FAST, "--no-cache", "--no-report",
                cwd=project, preexec_fn=_no_bigger_than(20_000))  # fmt: skip
    one_line_error(res, "results/toy.json: cannot write")
    assert {p: p.read_bytes() for p in pair} == before
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert bench("report", "--results", "results", cwd=project).returncode == 0


def test_kill_9_leaves_no_temporary_that_the_next_run_keeps(tmp_path: Path) -> None:
    corpus, out = tmp_path / "big.jsonl", tmp_path / "out"
    write_jsonl(synthetic_documents(400, seed=2), corpus)
    args = ("run", "-s", TOY, "-o", "delay=0.01", "--corpus", str(corpus), "--out", str(out),
            "--batch-size", "10", "--bootstrap", "20", "--no-report", "-q")  # fmt: skip
    proc = start(*args, cwd=tmp_path)
    deadline = time.monotonic() + 60
    temps: list[Path] = []
    while not temps and time.monotonic() < deadline and proc.poll() is None:
        temps = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
        time.sleep(0.05)
    proc.kill()
    proc.communicate(timeout=30)
    assert temps and all(p.exists() for p in temps)  # killed mid-write: its temporary stays
    again = bench(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


# --- item 4: a real lock around each read-modify-write -----------------------------------------


def _hold_lock(directory: Path):
    import fcntl

    fd = os.open(directory, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _release(fd: int) -> None:
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def test_run_waits_for_the_results_directory_lock(project: Path) -> None:
    out = project / "results"
    out.mkdir()
    fd = _hold_lock(out)
    try:
        proc = start("run", "-s", TOY, *FAST, cwd=project)
        time.sleep(6)  # far longer than the toy run takes: it is waiting for the lock
        assert proc.poll() is None, proc.communicate()
        assert not (out / "toy.json").exists()
    finally:
        _release(fd)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert (out / "toy.json").is_file() and (out / "errors" / "toy.html").is_file()


def test_concurrent_runs_into_one_out_keep_every_page(project: Path) -> None:
    labels = [f"t{i}" for i in range(4)]
    procs = [start("run", "-s", TOY, "--label", lab, *FAST, cwd=project) for lab in labels]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    pages = sorted(p.stem for p in (project / "results" / "errors").glob("*.html"))
    assert pages == labels
    board = (project / "results" / "LEADERBOARD.md").read_text(encoding="utf-8")
    assert all(f"| {lab} " in board for lab in labels)


def test_concurrent_gold_adds_all_land(project: Path) -> None:
    sources = []
    for i in range(5):
        src = project / f"article{i}.txt"
        src.write_text(f"Article {i}: Vladimir Putin spoke on 3 March 2018.\n", encoding="utf-8")
        sources.append(src)
    procs = [
        start("gold", "add", str(s), "--date", "2018-03-03", "--doc-id", f"new_{i}", cwd=project)
        for i, s in enumerate(sources)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    corpus = json.loads((project / "seeds" / "corpus.json").read_text(encoding="utf-8"))
    ids = {d["doc_id"] for d in corpus["documents"]}
    assert {f"new_{i}" for i in range(5)} <= ids and len(ids) == 10


# --- item 12 (write side): checked before the system runs, one line on a write error ----------


def test_out_or_cache_dir_that_is_a_file_fails_before_the_run(project: Path) -> None:
    (project / "afile").write_text("x", encoding="utf-8")
    # delay=30 would make a run that reached the system take minutes: the check comes first.
    slow = ("run", "-s", TOY, "-o", "delay=30", *FAST, "--no-report")
    t0 = time.monotonic()
    one_line_error(bench(*slow, "--out", "afile", cwd=project), "--out afile: is a file")
    one_line_error(bench(*slow, "--cache-dir", "afile", cwd=project), "--cache-dir afile")
    (project / "README.md").mkdir()
    one_line_error(bench("run", "-s", TOY, "-o", "delay=30", *FAST, "--readme", "README.md",
                         cwd=project), "README.md: is a directory")  # fmt: skip
    one_line_error(bench(*slow[:-1], "--readme", "gold", cwd=project), "gold: is a directory")
    assert time.monotonic() - t0 < 60
    assert not (project / "results" / "toy.json").exists()


def test_read_only_out_fails_before_the_run(project: Path) -> None:
    ro = project / "ro"
    ro.mkdir()
    mounted = False
    if os.geteuid() == 0:  # root writes through permissions: use a read-only mount
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(ro)],
                              capture_output=True)  # fmt: skip
        if done.returncode != 0:
            pytest.skip("running as root without a way to make a read-only directory")
        mounted = True
    else:
        ro.chmod(0o555)
    try:
        res = bench("run", "-s", TOY, "-o", "delay=30", *FAST, "--no-report", "--out", "ro",
                    cwd=project)  # fmt: skip
        one_line_error(res, "--out ro: not writable")
    finally:
        if mounted:
            subprocess.run(["umount", str(ro)], check=True)
        else:
            ro.chmod(0o755)


# --- item 13: bounded resources; workers die with their parent --------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("run", "-s", TOY, "--bootstrap", "100000000"), "--bootstrap: must be between 0 and"),
        (
            ("score", "-p", "none.jsonl", "--bootstrap", "100000000"),
            "--bootstrap: must be between 0 and",
        ),
        (("run", "-s", TOY, "--corpus", ".", "--workers", "1000"), "--workers: must be"),
        (("run", "-s", TOY, "--repeats", "100000"), "--repeats: must be between 1 and 100"),
        (("run", "-s", TOY, "--warmup", "100000"), "--warmup: must be between 0 and 100"),
        (("run", "-s", TOY, "--batch-size", "10000000"), "--batch-size: must be between"),
    ],
)
def test_resource_knobs_past_their_bound_are_refused(
    project: Path, args: tuple[str, ...], needle: str
) -> None:
    t0 = time.monotonic()
    one_line_error(bench(*args, cwd=project), needle)
    assert time.monotonic() - t0 < 60


def test_more_workers_than_cpus_are_clamped(tmp_path: Path) -> None:
    from bench.limits import available_cpus

    corpus = tmp_path / "c.jsonl"
    write_jsonl(synthetic_documents(8, seed=1), corpus)
    cpus = available_cpus()
    res = bench("run", "-s", TOY, "--corpus", str(corpus), "--workers", str(cpus + 14),
                "--out", "out", "--bootstrap", "0", "--no-report", "-q", cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert f"using {cpus} workers" in res.stderr and res.stderr.count("\n") == 1
    assert ("in process" if cpus == 1 else f"{cpus} processes") in res.stdout


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_kill_9_of_run_takes_its_workers_along(tmp_path: Path) -> None:
    corpus = tmp_path / "big.jsonl"
    write_jsonl(synthetic_documents(400, seed=2), corpus)
    proc = start("run", "-s", TOY, "-o", "delay=0.05", "--corpus", str(corpus), "--workers", "2",
                 "--out", "out", "--batch-size", "5", "--bootstrap", "0", "--no-report", "-q",
                 cwd=tmp_path)  # fmt: skip
    workers: list[int] = []
    deadline = time.monotonic() + 90
    cache = tmp_path / "out" / ".cache"
    # Wait until the workers have finished a batch (so they are up and working).
    while time.monotonic() < deadline and proc.poll() is None:
        if list(cache.rglob("batches/*.json")):
            workers = [k for k in _children(proc.pid) if _alive(k)]
            if len(workers) >= 2:
                break
        time.sleep(0.1)
    assert proc.poll() is None and len(workers) >= 2, proc.communicate()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)  # not communicate(): orphaned workers would hold its pipes open
    deadline = time.monotonic() + 15
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:  # do not leave them running after the test
        os.kill(w, signal.SIGKILL)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    assert not left, f"workers {left} outlived their parent"


def test_digest_of_predictions_is_recorded(project: Path) -> None:
    assert bench("run", "-s", TOY, *FAST, "--no-report", cwd=project).returncode == 0
    data = json.loads((project / "results" / "toy.json").read_text(encoding="utf-8"))
    preds = (project / "results" / "predictions" / "toy.jsonl").read_bytes()
    assert data["predictions_sha256"] == hashlib.sha256(preds).hexdigest()
