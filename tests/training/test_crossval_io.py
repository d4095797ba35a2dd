"""Prediction files (JSON lines of Example.to_dict) and document folds that hold written documents out."""

import json

import pytest

from annotation.schema import Example, Relation, Span
from training.crossval import read_predictions, write_predictions
from training.splits import document_folds


def predictions():
    text = "城乡低保对象5126户，发放资金27.482万元"
    return [
        Example("doc1-0003", text,
                spans=[Span(0, 4, "PROGRAM", "p1", 0.91), Span(6, 10, "COUNT", "f1", 0.875),
                       Span(10, 11, "UNIT", "u1"), Span(16, 23, "AMOUNT", "f2", 0.5),
                       Span(23, 24, "UNIT", "u2", 0.25)],
                relations=[Relation("p1", "f1", "has_value", 0.8), Relation("p1", "f2")],
                meta={"doc": "doc1", "index": 3, "source": "real", "start": 120, "end": 144}),
        Example("w-7", "没有数字", meta={"doc": "written-a", "source": "written"}),
        Example("e", "", spans=[], relations=[], meta={}),
    ]


def test_write_then_read_gives_the_same_records(tmp_path):
    path = tmp_path / "predictions.jsonl"
    original = predictions()
    write_predictions(path, original)
    back = read_predictions(path)
    assert [e.to_dict() for e in back] == [e.to_dict() for e in original]
    # Span/Relation equality ignores ids and scores: check those explicitly.
    assert [(s.id, s.score) for s in back[0].spans] == [("p1", 0.91), ("f1", 0.875), ("u1", None),
                                                         ("f2", 0.5), ("u2", 0.25)]
    assert [(r.head, r.tail, r.label, r.score) for r in back[0].relations] == [
        ("p1", "f1", "has_value", 0.8), ("p1", "f2", "has_value", None)]
    assert back[0].meta == {"doc": "doc1", "index": 3, "source": "real", "start": 120, "end": 144}


def test_file_is_one_utf8_json_object_per_line(tmp_path):
    path = tmp_path / "p.jsonl"
    write_predictions(path, predictions())
    raw = path.read_text(encoding="utf-8")
    lines = raw.splitlines()
    assert len(lines) == 3 and raw.endswith("\n")
    assert "城乡低保" in lines[0]  # not \u escapes
    first = json.loads(lines[0])
    assert first["spans"][1] == {"id": "f1", "start": 6, "end": 10, "label": "COUNT", "text": "5126",
                                 "score": 0.875}


def test_empty_file_and_blank_lines(tmp_path):
    path = tmp_path / "p.jsonl"
    write_predictions(path, [])
    assert path.read_text(encoding="utf-8") == ""
    assert read_predictions(path) == []
    rec = json.dumps(predictions()[1].to_dict(), ensure_ascii=False)
    path.write_text(f"\n{rec}\n  \n{rec}\n", encoding="utf-8")
    assert [e.id for e in read_predictions(path)] == ["w-7", "w-7"]


@pytest.mark.parametrize("bad", [
    "{not json",
    '{"text": "missing id"}',
    '{"id": "x"}',
    '["a", "list"]',
    '"a string"',
    '{"id": "x", "text": "t", "spans": [{"start": 0, "label": "COUNT"}]}',
    '{"id": "x", "text": "t", "relations": [{"tail": "f1"}]}',
    '{"id": "x", "text": "t", "spans": 5}',
])
def test_a_bad_line_is_a_value_error_naming_file_and_line(tmp_path, bad):
    path = tmp_path / "broken.jsonl"
    good = json.dumps(predictions()[0].to_dict(), ensure_ascii=False)
    # line 1 good, line 2 blank (still counted), line 3 bad, line 4 good
    path.write_text(f"{good}\n\n{bad}\n{good}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a prediction record") as info:
        read_predictions(path)
    assert f"{path}:3:" in str(info.value)


def test_a_line_that_is_not_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "latin1.jsonl"
    good = json.dumps(predictions()[1].to_dict(), ensure_ascii=False).encode("utf-8")
    path.write_bytes(good + b"\n" + b'{"id": "x", "text": "caf\xe9"}\n')
    with pytest.raises(ValueError, match=r"latin1\.jsonl:2:"):
        read_predictions(path)


