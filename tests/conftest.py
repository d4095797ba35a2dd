"""A tiny base model (1 layer, width 32) built once per session for the tests that train (training, the annotation loop)."""

import pytest
import yaml

from training.base import init_base


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tiny-base")
    cfg = tmp / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({"vocab": "gb2312", "hidden_size": 32, "num_hidden_layers": 1,
                                   "num_attention_heads": 2, "intermediate_size": 64,
                                   "max_position_embeddings": 256, "hidden_dropout_prob": 0.0,
                                   "attention_probs_dropout_prob": 0.0, "seed": 1}))
    return init_base(tmp / "base", cfg)


@pytest.fixture(scope="session")
def train_tiny(tiny_base):
    """train_tiny(out, markup_lines, steps=2, batch_size=4, dev=False, **model_arguments) -> (folder, metrics,
    examples): a few steps of training on the tiny base, the sentences (one document, tiny.txt) cleaned as the
    trainer sees them; with dev=True they are also the dev set, scored every epoch."""
    from transformers import TrainingArguments

    from annotation.markup import parse_markup
    from training.data import to_clean_example
    from training.ner import DataArguments, ModelArguments
    from training.pipeline import train_model

    def train(out, lines, steps=2, batch_size=4, dev=False, **model_arguments):
        examples = [to_clean_example(parse_markup(line, f"s{i}")) for i, line in enumerate(lines)]
        for e in examples:
            e.meta["doc"] = "tiny.txt"
        args = TrainingArguments(output_dir=str(out), max_steps=steps, per_device_train_batch_size=batch_size,
                                 learning_rate=1e-3, eval_strategy="epoch" if dev else "no", save_strategy="no",
                                 report_to=[], use_cpu=True, seed=1)
        folder, metrics = train_model(ModelArguments(base_model=str(tiny_base), max_length=64, **model_arguments),
                                      DataArguments(), args, examples, examples if dev else [])
        return folder, metrics, examples

    return train
