"""Constrained (IOB2) decoding of per-token tag probabilities: training.align.viterbi_tags.

Every expectation is worked out by hand as the product of the chosen tags' probabilities
over the IOB2-valid paths (I-X only after B-X or I-X, never first).
"""

import numpy as np
import pytest

from training.align import BIO, LABEL2ID, viterbi_tags

N = len(BIO)


def row(**probs: float) -> list[float]:
    """A probability row: the named tags (B_PROGRAM= for B-PROGRAM) get their value, the rest share what is left."""
    named = {tag.replace("_", "-"): p for tag, p in probs.items()}
    assert set(named) <= set(LABEL2ID)
    rest = (1.0 - sum(named.values())) / (N - len(named))
    assert rest >= 0
    return [named.get(tag, rest) for tag in BIO]


def tags(ids) -> list[str]:
    return [BIO[int(i)] for i in ids]


def is_iob2(seq: list[str]) -> bool:
    prev = "O"
    for tag in seq:
        if tag.startswith("I-") and prev not in (f"B-{tag[2:]}", tag):
            return False
        prev = tag
    return True


def test_bio_table_is_what_these_tests_assume():
    assert BIO[0] == "O" and LABEL2ID["B-PROGRAM"] == 1 and LABEL2ID["I-PROGRAM"] == 2
    assert N == 11


def test_o_then_inside_becomes_a_begun_span_when_the_span_is_likelier():
    probs = np.array([
        row(O=0.5, B_PROGRAM=0.3, I_PROGRAM=0.1),
        row(I_PROGRAM=0.6, O=0.2, B_PROGRAM=0.1),
        row(I_PROGRAM=0.6, O=0.2, B_PROGRAM=0.1),
    ])
    assert tags(probs.argmax(-1)) == ["O", "I-PROGRAM", "I-PROGRAM"]  # invalid: I- after O
    # B I I = .3*.6*.6 = .108 beats O O O = .5*.2*.2 = .02 and O B I = .5*.1*.6 = .03
    out = viterbi_tags(probs, [True] * 3)
    assert tags(out) == ["B-PROGRAM", "I-PROGRAM", "I-PROGRAM"]


def test_o_then_inside_becomes_all_o_when_o_is_likelier():
    probs = np.array([
        row(O=0.9, B_PROGRAM=0.02),
        row(I_PROGRAM=0.4, O=0.35, B_PROGRAM=0.05),
        row(I_PROGRAM=0.4, O=0.35, B_PROGRAM=0.05),
    ])
    assert tags(probs.argmax(-1)) == ["O", "I-PROGRAM", "I-PROGRAM"]
    # O O O = .9*.35*.35 = .110 beats O B I = .9*.05*.4 = .018 and B I I = .02*.4*.4 = .0032
    assert tags(viterbi_tags(probs, [True] * 3)) == ["O", "O", "O"]


def test_o_then_inside_becomes_o_begin_inside_when_that_is_likelier():
    probs = np.array([
        row(O=0.8, B_PROGRAM=0.05),
        row(I_PROGRAM=0.45, B_PROGRAM=0.4, O=0.05),
        row(I_PROGRAM=0.9, O=0.05),
    ])
    assert tags(probs.argmax(-1)) == ["O", "I-PROGRAM", "I-PROGRAM"]
    # O B I = .8*.4*.9 = .288; B I I = .05*.45*.9 = .020; O O O = .8*.05*.05 = .002
    assert tags(viterbi_tags(probs, [True] * 3)) == ["O", "B-PROGRAM", "I-PROGRAM"]


def test_inside_of_another_label_is_not_a_continuation():
    probs = np.array([
        row(B_COUNT=0.6, B_PROGRAM=0.3),
        row(I_PROGRAM=0.5, I_COUNT=0.3, O=0.1),
    ])
    assert tags(probs.argmax(-1)) == ["B-COUNT", "I-PROGRAM"]  # invalid: I-PROGRAM after B-COUNT
    # B-C I-C = .6*.3 = .18 beats B-P I-P = .3*.5 = .15 and B-C O = .6*.1 = .06
    assert tags(viterbi_tags(probs, [True, True])) == ["B-COUNT", "I-COUNT"]


def test_inside_of_another_label_switches_the_begin_when_that_is_likelier():
    probs = np.array([
        row(B_COUNT=0.5, B_PROGRAM=0.4),
        row(I_PROGRAM=0.7, I_COUNT=0.1, O=0.1),
    ])
    # B-P I-P = .4*.7 = .28 beats B-C I-C = .5*.1 = .05 and B-C O = .05
    assert tags(viterbi_tags(probs, [True, True])) == ["B-PROGRAM", "I-PROGRAM"]


def test_a_sequence_cannot_start_inside_a_span():
    probs = np.array([row(I_AMOUNT=0.7, B_AMOUNT=0.2, O=0.05)])
    assert tags(viterbi_tags(probs, [True])) == ["B-AMOUNT"]


def test_masked_positions_keep_their_argmax_and_do_not_break_the_chain():
    # [CLS] tok [piece] tok [SEP]: positions 0, 2 and 4 are not scored (mask False).
    probs = np.array([
        row(I_UNIT=0.9),  # masked, invalid in place, kept
        row(B_PROGRAM=0.6, O=0.3),
        row(O=0.9),  # masked: an O between B and I that the chain must not see
        row(I_PROGRAM=0.7, O=0.2),
        row(I_PERCENT=0.8),  # masked, kept
    ])
    out = viterbi_tags(probs, [False, True, False, True, False])
    assert tags(out) == ["I-UNIT", "B-PROGRAM", "O", "I-PROGRAM", "I-PERCENT"]


