"""The cast automaton the walker steps through gives the cast the trie of patterns gives (``_step``)."""

from __future__ import annotations

import random

from dockyard.compose import interpolate as module
from dockyard.compose.casts import COMPOSE_CASTS
from dockyard.compose.tree import ANY_INDEX, SEP


def _cast_by_trie(casts, path):
    states = [module._compile(casts)]
    for part in path:
        states = module._step(states, part)
        if not states:
            return None
    return next((state[module._CAST] for state in states if module._CAST in state), None)


def _cast_by_automaton(casts, path):
    state = module._automaton(casts)
    for part in path:
        if state is None:
            return None
        state = state.children.get(part, state.other)
    return None if state is None else state.cast


def _random_paths(casts, count):
    rng = random.Random(5)
    parts = sorted({part for pattern in casts for part in pattern.split(SEP)} | {"web", "x-a", "other", ANY_INDEX})
    return [tuple(rng.choice(parts) for _ in range(rng.randint(1, 6))) for _ in range(count)]


def test_the_automaton_casts_every_path_as_the_pattern_trie_does():
    casts = dict(COMPOSE_CASTS)
    paths = _random_paths(casts, 20000) + [tuple(p.split(SEP)) for p in casts]
    cast_found = 0
    for path in paths:
        expected = _cast_by_trie(casts, path)
        assert _cast_by_automaton(casts, path) is expected, path
        cast_found += expected is not None
    assert cast_found >= len(casts)


def test_overlapping_wildcard_patterns_keep_the_first_cast_as_the_trie_does():
    casts = {"a.*.soft": int, "a.*": str, "a.b.soft": float}
    for path in [("a", "b", "soft"), ("a", "c", "soft"), ("a", "b"), ("a", "*"), ("a", "*", "soft")]:
        assert _cast_by_automaton(casts, path) is _cast_by_trie(casts, path), path


def test_automata_of_many_cast_tables_are_not_all_kept():
    for index in range(200):
        module._automaton({f"services.*.x{index}": int})
    assert len(module._automata) <= module._AUTOMATA_KEPT
    assert module._automaton(COMPOSE_CASTS) is module._automaton(COMPOSE_CASTS)
