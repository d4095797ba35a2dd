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
