"""The operator _evaluate reads from the BRACED match is the one first_operator finds."""

from __future__ import annotations

import random

from dockyard.compose.template import BRACED, first_operator, substitute


def test_every_well_formed_body_names_the_operator_first_operator_finds():
    rng = random.Random(2)
    pieces = ["A", "b_", "1", ":", "-", "+", "?", "x", "\n", "{", "}", "$"]
    matched = 0
    for _ in range(20000):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 7)))
        braced = BRACED.fullmatch(body)
        if braced is not None:
            matched += 1
            assert braced.group("operator") == first_operator(body), body
    assert matched > 1000


def test_the_operator_right_after_the_name_decides_even_when_another_follows():
    env = {"A": "set"}.get

    assert substitute("${B:-x-y}", env) == "x-y"
    assert substitute("${A+:-z}", env) == ":-z"
    assert substitute("${B-:+w}", env) == ":+w"