# -- document folds with written documents held out ------------------------------------------------

def corpus():
    out = []
    for d in "abcdef":
        out += [Example(f"{d}{i}", "x", meta={"doc": d, "source": "real"}) for i in range(2)]
    for w in ("w1", "w2", "w3", "w4"):
        out += [Example(f"{w}-{i}", "x", meta={"doc": w, "source": "written"}) for i in range(3)]
    return out


WRITTEN_DOCS = {"w1", "w2", "w3", "w4"}
REAL_DOCS = set("abcdef")


def docs(examples, source):
    return {e.meta["doc"] for e in examples if e.meta["source"] == source}


@pytest.mark.parametrize("k", [2, 3, 4])
def test_written_docs_are_held_out_of_training_in_their_fold(k):
    for split in document_folds(corpus(), k, seed=5, hold_written=True):
        held = docs(split.dev_written, "written")
        assert all(e.meta["source"] == "written" for e in split.dev_written)
        assert not held & docs(split.train, "written")
        # the other written documents stay in training, whole
        assert docs(split.train, "written") == WRITTEN_DOCS - held
        for w in held:
            assert sorted(e.id for e in split.dev_written if e.meta["doc"] == w) == [f"{w}-{i}" for i in range(3)]


@pytest.mark.parametrize("k", [2, 3, 4, 6])
def test_each_written_doc_is_held_out_exactly_once(k):
    folds = document_folds(corpus(), k, seed=5, hold_written=True)
    assert len(folds) == k
    held = [e.id for split in folds for e in split.dev_written]
    assert sorted(held) == sorted(e.id for e in corpus() if e.meta["source"] == "written")
    per_fold = [docs(split.dev_written, "written") for split in folds]
    assert sum(len(h) for h in per_fold) == len(WRITTEN_DOCS)
    # dealt round-robin: fold sizes differ by at most one document
    assert max(map(len, per_fold)) - min(map(len, per_fold)) <= 1


@pytest.mark.parametrize("k", [2, 3, 6])
def test_real_dev_docs_are_disjoint_across_folds_and_cover_all(k):
    folds = document_folds(corpus(), k, seed=5, hold_written=True)
    dev_docs = [set(split.dev_docs) for split in folds]
    assert all(dev_docs)
    assert sum(len(d) for d in dev_docs) == len(REAL_DOCS)
    assert set().union(*dev_docs) == REAL_DOCS
    for split in folds:
        assert all(e.meta["source"] == "real" for e in split.dev)
        assert not set(split.dev_docs) & docs(split.train, "real")
        # nothing lost, nothing duplicated: train + dev + dev_written is the corpus
        ids = [e.id for e in split.train + split.dev + split.dev_written]
        assert sorted(ids) == sorted(e.id for e in corpus())


def test_hold_written_does_not_change_the_real_folds():
    plain = document_folds(corpus(), 3, seed=5)
    held = document_folds(corpus(), 3, seed=5, hold_written=True)
    assert [s.dev_docs for s in plain] == [s.dev_docs for s in held]
    assert all(s.dev_written == [] for s in plain)
    assert all(docs(s.train, "written") == WRITTEN_DOCS for s in plain)


def test_more_folds_than_written_docs_leaves_some_folds_without_written_dev():
    data = [e for e in corpus() if e.meta["doc"] != "w4" and e.meta["doc"] != "w3"]  # 2 written docs
    folds = document_folds(data, 4, seed=1, hold_written=True)
    assert sorted(len(docs(s.dev_written, "written")) for s in folds) == [0, 0, 1, 1]


def test_folds_are_reproducible_and_depend_on_the_seed():
    a = document_folds(corpus(), 3, seed=5, hold_written=True)
    b = document_folds(corpus(), 3, seed=5, hold_written=True)
    assert [(s.dev_docs, [e.id for e in s.dev_written]) for s in a] == [
        (s.dev_docs, [e.id for e in s.dev_written]) for s in b]
    layouts = {tuple(tuple(s.dev_docs) for s in document_folds(corpus(), 3, seed=seed, hold_written=True))
               for seed in range(10)}
    assert len(layouts) > 1


