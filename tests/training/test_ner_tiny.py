"""A tiny end-to-end run: build a base model, fine-tune NER a few steps, reload, predict."""

import yaml
from transformers import AutoModelForTokenClassification, TrainingArguments

from annotation.markup import parse_markup
from training.align import ID2LABEL
from training.base import init_base, load_tokenizer
from training.data import to_clean_example
from training.ner import ModelArguments, decode_dataset, parse_arguments, tokenize_examples, train_ner

LINES = [
    "全县[[城乡低保|P1]]对象[[5126|C>P1]][[户|U]][[8731|C>P1]][[人|U]]。",
    "發放[[臨時救助|P1]]金[[27.482萬|A>P1]][[元|U]]。",
    "[[集中供养|P1]]率[[53%|PCT>P1]]。",
    "2019年召开会议3次。",
]


def test_tiny_train_save_load_predict(tmp_path):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({"vocab": "gb2312", "hidden_size": 32, "num_hidden_layers": 1,
                                   "num_attention_heads": 2, "intermediate_size": 64,
                                   "max_position_embeddings": 64, "hidden_dropout_prob": 0.0,
                                   "attention_probs_dropout_prob": 0.0, "seed": 1}))
    base = init_base(tmp_path / "base", cfg)
    examples = [to_clean_example(parse_markup(line, f"s{i}")) for i, line in enumerate(LINES)]
    assert examples[1].text.startswith("发放临时救助金")  # cleaned: simplified
    args = TrainingArguments(output_dir=str(tmp_path / "out"), max_steps=3, per_device_train_batch_size=4,
                             learning_rate=1e-3, eval_strategy="no", save_strategy="no", report_to=[],
                             use_cpu=True, seed=1)
    trainer = train_ner(ModelArguments(base_model=str(base), max_length=64), args, examples, examples)
    assert trainer.state.global_step == 3
    trainer.save_model(tmp_path / "ner")

    model = AutoModelForTokenClassification.from_pretrained(tmp_path / "ner")
    assert model.config.id2label[1] == ID2LABEL[1]
    tok = load_tokenizer(tmp_path / "ner")
    ds = tokenize_examples(examples, tok, 64)
    import torch

    with torch.no_grad():
        batch = tok([e.text for e in examples], padding=True, return_tensors="pt")
        logits = model(**batch).logits.numpy()
    predicted = decode_dataset(ds, logits)
    assert [p.id for p in predicted] == [e.id for e in examples]
    for p in predicted:  # whatever an untrained model says, spans must lie inside the text
        assert all(0 <= s.start < s.end <= len(p.text) for s in p.spans)
    metrics = trainer.evaluate()
    assert 0.0 <= metrics["eval_entity_f1"] <= 1.0


def test_yaml_config_and_flags_are_interchangeable(tmp_path):
    cfg = tmp_path / "ner.yaml"
    cfg.write_text(yaml.safe_dump({"base_model": "x", "output_dir": "o", "num_train_epochs": 3,
                                   "dev_docs": ["a.txt", "b.txt"]}))
    model_args, data_args, train_args = parse_arguments(str(cfg), ["--num_train_epochs", "7"])
    assert model_args.base_model == "x" and data_args.dev_docs == ["a.txt", "b.txt"]
    assert train_args.num_train_epochs == 7
