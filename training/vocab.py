"""The project's own character vocabulary and tokenizer for a BERT built from scratch.

No checkpoint can be downloaded here, so the base model's vocabulary is written
by this module: special tokens, the CJK characters of GB2312 (cleaned text is
simplified, so GB2312 covers it; anything else is [UNK]), ASCII, CJK and
full-width punctuation. ASCII also gets `##` continuation pieces: BERT's
pre-tokenizer keeps "2024" or "ABC" as one word, and a plain character
vocabulary would turn that word into a single [UNK].
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import BertTokenizerFast

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
CJK_PUNCTUATION = "。，、；：？！“”‘’（）《》〈〉【】〔〕「」『』…—～·％．"


def gb2312_hanzi() -> list[str]:
    """The 6763 CJK Unified Ideographs that GB2312 encodes, in code-point order."""
    out = []
    for cp in range(0x4E00, 0xA000):
        ch = chr(cp)
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        out.append(ch)
    return out


def build_char_vocab(extra_chars: str = "") -> list[str]:
    """Special tokens, ASCII (+ ## pieces), punctuation, GB2312 hanzi, then any extra characters."""
    ascii_chars = [chr(i) for i in range(33, 127)]
    tokens = SPECIAL_TOKENS + ascii_chars + ["##" + c for c in ascii_chars]
    tokens += list(CJK_PUNCTUATION) + gb2312_hanzi() + list(extra_chars)
    return list(dict.fromkeys(tokens))  # de-duplicate, keep order


def build_tokenizer(vocab: list[str]) -> BertTokenizerFast:
    """A fast BERT tokenizer over `vocab`: one token per CJK character, ## pieces for ASCII runs."""
    ids = {tok: i for i, tok in enumerate(vocab)}
    core = Tokenizer(models.WordPiece(ids, unk_token="[UNK]", max_input_chars_per_word=200))
    core.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False
    )
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    core.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])],
    )
    # do_lower_case=False must be stored: AutoTokenizer would otherwise lower-case on reload.
    return BertTokenizerFast(
        tokenizer_object=core,
        do_lower_case=False,
        tokenize_chinese_chars=True,
        strip_accents=False,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


def write_vocab(vocab: list[str], path: Path) -> None:
    path.write_text("\n".join(vocab) + "\n", encoding="utf-8")
