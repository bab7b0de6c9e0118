"""Reading JSON a window at a time (crypto.formats.jsonfile.load_json, how the tools read round
packages and records of hundreds of megabytes) gives exactly what parsing the whole text gives,
and refuses exactly what it refuses, wherever the windows happen to cut the text."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.formats import jsonfile
from crypto.formats.errors import FileProblem, FormatError

DOCUMENTS = [
    '{"a": [1, 2, {"b": "x\\u00e9y\\n"}], "c": null, "d": true, "e": -12345678901234567890}',
    '[]', '{}', ' \t\n[ 1 , 2 ]\r\n ', '"é😀"', '0', '-0', '[false, null]',
    '{"k": [' + ",".join(str(i) for i in range(300)) + ']}',
    '{"x": "' + "ab" * 300 + '", "y": {"z": [[[]]]}}',
    '{"é": "\\ud800"}',
    # refused
    '{"a":1,"a":2}', '{"a":1.5}', '[1e5]', '[NaN]', '[Infinity]', '[-Infinity]', '[1,]',
    '{"a":1,}', '[1 2]', '{"a" 1}', '{1: 2}', '[tru]', '[true', '["abc', '1 2', '', '   ',
    '[1]x', '[-]', '[0123]', '[1.]', '["\x01"]', '["\\x"]', '{"a":[{"b":[{"c":1.0}]}]}',
    '\ufeff[1]', '[' * 100_000 + ']' * 100_000,
]


def whole(data: bytes) -> tuple:
    try:
        return ("ok", jsonfile.parse_json(data, "doc"))
    except FormatError:
        return ("refused",)


def windowed(data: bytes, window: int) -> tuple:
    try:
        return ("ok", jsonfile.load_json(io.BytesIO(data), "doc", window_bytes=window))
    except FormatError as exc:
        assert str(exc).startswith("doc is not valid JSON: ")
        return ("refused",)


@pytest.mark.parametrize("text", DOCUMENTS)
def test_every_cut_gives_the_whole_text_answer(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    expected = whole(data)
    windows = range(1, 80) if len(data) < 5000 else (1, 7, 4096)
    for window in windows:
        assert windowed(data, window) == expected, window


def test_invalid_utf8_is_refused_wherever_it_is_cut() -> None:
    for window in range(1, 8):
        assert windowed(b'["\xc3"]', window) == ("refused",)
        assert windowed(b'["ok"]\xc3', window) == ("refused",)


def test_more_than_the_size_limit_is_a_file_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonfile, "MAX_FILE_BYTES", 100)
    jsonfile.load_json(io.BytesIO(b"[" + b"1," * 40 + b"1]"), "doc", window_bytes=8)
    with pytest.raises(FileProblem, match="the input is larger than 100 bytes"):
        jsonfile.load_json(io.BytesIO(b"[" + b"1," * 60 + b"1]"), "doc", size_name="the input",
                           window_bytes=8)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=6)
    | st.dictionaries(st.text(max_size=8), children, max_size=6),
    max_leaves=40,
)


@settings(max_examples=150, deadline=None)
@given(value=json_values, indent=st.sampled_from([None, 0, 2]), window=st.integers(1, 64),
       ascii_only=st.booleans())
def test_any_document_reads_the_same(value, indent, window: int, ascii_only: bool) -> None:
    data = json.dumps(value, indent=indent, ensure_ascii=ascii_only).encode("utf-8",
                                                                             "surrogatepass")
    assert windowed(data, window) == whole(data) == ("ok", value)


def test_minus_zero_is_refused_by_both_readers(tmp_path):
    from crypto.formats.errors import FormatError
    from crypto.formats.jsonfile import load_json, parse_json

    data = b'{"a": [1, -0]}'
    with pytest.raises(FormatError, match="-0"):
        parse_json(data, "the file")
    path = tmp_path / "f.json"
    path.write_bytes(data)
    with path.open("rb") as handle, pytest.raises(FormatError, match="-0"):
        load_json(handle, "the file")


def test_a_lone_surrogate_is_not_text():
    from crypto.formats.errors import FormatError
    from crypto.formats.jsonfile import Obj, parse_json

    doc = Obj(parse_json(b'{"name": "\\ud800"}', "the file"), "the file")
    with pytest.raises(FormatError, match="lone surrogate"):
        doc.text("name")
    assert Obj(parse_json(b'{"name": "\\ud83d\\ude00"}', "f"), "f").text("name") == "\U0001F600"