def test_fold_seed_keeps_the_folds_while_the_training_seed_changes():
    from training.crossval import fold_seed
    from training.ner import parse_arguments

    _, data, train = parse_arguments(None, ["--output_dir", "unused", "--seed", "7", "--fold_seed", "42"])
    assert (train.seed, fold_seed(data, train)) == (7, 42)
    _, data, train = parse_arguments(None, ["--output_dir", "unused", "--seed", "7"])
    assert fold_seed(data, train) == 7  # unset: the folds follow the training seed, as before


def test_best_linker_breaks_ties_on_gold_entities():
    from training.crossval import best_linker

    def cv(e2e_model, e2e_heur, gold_model, gold_heur):
        row = lambda e2e, gold: {"relations": {"end_to_end": {"f1": e2e}, "gold_entities": {"f1": gold}}}  # noqa: E731
        return {"real": {"model": row(e2e_model, gold_model), "model+heuristic-linker": row(e2e_heur, gold_heur)}}

    assert best_linker(cv(0.60, 0.50, 0.90, 0.99)) == "model"  # clearly better end to end
    assert best_linker(cv(0.533, 0.531, 0.920, 0.978)) == "heuristic"  # a tie: gold entities decide
    assert best_linker(cv(0.50, 0.50, 0.95, 0.95)) == "model"


def test_a_fold_folder_is_reused_only_for_the_sentences_it_was_trained_on(tmp_path):
    from training.crossval import _complete_for

    train = [Example(f"s{i}", "低保", meta={"doc": doc, "source": "written"})
             for i, doc in enumerate(["written-a", "written-a", "written-b"])]
    folder = tmp_path / "fold0"
    folder.mkdir()
    assert not _complete_for(folder, train)  # nothing trained yet
    for name in ("metrics.json", "relation_config.json"):
        (folder / name).write_text("{}")
    info = {"train_sentences": 3, "train_documents": ["written-a", "written-b"]}
    (folder / "minzheng.json").write_text(json.dumps(info))
    assert _complete_for(folder, train)
    assert not _complete_for(folder, train + [Example("s9", "低保", meta={"doc": "written-c"})])  # the gold grew
    assert not _complete_for(folder, train[:2])


def test_a_fold_folder_is_retrained_when_the_recipe_changed(tmp_path):
    from training.crossval import _complete_for, recipe
    from training.ner import parse_arguments

    train = [Example("s0", "低保", meta={"doc": "written-a", "source": "written"})]
    folder = tmp_path / "fold0"
    folder.mkdir()
    for name in ("metrics.json", "relation_config.json"):
        (folder / name).write_text("{}")
    (folder / "minzheng.json").write_text(json.dumps({"train_sentences": 1, "train_documents": ["written-a"]}))
    config = "training/configs/ner-default.yaml"
    trained = recipe(*parse_arguments(config, ["--output_dir", str(tmp_path / "x")]))
    (folder / "training_args.json").write_text(json.dumps(trained, default=str))
    assert _complete_for(folder, train, trained)
    # decoding flags do not change the weights: the bake-off re-decodes the same folds with them
    assert _complete_for(folder, train, recipe(*parse_arguments(config, ["--constraints", "numeral"])))
    for flags in (["--word_features", "true"], ["--num_train_epochs", "20"], ["--real_weight", "1"],
                  ["--learning_rate", "1e-4"], ["--lac", "false"], ["--augment_novel", "0.5"]):
        assert not _complete_for(folder, train, recipe(*parse_arguments(config, flags))), flags
    older = json.loads(json.dumps(trained, default=str))
    del older["data"]["augment_novel"]  # a folder trained before the option existed was trained without it
    (folder / "training_args.json").write_text(json.dumps(older))
    assert _complete_for(folder, train, trained)
    assert not _complete_for(folder, train, recipe(*parse_arguments(config, ["--augment_novel", "0.5"])))
    (folder / "training_args.json").unlink()  # a fold folder that does not say how it was trained
    assert not _complete_for(folder, train, trained)
