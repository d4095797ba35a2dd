"""The has_value relation head: candidate pairs, structural features, decoding, saving, training."""

import pytest
import torch

from annotation.rules import link_figures
from annotation.schema import HAS_VALUE, Example, Relation, Span
from training.relations import (
    N_FEATURES,
    PairBatch,
    RelationConfig,
    RelationHead,
    candidate_pairs,
    decode_relations,
    pair_features,
    pool_spans,
    train_relation_head,
)

TEXT = "城乡低保对象5126户（城市低保1204户）"
P_ALL = Span(0, 4, "PROGRAM", "p1")
F_TOTAL = Span(6, 10, "COUNT", "f1")
U1 = Span(10, 11, "UNIT", "u1")
P_CITY = Span(12, 16, "PROGRAM", "p2")
F_CITY = Span(16, 20, "COUNT", "f2")
U2 = Span(20, 21, "UNIT", "u2")
SPANS = [P_ALL, F_TOTAL, U1, P_CITY, F_CITY, U2]


def ids(pairs):
    return [(p.id, f.id) for p, f in pairs]


def test_spans_match_the_text():
    assert [TEXT[s.start:s.end] for s in SPANS] == ["城乡低保", "5126", "户", "城市低保", "1204", "户"]


def test_candidate_pairs_are_every_program_times_every_figure_and_never_units():
    pairs = candidate_pairs(SPANS)
    assert ids(pairs) == [("p1", "f1"), ("p2", "f1"), ("p1", "f2"), ("p2", "f2")]
    assert all(p.label == "PROGRAM" for p, _ in pairs)
    assert all(f.label in {"COUNT", "AMOUNT", "PERCENT"} for _, f in pairs)


def test_candidate_pairs_with_all_figure_labels_and_no_programs():
    spans = [Span(0, 2, "AMOUNT", "a"), Span(2, 3, "UNIT", "u"), Span(4, 6, "PERCENT", "r"),
             Span(7, 9, "COUNT", "c")]
    assert candidate_pairs(spans) == []
    spans.append(Span(10, 12, "PROGRAM", "p"))
    assert ids(candidate_pairs(spans)) == [("p", "a"), ("p", "r"), ("p", "c")]


def test_pair_features_shape():
    pairs = candidate_pairs(SPANS)
    x = pair_features(TEXT, SPANS, pairs)
    assert x.shape == (4, N_FEATURES) and x.dtype == torch.float32
    assert pair_features(TEXT, SPANS, []).shape == (0, N_FEATURES)


def columns_equal_to(x, expected) -> set[int]:
    return {j for j in range(x.shape[1]) if x[:, j].tolist() == expected}


def test_heuristic_choice_feature_is_one_exactly_for_the_linked_pairs():
    pairs = candidate_pairs(SPANS)
    x = pair_features(TEXT, SPANS, pairs)
    # by hand: 5126 → 城乡低保, 1204 → 城市低保 (see tests/annotation/test_link_figures.py)
    assert {(r.head, r.tail) for r in link_figures(TEXT, SPANS)} == {("p1", "f1"), ("p2", "f2")}
    first = columns_equal_to(x, [1.0, 0.0, 0.0, 1.0])

    # Another case: 1520 counts the group after it, not the program before.
    text = "临时救助1520名困难残疾人，发放300万元"
    spans = [Span(0, 4, "PROGRAM", "a"), Span(4, 8, "COUNT", "c"), Span(8, 9, "UNIT", "u"),
             Span(9, 14, "PROGRAM", "b"), Span(17, 21, "AMOUNT", "m"), Span(21, 22, "UNIT", "v")]
    assert [text[s.start:s.end] for s in spans] == ["临时救助", "1520", "名", "困难残疾人", "300万", "元"]
    pairs = candidate_pairs(spans)
    assert ids(pairs) == [("a", "c"), ("b", "c"), ("a", "m"), ("b", "m")]
    x = pair_features(text, spans, pairs)
    # 300万元 has no program in its clause: it carries over the sentence's last program before it
    second = columns_equal_to(x, [0.0, 1.0, 0.0, 1.0])
    # one column is the heuristic's choice in both cases
    assert len(first & second) == 1, (first, second)


