"""Base encoders: build a small Chinese BERT from a config, or load any BERT-family checkpoint."""

from __future__ import annotations

from pathlib import Path

import torch
import yaml
from transformers import AutoTokenizer, BertConfig, BertForMaskedLM, PreTrainedTokenizerBase

from training.vocab import build_char_vocab, build_tokenizer

CONFIG_DIR = Path(__file__).parent / "configs"


def load_base_config(path: str | Path = CONFIG_DIR / "base-small.yaml") -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def init_base(out_dir: str | Path, config_path: str | Path = CONFIG_DIR / "base-small.yaml") -> Path:
    """Write a randomly initialised BERT (MLM head) and its character tokenizer to `out_dir`."""
    cfg = load_base_config(config_path)
    if cfg.get("vocab", "gb2312") != "gb2312":
        raise ValueError(f"{config_path}: unknown vocab {cfg['vocab']!r} (only 'gb2312' is built here)")
    torch.manual_seed(int(cfg.get("seed", 42)))
    tokenizer = build_tokenizer(build_char_vocab())
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=cfg["hidden_size"],
        num_hidden_layers=cfg["num_hidden_layers"],
        num_attention_heads=cfg["num_attention_heads"],
        intermediate_size=cfg["intermediate_size"],
        max_position_embeddings=cfg["max_position_embeddings"],
        hidden_dropout_prob=cfg["hidden_dropout_prob"],
        attention_probs_dropout_prob=cfg["attention_probs_dropout_prob"],
        pad_token_id=tokenizer.pad_token_id,
    )
    model = BertForMaskedLM(config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def load_tokenizer(name_or_path: str | Path) -> PreTrainedTokenizerBase:
    """A fast tokenizer for a local folder or hub id; offsets need the fast implementation."""
    tok = AutoTokenizer.from_pretrained(str(name_or_path), use_fast=True)
    if not tok.is_fast:
        raise ValueError(f"{name_or_path}: a fast tokenizer is required (offset mapping)")
    return tok
