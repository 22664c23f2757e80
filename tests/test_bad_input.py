"""Bad input, command by command: every case is one short ``error:`` line naming the file, the
field (and the line, for JSON Lines), exit code 2 (1 from ``bench gold validate``), and nothing
written. Each case breaks a copy of the real corpus in one way and runs the real entry point.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import DOC, GOLD, ROOT, SEEDS

from bench.cli import main

MAX_LINE = 400  # an error line echoing user data stays short even when the data is megabytes


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run(args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> Outcome:
    """``bench ARGS`` through the console entry point, in this process (fast, same code path)."""
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["bench", *args])
    capsys.readouterr()
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    return Outcome(code, cap.out, cap.err)


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the hash of its bytes: to prove nothing was written."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A copy of the real corpus (seeds/, gold/) and predictions for it (pred.jsonl)."""
    from bench.corpus.gold import load_gold_dir
    from bench.corpus.predictions import write_predictions
    from bench.schema import PredictedSpan

    root = tmp_path / "work"
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(GOLD, root / "gold", ignore=shutil.ignore_patterns("passes", "*.md"))
    gold = load_gold_dir(root / "gold", root / "seeds")
    preds = {
        doc_id: [
            PredictedSpan(start=s.start, end=s.end, label=s.label, value=s.value)
            for s in doc.gold.spans[:3]
        ]
        for doc_id, doc in gold.items()
    }
    write_predictions(root / "pred.jsonl", preds)
    return root


def check_error(o: Outcome, code: int, *words: str) -> str:
    """The one error line: right exit code, names every word, short, no traceback."""
    assert o.code == code, (o.code, o.out, o.err)
    assert "Traceback" not in o.err + o.out
    if code == 2:
        assert o.err.startswith("error: ") and o.err.count("\n") == 1, o.err
        line = o.err
    else:  # bench gold validate: one line per violation on stdout, a count on stderr
        lines = o.out.splitlines()
        assert lines, o.err
        line = lines[0]
    assert len(line) < MAX_LINE, line[:MAX_LINE]
    for w in words:
        assert w in line, (w, line)
    return line


# --- gold files: `bench gold validate` finds them (1), `bench score` refuses them (2) -----------

GOLD_FILE = f"gold/{DOC}.json"


def _gold(work: Path) -> dict:
    return json.loads((work / GOLD_FILE).read_text("utf-8"))


def _write_gold(work: Path, data: dict) -> None:
    from bench.corpus.gold import dump_gold
    from bench.schema import GoldDocument

    (work / GOLD_FILE).write_text(dump_gold(GoldDocument.model_construct(**data)), "utf-8")


def _span_line(work: Path, i: int) -> int:
    from bench.corpus.jsonloc import array_element_lines

    return array_element_lines((work / GOLD_FILE).read_text("utf-8"), "spans")[i]


def _edit_span(work: Path, i: int, **changes: object) -> None:
    """Rewrite span ``i`` of the gold file in place, keeping one span per line."""
    raw = (work / GOLD_FILE).read_text("utf-8").split("\n")
    n = _span_line(work, i) - 1
    body = raw[n].rstrip().rstrip(",")
    span = json.loads(body)
    span.update(changes)
    raw[n] = raw[n].replace(body, json.dumps(span, ensure_ascii=False))
    (work / GOLD_FILE).write_text("\n".join(raw), "utf-8")