def test_distance_is_one_hot_on_exactly_one_side():
    pairs = candidate_pairs(SPANS)
    x = pair_features(TEXT, SPANS, pairs)
    half = (N_FEATURES - 8) // 2
    before, after = x[:, :half], x[:, half:2 * half]
    assert (before.sum(1) + after.sum(1)).tolist() == [1.0] * 4
    # program before figure: p1→f1, p1→f2, p2→f2; p2 is after f1
    assert before.sum(1).tolist() == [1.0, 0.0, 1.0, 1.0]
    # adjacent (distance 0: 城市低保1204) and distance 2 (城乡低保 对象 5126) fall in different buckets
    assert not torch.equal(before[0], before[3])


def batch_of(pairs, hidden=4):
    n = len(pairs)
    return PairBatch(list(pairs), torch.zeros(n, hidden), torch.zeros(n, hidden), torch.zeros(n, N_FEATURES))


def test_decode_takes_the_best_program_per_figure_above_the_threshold():
    pairs = candidate_pairs(SPANS)  # (p1,f1) (p2,f1) (p1,f2) (p2,f2)
    rels = decode_relations(batch_of(pairs), torch.tensor([0.7, 0.9, 0.4, 0.3]), threshold=0.5)
    assert [(r.head, r.tail, r.label) for r in rels] == [("p2", "f1", HAS_VALUE)]
    assert rels[0].score == 0.9


def test_decode_at_most_one_program_per_figure_and_threshold_inclusive():
    pairs = candidate_pairs(SPANS)
    rels = decode_relations(batch_of(pairs), torch.tensor([0.8, 0.6, 0.5, 0.55]), threshold=0.5)
    assert sorted((r.head, r.tail) for r in rels) == [("p1", "f1"), ("p2", "f2")]
    # threshold exactly met counts; just under does not
    rels = decode_relations(batch_of(pairs), torch.tensor([0.2, 0.1, 0.5, 0.3]), threshold=0.5)
    assert [(r.head, r.tail) for r in rels] == [("p1", "f2")]
    rels = decode_relations(batch_of(pairs), torch.tensor([0.2, 0.1, 0.4999, 0.3]), threshold=0.5)
    assert rels == []


def test_decode_a_higher_threshold_drops_relations():
    pairs = candidate_pairs(SPANS)
    scores = torch.tensor([0.7, 0.9, 0.4, 0.65])
    assert len(decode_relations(batch_of(pairs), scores, threshold=0.5)) == 2
    assert [(r.head, r.tail) for r in decode_relations(batch_of(pairs), scores, threshold=0.8)] == [("p2", "f1")]
    assert decode_relations(batch_of([]), torch.zeros(0), threshold=0.5) == []


def test_decode_rounds_scores():
    pairs = candidate_pairs(SPANS)[:1]
    (rel,) = decode_relations(batch_of(pairs), torch.tensor([0.123456]), threshold=0.1)
    assert abs(rel.score - 0.1235) < 1e-9


def test_pool_spans_means_the_overlapping_tokens():
    hidden = torch.arange(12, dtype=torch.float32).reshape(6, 2)  # token i: (2i, 2i+1)
    offsets = [(0, 0), (0, 1), (1, 2), (2, 3), (3, 4), (0, 0)]  # [CLS] 4 chars [SEP]
    out = pool_spans(hidden, offsets, [Span(0, 2, "PROGRAM"), Span(3, 4, "COUNT"), Span(9, 10, "UNIT")])
    assert out.tolist() == [[3.0, 4.0], [8.0, 9.0], [0.0, 0.0]]


def test_save_and_load_round_trip(tmp_path):
    torch.manual_seed(0)
    head = RelationHead(RelationConfig(hidden_size=6, inner=16, threshold=0.3, linker="heuristic")).eval()
    h, t, x = torch.randn(5, 6), torch.randn(5, 6), torch.rand(5, N_FEATURES)
    head.save(tmp_path)
    loaded = RelationHead.load(tmp_path)
    assert loaded is not None and not loaded.training
    assert loaded.config == head.config
    with torch.no_grad():
        assert torch.equal(loaded(h, t, x), head(h, t, x))


