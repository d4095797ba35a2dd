"""Masked-language-model warm-up of the base encoder on the project's own text.

The corpus is small, so this is a warm-up, not real pretraining: it teaches the
embeddings which characters co-occur in 民政 prose before NER fine-tuning.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from datasets import Dataset
from transformers import (
    BertForMaskedLM,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
    set_seed,
)

from training.base import load_tokenizer


def pretrain_mlm(base_dir: str | Path, texts: Sequence[str], out_dir: str | Path, epochs: float = 20,
                 batch_size: int = 32, learning_rate: float = 5e-4, max_length: int = 128,
                 seed: int = 42) -> Path:
    """Continue MLM training of the model in `base_dir` on `texts`; save to `out_dir`."""
    set_seed(seed)
    tokenizer = load_tokenizer(base_dir)
    model = BertForMaskedLM.from_pretrained(str(base_dir))
    ds = Dataset.from_dict({"text": [t for t in texts if t.strip()]}).map(
        lambda b: tokenizer(b["text"], truncation=True, max_length=max_length),
        batched=True, remove_columns=["text"], desc="tokenise",
    )
    args = TrainingArguments(
        output_dir=str(Path(out_dir) / "_checkpoints"), num_train_epochs=epochs,
        per_device_train_batch_size=batch_size, learning_rate=learning_rate, warmup_steps=50,
        weight_decay=0.01, save_strategy="no", logging_steps=20, report_to=[], seed=seed,
        use_cpu=True,
    )
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=seed)
    Trainer(model=model, args=args, train_dataset=ds, data_collator=collator).train()
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return Path(out_dir)
