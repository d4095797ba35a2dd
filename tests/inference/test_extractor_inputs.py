"""The Python API refuses what is not a text, by name and index, before any work; nothing else is lost."""

import pytest


@pytest.mark.parametrize("bad, what", [(None, "NoneType"), (42, "int"), (b"\xe4\xbd\x8e\xe4\xbf\x9d", "bytes")])
def test_call_with_something_that_is_not_a_str(extractor, bad, what):
    with pytest.raises(TypeError, match=f"extractor\\(\\) takes a str, not {what}"):
        extractor(bad)


def test_bytes_say_how_to_decode(extractor):
    with pytest.raises(TypeError, match=r"decode it first.*read_document"):
        extractor("低保".encode("gb18030"))


def test_pipe_names_the_bad_item_before_doing_any_work(extractor):
    texts = ["全县城乡低保对象5126户。", None, "发放临时救助金27.482万元。"]
    with pytest.raises(TypeError, match="item 1 must be a str or RawDocument, not NoneType"):
        extractor.pipe(texts)  # raised at the call, not at the first next()
    good = list(extractor.pipe([t for t in texts if t is not None]))
    assert [d.facts[0].value for d in good] == ["5126", "274820"]  # the others are unaffected


def test_pipe_from_a_generator_keeps_what_was_done(extractor):
    def texts():
        yield "全县城乡低保对象5126户。"
        yield b"bytes"

    done = []
    with pytest.raises(TypeError, match="item 1 .* not bytes"):
        for doc in extractor.pipe(texts(), chunk_docs=1):
            done.append(doc)
    assert len(done) == 1 and done[0].facts[0].value == "5126"


def test_pipe_of_a_single_string_and_mismatched_names(extractor):
    with pytest.raises(TypeError, match="not a single text"):
        extractor.pipe("全县城乡低保对象5126户。")
    with pytest.raises(ValueError, match="2 texts but 1 doc names"):
        extractor.pipe(["a", "b"], docs=["a"])
