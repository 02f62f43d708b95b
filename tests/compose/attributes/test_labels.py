from __future__ import annotations

from attribute_helpers import merged, round_trip


def test_labels_list_and_mapping_become_string_mappings():
    def check(project):
        assert dict(project.services["web"].labels) == {"a": "b", "c": "", "n": "1"}

    round_trip("services:\n  web:\n    image: x\n    labels: [a=b, c, n=1]\n", check)
    round_trip("services:\n  web:\n    image: x\n    labels: {a: b, c: '', n: 1}\n", check)


def test_override_labels_merge_by_key():
    tree = merged(
        "services:\n  web:\n    image: x\n    labels: {a: '1', b: '2'}\n",
        "services:\n  web:\n    labels: [b=3]\n",
    )
    assert tree["services"]["web"]["labels"] == {"a": "1", "b": "3"}


def test_label_files_are_read_under_the_explicit_labels():
    from attribute_helpers import load

    tree, project = load(
        "services:\n  web:\n    image: x\n    label_file: [labels.txt]\n    labels: {b: explicit}\n",
        files={"labels.txt": "a=1\nb=file\n"},
    )
    assert dict(project.services["web"].labels) == {"a": "1", "b": "explicit"}
    assert "label_file" not in tree["services"]["web"]