def test_load_without_a_config_is_none(tmp_path):
    assert RelationHead.load(tmp_path) is None


TRAIN_TEXTS = [
    ("城乡低保对象5126户（城市低保1204户）", SPANS),
    ("临时救助1520名困难残疾人，发放300万元",
     [Span(0, 4, "PROGRAM", "a"), Span(4, 8, "COUNT", "c"), Span(8, 9, "UNIT", "u"),
      Span(9, 14, "PROGRAM", "b"), Span(17, 21, "AMOUNT", "m"), Span(21, 22, "UNIT", "v")]),
    ("特困供养标准6000元，农村低保覆盖率53%",
     [Span(0, 4, "PROGRAM", "x"), Span(6, 10, "AMOUNT", "y"), Span(10, 11, "UNIT", "z"),
      Span(12, 16, "PROGRAM", "w"), Span(19, 22, "PERCENT", "r")]),
    ("没有数字的句子", []),  # a sentence with no candidate pairs
]
HIDDEN = 8


def tiny_set(relations_of):
    """PairBatches with random (seeded) token states, and gold Examples with the given relations."""
    gen = torch.Generator().manual_seed(1234)
    batches, gold = [], []
    for n, (text, spans) in enumerate(TRAIN_TEXTS):
        assert all(text[s.start:s.end] for s in spans)
        pairs = candidate_pairs(spans)
        hidden = torch.randn(len(text), HIDDEN, generator=gen)
        offsets = [(i, i + 1) for i in range(len(text))]
        batches.append(PairBatch(pairs, pool_spans(hidden, offsets, [p for p, _ in pairs]),
                                 pool_spans(hidden, offsets, [f for _, f in pairs]),
                                 pair_features(text, spans, pairs)))
        gold.append(Example(f"s{n}", text, list(spans), relations_of(text, spans, pairs)))
    return batches, gold


def training_accuracy(head, batches, gold) -> float:
    right = total = 0
    with torch.no_grad():
        for batch, example in zip(batches, gold, strict=True):
            if not batch.pairs:
                continue
            positive = {(r.head, r.tail) for r in example.relations}
            predicted = (head(batch.head, batch.tail, batch.features) > 0).tolist()
            for (p, f), yes in zip(batch.pairs, predicted, strict=True):
                right += yes == ((p.id, f.id) in positive)
                total += 1
    return right / total


@pytest.fixture
def one_thread():
    """The tiny training runs are faster on one thread than contending for a busy machine's cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.usefixtures("one_thread")
def test_training_fits_a_tiny_separable_set():
    batches, gold = tiny_set(lambda text, spans, pairs: link_figures(text, spans))
    assert sum(len(e.relations) for e in gold) == 6 and sum(len(b.pairs) for b in batches) == 12
    head = train_relation_head(batches, gold, hidden_size=HIDDEN, epochs=300, seed=0)
    assert not head.training
    assert training_accuracy(head, batches, gold) == 1.0


@pytest.mark.usefixtures("one_thread")
def test_training_labels_come_from_the_gold_relations():
    # Gold says the opposite of the heuristic on every pair: still separable (by that feature),
    # and the head must follow the gold, not the heuristic.
    def opposite(text, spans, pairs):
        picked = {(r.head, r.tail) for r in link_figures(text, spans)}
        return [Relation(p.id, f.id) for p, f in pairs if (p.id, f.id) not in picked]

    batches, gold = tiny_set(opposite)
    head = train_relation_head(batches, gold, hidden_size=HIDDEN, epochs=300, seed=0)
    assert training_accuracy(head, batches, gold) == 1.0


def test_training_with_no_pairs_returns_an_untrained_head_in_eval_mode():
    head = train_relation_head([PairBatch([], torch.zeros(0, 4), torch.zeros(0, 4), torch.zeros(0, N_FEATURES))],
                               [Example("e", "无")], hidden_size=4)
    assert isinstance(head, RelationHead) and not head.training
