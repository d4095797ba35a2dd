import pytest

from annotation.schema import Example
from training.splits import document_folds, split_by_documents


def corpus():
    out = []
    for d in "abcd":
        out += [Example(f"{d}{i}", "x", meta={"doc": d, "source": "real"}) for i in range(3)]
    out += [Example(f"w{i}", "x", meta={"doc": "written-x", "source": "written"}) for i in range(5)]
    return out


def test_folds_never_split_a_document_and_cover_every_real_sentence_once():
    folds = document_folds(corpus(), k=4)
    seen = []
    for split in folds:
        dev_docs = {e.meta["doc"] for e in split.dev}
        train_docs = {e.meta["doc"] for e in split.train if e.meta["source"] == "real"}
        assert dev_docs and not dev_docs & train_docs
        assert all(e.meta["source"] == "real" for e in split.dev)
        assert sum(e.meta["source"] == "written" for e in split.train) == 5
        seen += [e.id for e in split.dev]
    assert sorted(seen) == sorted(e.id for e in corpus() if e.meta["source"] == "real")


def test_bad_fold_counts_and_unknown_docs_are_clear_errors():
    with pytest.raises(ValueError, match="2 ≤ K ≤ 4"):
        document_folds(corpus(), k=5)
    with pytest.raises(ValueError, match="not in the data"):
        split_by_documents(corpus(), ["zzz"])
    with pytest.raises(ValueError, match="no 'doc'"):
        document_folds([Example("x", "t")], k=2)
