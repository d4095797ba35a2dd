"""Label alignment for the character tokenizer and for a word-piece vocabulary with merged digits."""

import pytest
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
from transformers import BertTokenizerFast

from annotation.schema import Span
from training.align import IGNORE, LABEL2ID, align_labels, char_tags, decode_spans, token_view
from training.vocab import build_char_vocab, build_tokenizer

TEXT = "城乡低保对象5126户8731人，发放1234567元，率53%。"
SPANS = [
    Span(0, 4, "PROGRAM"),
    Span(6, 10, "COUNT"),
    Span(10, 11, "UNIT"),
    Span(11, 15, "COUNT"),
    Span(15, 16, "UNIT"),
    Span(19, 26, "AMOUNT"),
    Span(26, 27, "UNIT"),
    Span(29, 32, "PERCENT"),
]


@pytest.fixture(scope="module")
def char_tokenizer():
    return build_tokenizer(build_char_vocab())


@pytest.fixture(scope="module")
def wordpiece_tokenizer():
    """A tiny bert-base-chinese-like vocabulary whose digit pieces merge (123 ##45 ##67)."""
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "123", "##45", "##67", "51", "##26",
             "87", "##31", "53", "%", "，", "。"] + list(dict.fromkeys("城乡低保对象户人发放元率"))
    core = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    core.normalizer = normalizers.BertNormalizer(lowercase=False, handle_chinese_chars=True)
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return BertTokenizerFast(tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]",
                             cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")


def test_char_tags_mark_begin_and_inside():
    tags = char_tags(len(TEXT), SPANS)
    assert tags[:5] == ["B-PROGRAM", "I-PROGRAM", "I-PROGRAM", "I-PROGRAM", "O"]
    assert tags[29:32] == ["B-PERCENT", "I-PERCENT", "I-PERCENT"]


@pytest.mark.parametrize("kind", ["char_tokenizer", "wordpiece_tokenizer"])
def test_gold_labels_decode_back_to_exact_spans(kind, request):
    tok = request.getfixturevalue(kind)
    enc = tok([TEXT], return_offsets_mapping=True)
    view = token_view(enc)
    labels = align_labels(view, char_tags(len(TEXT), SPANS))
    # Feed the gold labels back as predictions; ignored pieces get an arbitrary tag.
    predicted = [lab if lab != IGNORE else LABEL2ID["O"] for lab in labels]
    assert [(s.start, s.end, s.label) for s in decode_spans(view, predicted)] == [
        (s.start, s.end, s.label) for s in SPANS
    ]


def test_wordpiece_merges_digits_and_labels_first_piece_only(wordpiece_tokenizer):
    enc = wordpiece_tokenizer([TEXT], return_offsets_mapping=True)
    tokens = enc.tokens(0)
    assert "##45" in tokens and "##67" in tokens
    view = token_view(enc)
    labels = align_labels(view, char_tags(len(TEXT), SPANS))
    i = tokens.index("123")
    assert labels[i] == LABEL2ID["B-AMOUNT"]
    assert labels[i + 1] == IGNORE and labels[i + 2] == IGNORE


def test_char_tokenizer_keeps_digits_as_pieces_not_unk(char_tokenizer):
    tokens = char_tokenizer("发放5126元ABC").tokens()
    assert "[UNK]" not in tokens
    assert tokens[3:7] == ["5", "##1", "##2", "##6"]


def test_decode_opens_span_on_stray_inside_tag(char_tokenizer):
    enc = char_tokenizer(["低保5人"], return_offsets_mapping=True)
    view = token_view(enc)
    ids = [LABEL2ID["O"], LABEL2ID["I-PROGRAM"], LABEL2ID["I-PROGRAM"], LABEL2ID["B-COUNT"],
           LABEL2ID["B-UNIT"], LABEL2ID["O"]]
    assert [(s.start, s.end, s.label) for s in decode_spans(view, ids)] == [
        (0, 2, "PROGRAM"), (2, 3, "COUNT"), (3, 4, "UNIT")]
