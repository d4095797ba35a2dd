"""NER fine-tuning: character-level BIO over the five schema labels (run_ner.py conventions).

Arguments are typed dataclasses; a YAML config file and `--flag value` overrides
are interchangeable (flags win). Preprocessing is `datasets.map`, the loop is
`Trainer`, early stopping watches dev strict entity F1 computed by evaluation/.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from datasets import Dataset
from torch.utils.data import SequentialSampler
from transformers import (
    AutoConfig,
    EarlyStoppingCallback,
    HfArgumentParser,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
    set_seed,
)

from annotation.schema import Example, Span
from evaluation.scoring import score_entities
from training.align import (
    ID2LABEL,
    LABEL2ID,
    TokenView,
    align_labels,
    char_tags,
    decode_spans,
    token_view,
    viterbi_tags,
)
from training.base import load_tokenizer, resolve_base_model
from training.constraints import CONSTRAINTS, OPTIONS, check_constraints, span_constraints
from training.features import FEATURE_SIZES, WORD_FEATURE_SIZES, token_features
from training.lac import init_lac_encoder
from training.model import BertForFigureTagging, FeatureCollator

log = logging.getLogger(__name__)


@dataclass
class ModelArguments:
    base_model: str = field(default="models/base", metadata={"help": "Local folder or hub id of a BERT-family encoder."})
    max_length: int = field(default=256, metadata={"help": "Tokens per window (sentences are ≤ 200 characters)."})
    features: bool = field(default=True, metadata={
        "help": "Add character-class, rule-tag and program-lexicon embeddings (training/features.py)."})
    word_features: bool = field(default=False, metadata={
        "help": "Also add jieba word-position (B/M/E/S) and part-of-speech embeddings (training/features.py)."})
    lac: bool = field(default=False, metadata={
        "help": "Add LAC's pretrained character embeddings + BiGRU beside the encoder (training/lac.py)."})
    constraints: list[str] = field(default_factory=lambda: list(CONSTRAINTS), metadata={
        "help": f"Decoding constraints (training/constraints.py): {', '.join(CONSTRAINTS)}; "
                f"options {', '.join(OPTIONS)}; 'none' for none."})
    linker: str = field(default="auto", metadata={
        "help": "has_value linker kept in the folder: model, heuristic, or auto (the better on dev relation F1)."})


@dataclass
class DataArguments:
    gold: list[str] = field(default_factory=lambda: ["annotation/gold"], metadata={"help": "Gold exports or folders."})
    folds: int = field(default=0, metadata={"help": "K-fold cross-validation by document (0: one split)."})
    dev_docs: list[str] = field(default_factory=list, metadata={"help": "Documents held out for dev (one split)."})
    real_weight: int = field(default=1, metadata={
        "help": "Repeat real training sentences N times (the written ones outnumber them)."})
    augment: int = field(default=0, metadata={
        "help": "Program-swapped copies of each training sentence with a program (training/augment.py)."})
    augment_names: list[str] = field(default_factory=list, metadata={
        "help": "Gold exports or folders whose PROGRAM names join augmentation's names (not its sentences)."})
    augment_novel: float = field(default=0.0, metadata={
        "help": "Share of augmentation's swapped names made new from jieba's common nouns (training/augment.py)."})
    cv_dir: str = field(default="", metadata={"help": "Where --folds puts fold models and the report (out/cv/NAME)."})
    fold_seed: int | None = field(default=None, metadata={
        "help": "Seed of the --folds document split (default: --seed). Fix it to compare training seeds on the "
        "same folds: the seed alone moves real PROGRAM F1 by ~0.05 (training/BAKEOFF.md)."})


def parse_arguments(config: str | None, overrides: Sequence[str]):
    """(ModelArguments, DataArguments, TrainingArguments) from a YAML file plus `--key value` flags."""
    args: list[str] = []
    if config:
        for key, value in (yaml.safe_load(Path(config).read_text(encoding="utf-8")) or {}).items():
            values = value if isinstance(value, list) else [value]
            args += [f"--{key}", *map(str, values)]
    parser = HfArgumentParser((ModelArguments, DataArguments, TrainingArguments))
    model_args, data_args, train_args = parser.parse_args_into_dataclasses(args=args + list(overrides))
    names = [] if model_args.constraints in ([], ["none"]) else model_args.constraints
    model_args.constraints = check_constraints(names)
    model_args.base_model = resolve_base_model(model_args.base_model)
    return model_args, data_args, train_args


def tokenize_examples(examples: Sequence[Example], tokenizer: PreTrainedTokenizerBase, max_length: int,
                      slots: int = len(FEATURE_SIZES)) -> Dataset:
    """A Dataset of input ids, aligned labels and what decoding needs (offsets, word starts)."""
    rows = [{"id": e.id, "text": e.text, "span_starts": [s.start for s in e.spans],
             "span_ends": [s.end for s in e.spans], "span_labels": [s.label for s in e.spans]}
            for e in examples]

    def encode(batch):
        enc = tokenizer(batch["text"], truncation=True, max_length=max_length, return_offsets_mapping=True)
        out = {"labels": [], "offset_mapping": [], "word_starts": [], "feature_ids": []}
        for i, text in enumerate(batch["text"]):
            view = token_view(enc, i)
            spans = zip(batch["span_starts"][i], batch["span_ends"][i], batch["span_labels"][i], strict=True)
            tags = char_tags(len(text), [Span(*s) for s in spans])
            out["labels"].append(align_labels(view, tags))
            out["offset_mapping"].append([list(o) for o in view.offsets])
            out["word_starts"].append([-1 if w is None else int(w) for w in view.word_starts])
            out["feature_ids"].append(token_features(text, view.offsets, slots))
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], **out}

    return Dataset.from_list(rows).map(encode, batched=True, desc="tokenise + align")


def view_of(row) -> TokenView:
    return TokenView([tuple(o) for o in row["offset_mapping"]],
                     [None if w < 0 else bool(w) for w in row["word_starts"]])


def decode_dataset(ds: Dataset, logits: np.ndarray, constraints: Sequence[str] = ()) -> list[Example]:
    """Per-row predicted spans (with softmax scores) from token logits."""
    out = []
    for row, row_logits in zip(ds, logits, strict=False):
        n = len(row["input_ids"])
        z = row_logits[:n] - row_logits[:n].max(-1, keepdims=True)
        probs = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
        view = view_of(row)
        mask = [bool(w) and e > s for w, (s, e) in zip(view.word_starts, view.offsets, strict=True)]
        rules = span_constraints(row["text"], [o for o, m in zip(view.offsets, mask, strict=True) if m], constraints)
        tags = viterbi_tags(probs, mask, *rules)
        spans = decode_spans(view, tags, probs[np.arange(n), tags])
        out.append(Example(row["id"], row["text"], [s for s in spans]))
    return out


def make_compute_metrics(dev: Dataset, gold: Sequence[Example], constraints: Sequence[str] = ()):
    def compute(eval_pred):
        pred = decode_dataset(dev, eval_pred.predictions, constraints)
        scores = score_entities(zip(gold, pred, strict=True))
        metrics = {"entity_f1": scores["micro"].f1}
        metrics |= {f"f1_{label}": prf.f1 for label, prf in scores.items() if label != "micro"}
        return metrics

    return compute


class NerTrainer(Trainer):
    """Trainer whose evaluation keeps the dataset order.

    With train_sampling_strategy=group_by_length, transformers 5 also length-groups
    (and shuffles) the eval set, so predictions no longer line up with the dev
    examples that compute_metrics scores them against.
    """

    def _get_eval_sampler(self, eval_dataset):
        return None if eval_dataset is None else SequentialSampler(eval_dataset)


def train_ner(model_args: ModelArguments, train_args: TrainingArguments,
              train: Sequence[Example], dev: Sequence[Example]) -> Trainer:
    """Fine-tune a token classifier on `train`, early-stopping on strict entity F1 over `dev`."""
    set_seed(train_args.seed)
    tokenizer = load_tokenizer(model_args.base_model)
    config = AutoConfig.from_pretrained(model_args.base_model, num_labels=len(LABEL2ID), id2label=ID2LABEL,
                                        label2id=LABEL2ID)
    config.use_features = model_args.features
    config.feature_sizes = list(FEATURE_SIZES) + (list(WORD_FEATURE_SIZES) if model_args.word_features else [])
    add_lac = model_args.lac and not getattr(config, "use_lac", False)  # a base that has it keeps its weights
    config.use_lac = model_args.lac or getattr(config, "use_lac", False)
    model = BertForFigureTagging.from_pretrained(model_args.base_model, config=config)
    if add_lac:
        log.info("LAC branch initialised: %s", init_lac_encoder(model.lac, tokenizer.get_vocab()))
    columns = ["input_ids", "attention_mask", "labels", "feature_ids"]
    slots = len(config.feature_sizes)
    train_ds = tokenize_examples(train, tokenizer, model_args.max_length, slots)
    dev_ds = tokenize_examples(dev, tokenizer, model_args.max_length, slots) if dev else None
    if dev_ds is None and train_args.eval_strategy != "no":
        raise ValueError("no dev sentences: set eval_strategy to 'no' (and load_best_model_at_end false)")
    trainer = NerTrainer(
        model=model,
        args=train_args,
        train_dataset=train_ds.select_columns(columns),
        eval_dataset=dev_ds.select_columns(columns) if dev_ds is not None else None,
        data_collator=FeatureCollator(tokenizer),
        processing_class=tokenizer,
        compute_metrics=make_compute_metrics(dev_ds, dev, model_args.constraints) if dev_ds is not None else None,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=5)] if train_args.load_best_model_at_end else [],
    )
    trainer.train()
    return trainer


def write_log(trainer: Trainer, path: Path) -> None:
    """Losses and dev scores per epoch, one JSON object a line."""
    with path.open("w", encoding="utf-8") as fh:
        for entry in trainer.state.log_history:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