def test_first_scored_position_after_a_masked_one_cannot_be_inside():
    probs = np.array([
        row(B_PROGRAM=0.9),  # masked: must not count as the B before position 1
        row(I_PROGRAM=0.6, B_PROGRAM=0.3, O=0.05),
    ])
    assert tags(viterbi_tags(probs, [False, True])) == ["B-PROGRAM", "B-PROGRAM"]


def test_all_masked_returns_the_argmax():
    probs = np.array([row(I_COUNT=0.9), row(I_UNIT=0.9)])
    out = viterbi_tags(probs, [False, False])
    assert tags(out) == ["I-COUNT", "I-UNIT"]


@pytest.mark.parametrize("seed", range(5))
def test_valid_argmax_sequences_are_returned_unchanged(seed):
    rng = np.random.default_rng(seed)
    wanted = ["O", "B-PROGRAM", "I-PROGRAM", "I-PROGRAM", "B-COUNT", "I-COUNT", "B-UNIT",
              "O", "B-AMOUNT", "B-UNIT", "I-UNIT", "O", "B-PERCENT", "I-PERCENT"]
    assert is_iob2(wanted)
    probs = rng.dirichlet(np.ones(N), size=len(wanted)) * 0.5
    for i, tag in enumerate(wanted):
        probs[i, LABEL2ID[tag]] += 0.5  # the wanted tag is the argmax everywhere
    before = probs.copy()
    out = viterbi_tags(probs, [True] * len(wanted))
    assert tags(out) == wanted
    assert np.array_equal(probs, before)  # the input is not modified


@pytest.mark.parametrize("seed", range(20))
def test_output_is_always_iob2_valid_on_scored_positions(seed):
    rng = np.random.default_rng(100 + seed)
    probs = rng.dirichlet(np.full(N, 0.3), size=12)
    mask = rng.random(12) > 0.25
    out = viterbi_tags(probs, mask.tolist())
    scored = [BIO[int(t)] for t, m in zip(out, mask, strict=True) if m]
    assert is_iob2(scored)
    assert [int(t) for t, m in zip(out, mask, strict=True) if not m] == [
        int(t) for t, m in zip(probs.argmax(-1), mask, strict=True) if not m
    ]


def test_result_is_the_best_valid_path_by_brute_force():
    from itertools import product

    rng = np.random.default_rng(7)
    probs = rng.dirichlet(np.full(N, 0.5), size=4)
    best, best_p = None, -1.0
    for path in product(range(N), repeat=4):
        seq = [BIO[i] for i in path]
        if not is_iob2(seq):
            continue
        p = float(np.prod([probs[k, i] for k, i in enumerate(path)]))
        if p > best_p:
            best, best_p = list(path), p
    assert viterbi_tags(probs, [True] * 4).tolist() == best


def _best_by_brute_force(probs, begin_ok, must_continue):
    from itertools import product

    cont = {i: LABEL2ID[f"I-{t[2:]}"] for i, t in enumerate(BIO) if t != "O"}
    best, best_p = None, -1.0
    for path in product(range(N), repeat=len(probs)):
        if not is_iob2([BIO[i] for i in path]) or not all(begin_ok[k, t] for k, t in enumerate(path)):
            continue
        if any(must_continue[k, t] and (k + 1 == len(path) or path[k + 1] != cont[t]) for k, t in enumerate(path)):
            continue
        p = float(np.prod([probs[k, i] for k, i in enumerate(path)]))
        if p > best_p:
            best, best_p = list(path), p
    return best


def test_batched_decoding_of_sequences_of_different_lengths_is_each_ones_best_constrained_path():
    """viterbi_batch pads shorter sequences inside the batch: padding must neither change a row's
    path nor let a must-continue rule at a row's last real position slip through."""
    from training.align import viterbi_batch

    rng = np.random.default_rng(11)
    items = []
    for length in (1, 4, 2, 3, 4, 1, 3):
        probs = rng.dirichlet(np.full(N, 0.4), size=length)
        begin_ok = rng.random((length, N)) > 0.2
        begin_ok[:, LABEL2ID["O"]] = True  # O is always allowed, as in training/constraints.py
        must_continue = rng.random((length, N)) > 0.7
        must_continue[:, LABEL2ID["O"]] = False
        items.append((probs, [True] * length, begin_ok, must_continue))
    decoded = viterbi_batch(items)
    for (probs, _, begin_ok, must_continue), got in zip(items, decoded, strict=True):
        assert got.tolist() == _best_by_brute_force(probs, begin_ok, must_continue)
        assert got.tolist() == viterbi_tags(probs, [True] * len(probs), begin_ok, must_continue).tolist()


def test_token_batches_put_short_texts_many_to_a_batch_and_long_ones_few():
    from training.predict import TOKENS_PER_ROW, token_batches

    lengths = [10] * 100 + [200] * 20 + [5000]
    batches = token_batches(lengths, batch_size=4)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))  # every text once
    for batch in batches:
        assert len(batch) == 1 or len(batch) * (max(lengths[i] for i in batch) + 2) <= 4 * TOKENS_PER_ROW
    assert max(len(b) for b in batches if lengths[b[0]] == 10) > 4  # short texts: more rows than batch_size
    assert [len(b) for b in batches if lengths[b[0]] == 5000] == [1]  # over budget alone: a batch of its own
    with pytest.raises(ValueError, match="at least 1"):
        token_batches(lengths, 0)
