"""Every ``loader_cases.json`` vector: end-to-end loads, assertions on the printed (config) tree.

Files are served from a ``MemorySource`` rooted at a fake working directory, so these tests also
prove that a project loads with no disk. Assertion paths use ``docker compose config`` keys.
"""

from __future__ import annotations

import os
import re

import pytest
from loader_helpers import oracle_cases

from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions, MemorySource, load_tree
from dockyard.errors import ComposeError

CASES = oracle_cases("loader_cases.json")
WORKDIR = "/work/project"

# The oracle's rule: a case without ``resolve_paths`` ran with path resolution off, except where
# its note says upstream used the library default (on).
RESOLVE_PATHS_DEFAULT_ON = {"loader-036": "upstream passes an absolute path with default library options (note)"}


def details_for(case: dict) -> ConfigDetails:
    files = {os.path.normpath(os.path.join(WORKDIR, name)): text.encode() for name, text in case["files"].items()}
    config_files = [
        ConfigFile(os.path.join(WORKDIR, name), case["files"][name]) for name in case["config_files"]
    ]
    return ConfigDetails(WORKDIR, config_files, case["environment"] or {}, MemorySource(files))


def assert_error_matches(case: dict, error: ComposeError) -> None:
    """compose-go prefixes YAML errors with ``line N:``; dockyard locates them as ``file:N:col:``."""
    message = case["expect_error_contains"]
    located = re.match(r"line (\d+): (.*)", message)
    if located:
        assert error.line == int(located.group(1))
        message = located.group(2)
    assert message in str(error)


def options_for(case: dict) -> LoadOptions:
    given = case["options"]
    return LoadOptions(
        project_name=given.get("project_name"),
        skip_normalization=given.get("skip_normalization", False),
        skip_consistency_check=given.get("skip_consistency_check", False),
        skip_validation=given.get("skip_validation", False),
        resolve_paths=given.get("resolve_paths", case["id"] in RESOLVE_PATHS_DEFAULT_ON),
    )


def lookup(tree, dotted: str):
    node = tree
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", dotted):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(node, list) or index >= len(node):
                return None
            node = node[index]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


BYTE_SIZES = {"shm_size", "mem_limit", "mem_reservation", "memswap_limit", "memory", "size"}


def model_values(value, key=None):
    """docker compose prints file modes as octal strings and byte sizes as decimal strings; the
    oracle states the model's ints (loader-054 crosscheck note)."""
    if isinstance(value, dict):
        return {k: model_values(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [model_values(v) for v in value]
    if key == "mode" and isinstance(value, str) and value.isdigit():
        return int(value, 8)
    if key in BYTE_SIZES and isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def check(tree, assertion: dict) -> None:
    value = model_values(lookup(tree, assertion["path"]), assertion["path"].rsplit(".", 1)[-1])
    expected = assertion.get("value")
    if isinstance(expected, str):
        expected = expected.replace("<WORKDIR>", WORKDIR)
    op = assertion["op"]
    if op == "equals":
        assert value == expected, assertion["path"]
    elif op == "absent":
        assert value is None, assertion["path"]
    elif op == "length":
        assert len(value or ()) == expected, assertion["path"]
    elif op == "falsy":
        assert not value, assertion["path"]
    elif op == "exists":
        assert value is not None, assertion["path"]
    else:
        raise AssertionError(f"unknown op {op}")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_loader_matches_compose_go(case):
    if case["expect_error_contains"]:
        with pytest.raises(ComposeError) as caught:
            load_tree(details_for(case), options_for(case))
        assert_error_matches(case, caught.value)
        return
    tree, project = load_tree(details_for(case), options_for(case))
    for assertion in case["assertions"]:
        check(tree, assertion)
    assert set(project.services) == set(tree.get("services") or {})
