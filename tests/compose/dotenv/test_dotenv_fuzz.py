"""Hypothesis: any .env text ends in a mapping or an EnvFileError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.compose import dotenv
from dockyard.errors import EnvFileError

PIECES = st.sampled_from(["A", "b_1", "export ", "=", ":", "\n", " ", "\t", "#", " #", "'", '"', "\\", "\\n",
                          "\\0123", "$A", "${A:-x}", "${", "}", "é", "\r\n", "\ufeff", "[0]", ".", "-"])
TEXTS = st.one_of(st.lists(PIECES, max_size=30).map("".join), st.text(max_size=60))


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_dotenv_text_parses_or_raises_env_file_error(text):
    for parse in (lambda: dotenv.parse(text, {"A": "1"}.get, file=".env"),
                  lambda: dotenv.parse_raw(text, file=".env"),
                  lambda: dotenv.env_from_files({}, [(".env", text), ("b.env", text)])):
        try:
            assert all(isinstance(v, str) for v in parse().values())
        except EnvFileError as error:
            assert error.file == ".env"