def g_truncated(work: Path) -> list[str]:
    raw = (work / GOLD_FILE).read_bytes()
    (work / GOLD_FILE).write_bytes(raw[: len(raw) // 2])
    return [GOLD_FILE, "json:"]


def g_invalid(work: Path) -> list[str]:
    line = _span_line(work, 2)
    raw = (work / GOLD_FILE).read_text("utf-8").split("\n")
    raw[line - 1] = raw[line - 1].replace('"layer": ', '"layer" ', 1)
    (work / GOLD_FILE).write_text("\n".join(raw), "utf-8")
    return [f"{GOLD_FILE}:{line}: json:"]


def g_string_offset(work: Path) -> list[str]:
    start = _gold(work)["spans"][1]["start"]
    _edit_span(work, 1, start=str(start))
    return [f"{GOLD_FILE}:{_span_line(work, 1)}: spans[1].start:", "integer"]


def g_bool_offset(work: Path) -> list[str]:
    _edit_span(work, 0, end=True)
    return [f"{GOLD_FILE}:{_span_line(work, 0)}: spans[0].end:"]


def g_float_offset(work: Path) -> list[str]:
    _edit_span(work, 0, end=float(_gold(work)["spans"][0]["end"]))
    return [f"{GOLD_FILE}:{_span_line(work, 0)}: spans[0].end:"]


def g_spans_not_a_list(work: Path) -> list[str]:
    data = _gold(work)
    data["spans"] = {"start": 0}
    (work / GOLD_FILE).write_text(json.dumps(data), "utf-8")
    return [f"{GOLD_FILE}: spans:"]


def g_past_end(work: Path) -> list[str]:
    n = len((work / f"seeds/{DOC}.txt").read_text("utf-8"))
    last = len(_gold(work)["spans"]) - 1
    _edit_span(work, last, end=n + 5)
    return [f"{GOLD_FILE}:{_span_line(work, last)}: spans[{last}].end:", f"<= {n}"]


def g_text_mismatch(work: Path) -> list[str]:
    _edit_span(work, 0, text="Not the text")
    return [f"{GOLD_FILE}:{_span_line(work, 0)}: spans[0].text:", "'Not the text'"]


def g_overlap(work: Path) -> list[str]:
    text = (work / f"seeds/{DOC}.txt").read_text("utf-8")
    spans = _gold(work)["spans"]
    i = next(
        k
        for k in range(len(spans) - 1)
        if spans[k]["layer"] == spans[k + 1]["layer"] == "entity"
        and spans[k + 1]["start"] - spans[k]["end"] < 30
    )
    a, b = spans[i]["start"], spans[i + 1]["start"] + 1
    _edit_span(work, i, end=b, text=text[a:b])
    return [f"{GOLD_FILE}:{_span_line(work, i + 1)}: spans[{i + 1}].start:", "overlaps"]


def g_unknown_label(work: Path) -> list[str]:
    _edit_span(work, 0, label="CELEBRITY")
    return [f"{GOLD_FILE}:{_span_line(work, 0)}: spans[0].label:", "'CELEBRITY'"]


def g_wrong_layer_label(work: Path) -> list[str]:
    _edit_span(work, 0, label="DATE")
    return [f"{GOLD_FILE}:{_span_line(work, 0)}: spans[0].label:", "'DATE'"]


def g_doc_id_separator(work: Path) -> list[str]:
    raw = (work / GOLD_FILE).read_text("utf-8")
    (work / GOLD_FILE).write_text(raw.replace(f'"doc_id": "{DOC}"', '"doc_id": "gold/x"'), "utf-8")
    return [f"{GOLD_FILE}: doc_id:", "not a safe id"]


def g_doc_id_dotdot(work: Path) -> list[str]:
    raw = (work / GOLD_FILE).read_text("utf-8")
    (work / GOLD_FILE).write_text(raw.replace(f'"doc_id": "{DOC}"', '"doc_id": ".."'), "utf-8")
    return [f"{GOLD_FILE}: doc_id:", "not a safe id"]


def g_not_utf8(work: Path) -> list[str]:
    line = _span_line(work, 3)
    raw = (work / GOLD_FILE).read_bytes().split(b"\n")
    raw[line - 1] = raw[line - 1].replace(b'"text": "', b'"text": "\xff', 1)
    (work / GOLD_FILE).write_bytes(b"\n".join(raw))
    return [f"{GOLD_FILE}:{line}: text: not UTF-8"]


def g_bom(work: Path) -> list[str]:
    (work / GOLD_FILE).write_bytes(b"\xef\xbb\xbf" + (work / GOLD_FILE).read_bytes())
    return [f"{GOLD_FILE}: text:", "byte-order mark"]


def g_empty_file(work: Path) -> list[str]:
    (work / GOLD_FILE).write_bytes(b"")
    return [f"{GOLD_FILE}:1: json:"]


def g_not_an_object(work: Path) -> list[str]:
    (work / GOLD_FILE).write_text("[1, 2]\n", "utf-8")
    return [f"{GOLD_FILE}: (document):"]


def g_empty_document(work: Path) -> list[str]:
    """A registered document whose text is empty: nothing to annotate or extract."""
    from bench.corpus.gold import dump_gold
    from bench.corpus.texts import sha256_text
    from bench.schema import CorpusMeta, GoldDocument

    meta_path = work / "seeds/corpus.json"
    meta = CorpusMeta.model_validate_json(meta_path.read_text("utf-8"))
    entry = meta.documents[0].model_copy(
        update={"doc_id": "empty_doc", "sha256": sha256_text(""), "chars": 0, "words": 0}
    )
    meta_path.write_text(
        meta.model_copy(update={"documents": [*meta.documents, entry]}).model_dump_json(), "utf-8"
    )
    (work / "seeds/empty_doc.txt").write_bytes(b"")
    gold = GoldDocument(
        doc_id="empty_doc", document_date=entry.document_date, text_sha256=sha256_text("")
    )
    (work / "gold/empty_doc.json").write_text(dump_gold(gold), "utf-8")
    return ["seeds/empty_doc.txt: text:", "empty"]


def g_missing_text(work: Path) -> list[str]:
    (work / f"seeds/{DOC}.txt").unlink()
    return [f"{GOLD_FILE}: doc_id:", "file not found"]


def g_corpus_json_truncated(work: Path) -> list[str]:
    raw = (work / "seeds/corpus.json").read_bytes()
    (work / "seeds/corpus.json").write_bytes(raw[: len(raw) // 3])
    return ["seeds/corpus.json:", "json:"]


def g_huge_line(work: Path) -> list[str]:
    """The whole file on one line, a span text of 5 million characters in it."""
    data = _gold(work)
    data["spans"][4]["text"] = "x" * 5_000_000
    (work / GOLD_FILE).write_text(json.dumps(data), "utf-8")
    return [f"{GOLD_FILE}:1: spans[4].text:", "5,000,000 chars"]


def g_deep_nesting(work: Path) -> list[str]:
    """A value nested 100,000 arrays deep (Python's json: RecursionError)."""
    line = _span_line(work, 3)
    raw = (work / GOLD_FILE).read_text("utf-8").split("\n")
    raw[line - 1] = raw[line - 1].replace(
        '"end":', '"x": ' + "[" * 100_000 + "]" * 100_000 + ', "end":'
    )
    (work / GOLD_FILE).write_text("\n".join(raw), "utf-8")
    return [f"{GOLD_FILE}:{line}: json:", "nested too deeply"]


def g_long_integer(work: Path) -> list[str]:
    """An integer literal of 5,000 digits (Python's int(): ValueError over 4,300 digits)."""
    line = _span_line(work, 2)
    raw = (work / GOLD_FILE).read_text("utf-8").split("\n")
    raw[line - 1] = raw[line - 1].replace('"end":', '"x": ' + "7" * 5000 + ', "end":')
    (work / GOLD_FILE).write_text("\n".join(raw), "utf-8")
    return [f"{GOLD_FILE}:{line}: json:", "over 4300 digits"]


def g_nan_value(work: Path) -> list[str]:
    k = next(i for i, s in enumerate(_gold(work)["spans"]) if s["layer"] == "number")
    raw = (work / GOLD_FILE).read_text("utf-8").split("\n")
    line = _span_line(work, k)
    span = json.loads(raw[line - 1].rstrip().rstrip(","))
    raw[line - 1] = raw[line - 1].replace(f'"value": {json.dumps(span["value"])}', '"value": NaN')
    (work / GOLD_FILE).write_text("\n".join(raw), "utf-8")
    return [f"{GOLD_FILE}", "json:", "NaN is not JSON"]


def g_infinity_literal(work: Path) -> list[str]:
    _edit_span(work, 1, start=10**400)  # json.dumps writes it; 1e400 would be float inf
    raw = (work / GOLD_FILE).read_text("utf-8").replace("1" + "0" * 400, "1e400", 1)
    (work / GOLD_FILE).write_text(raw, "utf-8")
    return [f"{GOLD_FILE}", "json:", "out of range"]


GOLD_CASES: dict[str, Callable[[Path], list[str]]] = {
    "truncated": g_truncated,
    "invalid-json": g_invalid,
    "offset-as-string": g_string_offset,
    "offset-as-bool": g_bool_offset,
    "offset-as-float": g_float_offset,
    "spans-not-a-list": g_spans_not_a_list,
    "offset-past-end": g_past_end,
    "text-mismatch": g_text_mismatch,
    "overlapping-spans": g_overlap,
    "unknown-label": g_unknown_label,
    "label-of-other-layer": g_wrong_layer_label,
    "doc-id-with-separator": g_doc_id_separator,
    "doc-id-dotdot": g_doc_id_dotdot,
    "not-utf8": g_not_utf8,
    "bom": g_bom,
    "empty-file": g_empty_file,
    "not-an-object": g_not_an_object,
    "empty-document": g_empty_document,
    "missing-text": g_missing_text,
    "corpus-json-truncated": g_corpus_json_truncated,
    "huge-single-line": g_huge_line,
    "deep-nesting": g_deep_nesting,
    "long-integer": g_long_integer,
    "nan-value": g_nan_value,
    "infinity-literal": g_infinity_literal,
}


@pytest.mark.parametrize("case", list(GOLD_CASES))
def test_gold_validate_reports_bad_gold(case: str, work: Path, capsys, monkeypatch) -> None:
    words = GOLD_CASES[case](work)
    before = snapshot(work)
    o = run(["gold", "validate", "gold"], work, capsys, monkeypatch)
    check_error(o, 1, *words)
    assert snapshot(work) == before


@pytest.mark.parametrize("case", list(GOLD_CASES))
def test_score_refuses_bad_gold(case: str, work: Path, capsys, monkeypatch) -> None:
    words = GOLD_CASES[case](work)
    before = snapshot(work)
    o = run(["score", "-p", "pred.jsonl", "--bootstrap", "0"], work, capsys, monkeypatch)
    check_error(o, 2, *words)
    assert o.out == ""
    assert snapshot(work) == before


# --- predictions files (JSON Lines): `bench score` -----------------------------------------------

PRED = "pred.jsonl"


def _pred_lines(work: Path) -> list[dict]:
    return [json.loads(x) for x in (work / PRED).read_text("utf-8").splitlines()]


def _write_pred(work: Path, records: list[dict]) -> None:
    (work / PRED).write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")


def _edit_pred(work: Path, line: int, span: int | None = None, **changes: object) -> None:
    recs = _pred_lines(work)
    target = recs[line - 1] if span is None else recs[line - 1]["spans"][span]
    target.update(changes)
    _write_pred(work, recs)


def p_truncated(work: Path) -> list[str]:
    raw = (work / PRED).read_text("utf-8").rstrip("\n")
    (work / PRED).write_text(raw[: len(raw) - 20], "utf-8")
    n = raw.count("\n") + 1
    return [f"{PRED}:{n}: json:"]


def p_invalid(work: Path) -> list[str]:
    raw = (work / PRED).read_text("utf-8").splitlines()
    raw[2] = raw[2].replace('"doc_id"', "doc_id", 1)
    (work / PRED).write_text("\n".join(raw) + "\n", "utf-8")
    return [f"{PRED}:3: json:"]


def p_string_offset(work: Path) -> list[str]:
    _edit_pred(work, 2, 0, start="10")
    return [f"{PRED}:2: spans[0].start:", "integer"]


def p_bool_value(work: Path) -> list[str]:
    _edit_pred(work, 2, 0, label="CARDINAL", value=True)
    return [f"{PRED}:2: spans[0].value:", "boolean"]


def p_spans_not_a_list(work: Path) -> list[str]:
    _edit_pred(work, 4, spans="none")
    return [f"{PRED}:4: spans:", "valid array"]


def p_past_end(work: Path) -> list[str]:
    _edit_pred(work, 1, 1, end=10**7)
    return [f"{PRED}:1: spans[1].end:", "not within"]


def p_negative(work: Path) -> list[str]:
    _edit_pred(work, 1, 1, start=-1)
    return [f"{PRED}:1: spans[1].start:"]


def p_text_mismatch(work: Path) -> list[str]:
    _edit_pred(work, 3, 2, text="nothing like it")
    return [f"{PRED}:3: spans[2].text:", "'nothing like it'"]


def p_unknown_label(work: Path) -> list[str]:
    _edit_pred(work, 5, 0, label="CELEBRITY")
    return [f"{PRED}:5: spans[0].label:", "unknown label 'CELEBRITY'"]


def p_duplicate_doc(work: Path) -> list[str]:
    recs = _pred_lines(work)
    _write_pred(work, [*recs, recs[1]])
    return [f"{PRED}:{len(recs) + 1}: doc_id:", "repeated (first on line 2)"]


def p_unknown_doc(work: Path) -> list[str]:
    _edit_pred(work, 2, doc_id="no_such_document")
    return [f"{PRED}:2: doc_id:", "not a gold document"]


def p_doc_id_separator(work: Path) -> list[str]:
    _edit_pred(work, 2, doc_id=f"gold/{DOC}")
    return [f"{PRED}:2: doc_id:", "not a safe id"]


def p_doc_id_dotdot(work: Path) -> list[str]:
    _edit_pred(work, 3, doc_id="..")
    return [f"{PRED}:3: doc_id:", "not a safe id"]


def p_not_utf8(work: Path) -> list[str]:
    raw = (work / PRED).read_bytes().split(b"\n")
    raw[2] = raw[2].replace(b'"doc_id"', b'"doc\xe9id"', 1)
    (work / PRED).write_bytes(b"\n".join(raw))
    return [f"{PRED}:3: text: not UTF-8"]


def p_bom(work: Path) -> list[str]:
    (work / PRED).write_bytes(b"\xef\xbb\xbf" + (work / PRED).read_bytes())
    return [f"{PRED}: text:", "byte-order mark"]


def p_empty_file(work: Path) -> list[str]:
    (work / PRED).write_bytes(b"")
    return [f"{PRED}:", "no prediction"]


def p_blank_file(work: Path) -> list[str]:
    (work / PRED).write_bytes(b"\n \n\n")
    return [f"{PRED}:", "no prediction"]


def p_not_an_object(work: Path) -> list[str]:
    (work / PRED).write_text('["doc", 1]\n', "utf-8")
    return [f"{PRED}:1: (document):"]


def p_huge_line(work: Path) -> list[str]:
    """One line of 200,000 spans; the last one is broken."""
    recs = _pred_lines(work)
    spans = [dict(recs[0]["spans"][0]) for _ in range(200_000)]
    spans[-1]["label"] = "CELEBRITY"
    recs[0]["spans"] = spans
    _write_pred(work, recs)
    return [f"{PRED}:1: spans[199999].label:", "'CELEBRITY'"]


def p_huge_garbage(work: Path) -> list[str]:
    """Five megabytes without a newline that are not JSON (a binary file given by mistake)."""
    (work / PRED).write_text("x" * 5_000_000, "utf-8")
    return [f"{PRED}:1: json:"]


def p_huge_text(work: Path) -> list[str]:
    _edit_pred(work, 1, 0, text="y" * 3_000_000)
    return [f"{PRED}:1: spans[0].text:", "3,000,000 chars"]


def p_deep_nesting(work: Path) -> list[str]:
    lines = (work / PRED).read_text("utf-8").split("\n")
    lines[1] = lines[1].replace('"spans":', '"x": ' + "[" * 100_000 + "]" * 100_000 + ', "spans":')
    (work / PRED).write_text("\n".join(lines), "utf-8")
    return [f"{PRED}:2:", "json:", "nested"]


def p_long_integer(work: Path) -> list[str]:
    lines = (work / PRED).read_text("utf-8").split("\n")
    lines[1] = lines[1].replace('"start":', '"start": ' + "9" * 5000 + ', "y":', 1)
    (work / PRED).write_text("\n".join(lines), "utf-8")
    return [f"{PRED}:2:", "json:", "over 4300 digits"]


def p_nan_value(work: Path) -> list[str]:
    recs = _pred_lines(work)
    recs[0]["spans"][0].update(label="CARDINAL", value=float("nan"))
    _write_pred(work, recs)  # json.dumps writes NaN
    return [f"{PRED}:1:", "must be finite"]  # held before: a guard, not a fix


PRED_CASES: dict[str, Callable[[Path], list[str]]] = {
    "truncated": p_truncated,
    "invalid-json": p_invalid,
    "offset-as-string": p_string_offset,
    "value-as-bool": p_bool_value,
    "spans-not-a-list": p_spans_not_a_list,
    "offset-past-end": p_past_end,
    "negative-offset": p_negative,
    "text-mismatch": p_text_mismatch,
    "unknown-label": p_unknown_label,
    "duplicate-doc-id": p_duplicate_doc,
    "unknown-doc-id": p_unknown_doc,
    "doc-id-with-separator": p_doc_id_separator,
    "doc-id-dotdot": p_doc_id_dotdot,
    "not-utf8": p_not_utf8,
    "bom": p_bom,
    "empty-file": p_empty_file,
    "blank-file": p_blank_file,
    "not-an-object": p_not_an_object,
    "huge-single-line": p_huge_line,
    "huge-garbage-line": p_huge_garbage,
    "huge-span-text": p_huge_text,
    "deep-nesting": p_deep_nesting,
    "long-integer": p_long_integer,
    "nan-value": p_nan_value,
}


@pytest.mark.parametrize("case", list(PRED_CASES))
def test_score_refuses_bad_predictions(case: str, work: Path, capsys, monkeypatch) -> None:
    words = PRED_CASES[case](work)
    before = snapshot(work)
    o = run(["score", "-p", PRED, "--bootstrap", "0"], work, capsys, monkeypatch)
    check_error(o, 2, *words)
    assert o.out == ""
    assert snapshot(work) == before


def test_score_accepts_the_unbroken_copy(work: Path, capsys, monkeypatch) -> None:
    """The cases above fail because of what they break, not because the copy is unusable."""
    o = run(["score", "-p", PRED, "--bootstrap", "0", "--json"], work, capsys, monkeypatch)
    assert o.code == 0, o.err
    assert json.loads(o.out)["documents"] == len(list((work / "gold").glob("*.json")))
    o = run(["gold", "validate", "gold"], work, capsys, monkeypatch)
    assert o.code == 0, o.out + o.err


# --- imports: `bench gold import` (doccano JSON Lines) -------------------------------------------

IMPORT = "in.jsonl"


@pytest.fixture
def exported(work: Path) -> Path:
    """``in.jsonl``: the gold of DOC exported as doccano JSON Lines (one line)."""
    from bench.corpus.formats.exchange import export_gold

    export_gold("doccano", work / "gold", work / "seeds", work / "x", [DOC])
    shutil.move(work / "x" / "gold.jsonl", work / IMPORT)
    shutil.rmtree(work / "x")
    return work


def _records(work: Path) -> list[dict]:
    return [json.loads(x) for x in (work / IMPORT).read_text("utf-8").splitlines()]


def _write_records(work: Path, recs: list[dict]) -> None:
    (work / IMPORT).write_text("".join(json.dumps(r) + "\n" for r in recs), "utf-8")


def _edit_label(work: Path, i: int, triple: list) -> None:
    recs = _records(work)
    recs[0]["label"][i] = triple
    _write_records(work, recs)


def _label_index(work: Path, layer_labels: tuple[str, ...]) -> int:
    return next(k for k, t in enumerate(_records(work)[0]["label"]) if t[2] in layer_labels)


def i_truncated(work: Path) -> list[str]:
    raw = (work / IMPORT).read_text("utf-8")
    (work / IMPORT).write_text(raw[: len(raw) // 2], "utf-8")
    return [f"{IMPORT}:1: json:"]


def i_string_offset(work: Path) -> list[str]:
    t = _records(work)[0]["label"][0]
    _edit_label(work, 0, [str(t[0]), t[1], t[2]])
    return [f"{IMPORT}:1 ({DOC}): label[0]:"]


def i_past_end(work: Path) -> list[str]:
    t = _records(work)[0]["label"][0]
    _edit_label(work, 0, [t[0], 10**6, t[2]])
    return [f"{IMPORT}:1 ({DOC}): label[0]:", "outside"]


def i_text_mismatch(work: Path) -> list[str]:
    recs = _records(work)
    recs[0]["text"] = recs[0]["text"].replace("Putin", "Putln", 1)
    recs[0].pop("text_sha256")
    _write_records(work, recs)
    return [f"{IMPORT}:1 ({DOC}): text:", "differs from"]


def i_overlap(work: Path) -> list[str]:
    recs = _records(work)
    triples = recs[0]["label"]
    k = next(
        j
        for j in range(len(triples))
        if triples[j][2] in ("PERSON", "GPE", "ORG") and triples[j][1] - triples[j][0] > 3
    )
    a, b, lab = triples[k]
    triples.append([a + 1, b + 2, lab])
    _write_records(work, recs)
    return [f"{IMPORT}:1 ({DOC})", ".start:", "overlaps"]


def i_unknown_label(work: Path) -> list[str]:
    t = _records(work)[0]["label"][0]
    _edit_label(work, 0, [t[0], t[1], "CELEBRITY"])
    return [f"{IMPORT}:1 ({DOC}): label[0]: label:", "'CELEBRITY'"]


def i_duplicate(work: Path) -> list[str]:
    recs = _records(work)
    _write_records(work, [recs[0], recs[0]])
    return [f"{IMPORT}:2 ({DOC}): doc_id:", "twice"]


def i_doc_id_dotdot(work: Path) -> list[str]:
    recs = _records(work)
    recs[0]["doc_id"] = f"../{DOC}"
    _write_records(work, recs)
    return [f"{IMPORT}:1", "doc_id:", "not a safe id"]


def i_doc_id_separator(work: Path) -> list[str]:
    recs = _records(work)
    recs[0]["doc_id"] = "seeds/x"
    _write_records(work, recs)
    return [f"{IMPORT}:1", "doc_id:", "not a safe id"]


def i_not_utf8(work: Path) -> list[str]:
    (work / IMPORT).write_bytes((work / IMPORT).read_bytes().replace(b"Putin", b"Put\xefn", 1))
    return [f"{IMPORT}:1: text: not UTF-8"]


def i_bom(work: Path) -> list[str]:
    (work / IMPORT).write_bytes(b"\xef\xbb\xbf" + (work / IMPORT).read_bytes())
    return [f"{IMPORT}: text:", "byte-order mark"]


def i_empty_file(work: Path) -> list[str]:
    (work / IMPORT).write_bytes(b"")
    return [f"{IMPORT}:", "no documents"]


def i_empty_document(work: Path) -> list[str]:
    recs = _records(work)
    recs[0].update(text="", label=[], values=[], ignore_reasons=[], span_notes=[])
    recs[0].pop("text_sha256")
    _write_records(work, recs)
    return [f"{IMPORT}:1 ({DOC}): text:", "empty"]


def i_missing_value(work: Path) -> list[str]:
    """An annotated (not draft) time span whose value was lost in the tool."""
    recs = _records(work)
    recs[0]["values"] = [v for v in recs[0]["values"] if v[2] not in ("DATE", "TIME")]
    _write_records(work, recs)
    return [f"{IMPORT}:1 ({DOC})", ".value:", "TIMEX3"]


def i_huge_line(work: Path) -> list[str]:
    recs = _records(work)
    t = recs[0]["label"][0]
    recs[0]["label"] = [list(t)] * 100_000 + [[t[0], t[1], "CELEBRITY"]]
    recs[0]["notes"] = "n" * 2_000_000
    _write_records(work, recs)
    return [f"{IMPORT}:1 ({DOC}): label[100000]: label:", "'CELEBRITY'"]


def i_deep_nesting(work: Path) -> list[str]:
    raw = (work / IMPORT).read_text("utf-8")
    (work / IMPORT).write_text('{"x": ' + "[" * 100_000 + "]" * 100_000 + ", " + raw[1:], "utf-8")
    return [f"{IMPORT}:1: json:", "nested too deeply"]


def i_long_integer(work: Path) -> list[str]:
    raw = (work / IMPORT).read_text("utf-8")
    (work / IMPORT).write_text('{"x": ' + "5" * 5000 + ", " + raw[1:], "utf-8")
    return [f"{IMPORT}:1: json:", "over 4300 digits"]


def i_nan_value(work: Path) -> list[str]:
    """doccano metadata with a NaN value: it used to reach the gold file as NaN, exit 0."""
    recs = _records(work)
    recs[0]["values"] = [
        [*v[:3], float("nan")] if v[2] == "CARDINAL" else v for v in recs[0]["values"]
    ]
    _write_records(work, recs)
    return [f"{IMPORT}:1: json:", "NaN is not JSON"]


def i_infinity_value(work: Path) -> list[str]:
    recs = _records(work)
    recs[0]["values"] = [
        [*v[:3], float("inf")] if v[2] == "CARDINAL" else v for v in recs[0]["values"]
    ]
    _write_records(work, recs)
    return [f"{IMPORT}:1: json:", "Infinity is not JSON"]


IMPORT_CASES: dict[str, Callable[[Path], list[str]]] = {
    "truncated": i_truncated,
    "offset-as-string": i_string_offset,
    "offset-past-end": i_past_end,
    "text-mismatch": i_text_mismatch,
    "overlapping-spans": i_overlap,
    "unknown-label": i_unknown_label,
    "duplicate-doc-id": i_duplicate,
    "doc-id-dotdot": i_doc_id_dotdot,
    "doc-id-with-separator": i_doc_id_separator,
    "not-utf8": i_not_utf8,
    "bom": i_bom,
    "empty-file": i_empty_file,
    "empty-document": i_empty_document,
    "missing-value": i_missing_value,
    "huge-single-line": i_huge_line,
    "deep-nesting": i_deep_nesting,
    "long-integer": i_long_integer,
    "nan-value": i_nan_value,
    "infinity-value": i_infinity_value,
}


@pytest.mark.parametrize("case", list(IMPORT_CASES))
def test_gold_import_refuses_bad_files(case: str, exported: Path, capsys, monkeypatch) -> None:
    work = exported
    words = IMPORT_CASES[case](work)
    before = snapshot(work)
    o = run(
        ["gold", "import", "doccano", IMPORT, "--out", "gold", "--force"], work, capsys, monkeypatch
    )
    check_error(o, 2, *words)
    assert snapshot(work) == before  # --force, yet not one gold file was replaced


def test_gold_import_accepts_the_unbroken_export(exported: Path, capsys, monkeypatch) -> None:
    o = run(["gold", "import", "doccano", IMPORT, "--out", "new"], exported, capsys, monkeypatch)
    assert o.code == 0, o.err
    assert (exported / "new" / f"{DOC}.json").read_bytes() == (exported / GOLD_FILE).read_bytes()


# --- document ids used as paths on the command line ----------------------------------------------


@pytest.mark.parametrize("doc_id", ["../seeds/corpus", "gold/x", "..", "a\\b"])
def test_doc_ids_on_the_command_line_are_not_paths(
    doc_id: str, work: Path, capsys, monkeypatch
) -> None:
    before = snapshot(work)
    o = run(["gold", "show", doc_id], work, capsys, monkeypatch)
    check_error(o, 2, "error: doc_id: ", "not a safe id")
    o = run(["gold", "export", "brat", "out", "--doc", doc_id], work, capsys, monkeypatch)
    check_error(o, 2, "error: --doc: ", "not a safe id")
    o = run(
        ["gold", "add", "seeds/corpus.json", "--date", "2017-12-11", "--doc-id", doc_id],
        work,
        capsys,
        monkeypatch,
    )
    check_error(o, 2, "error: --doc-id: ", "not a safe id")
    assert snapshot(work) == before


# --- plugins --------------------------------------------------------------------------------------


def make_plugin(root: Path, name: str, module: str, source: str | None) -> Path:
    """An installed distribution ``name`` whose ``bench.systems`` entry point is ``module:Sys``."""
    info = root / f"{name}-0.0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text(f"[bench.systems]\n{name} = {module}:Sys\n")
    if source is not None:
        (root / f"{module}.py").write_text(source)
    return root


PLUGINS = {
    "missing-module": None,
    "raises-on-import": "raise RuntimeError('needs a GPU\\nsee the docs\\nline three')\n",
    "syntax-error": "def broken(:\n    pass\n",
    "missing-dependency": "import no_such_dependency_xyz\n",
    "not-a-system": "class Sys:\n    pass\n",
}


@pytest.mark.parametrize("case", list(PLUGINS))
def test_plugin_that_fails_to_import(
    case: str, work: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    name = f"bad_{case.replace('-', '_')}"
    make_plugin(tmp_path / "site", name, f"{name}_mod", PLUGINS[case])
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    (work / "article.txt").write_text("Putin met Assad on Monday.\n", "utf-8")
    before = snapshot(work)
    # Listing shows it unavailable, with the reason on one line; the others stay usable.
    o = run(["systems"], work, capsys, monkeypatch)
    assert o.code == 0, o.err
    row = o.out[o.out.index(f"{name}  [unavailable]") :].splitlines()
    assert f"{name}_mod:Sys" in row[0] and row[1].startswith("    unavailable: ")
    assert "predictions  [available]" in o.out and "llm  [available]" in o.out
    # Using it is a one-line error naming the plugin and its module, and writes nothing.
    o = run(
        ["gold", "add", "article.txt", "--date", "2017-12-11", "--pre-annotate", name],
        work,
        capsys,
        monkeypatch,
    )
    check_error(o, 2, f"system {name!r}", f"{name}_mod")
    assert snapshot(work) == before


# --- a real process: the same error line, no traceback -------------------------------------------


def test_errors_in_a_real_process(work: Path) -> None:
    p_unknown_label(work)
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "score", "-p", PRED, "--bootstrap", "0"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == (f"error: {PRED}:5: spans[0].label: unknown label 'CELEBRITY'\n"), (
        proc.stderr
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "gold", "validate", str(ROOT / "no-such-dir")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
