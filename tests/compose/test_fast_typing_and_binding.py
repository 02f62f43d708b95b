"""The fast paths of typing and binding keep the behaviour of the plain ones they replaced.

The model classes stay what ``@dataclass(frozen=True, slots=True)`` makes (a hand-written
``__eq__``/``__hash__``/``__repr__`` was tried and reverted: these tests guard the contract);
``bind`` converts only the keys a mapping has and builds objects through slot descriptors;
``canonical.typed`` fuses its passes and converts each duration/size text once; ``parse_volume``
splits plain specs without a character scan; ``_port_range`` reads a single port without its
pattern; ``resolve_plain`` answers durations, sizes and small ints without the timestamp and
number rules.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest

from dockyard.compose import bind, canonical
from dockyard.compose import model as m
from dockyard.errors import ComposeError, SchemaError

MODEL_CLASSES = [c for c in vars(m).values() if isinstance(c, type) and dataclasses.is_dataclass(c)]


def reference_dataclass(cls: type) -> type:
    """What ``@dataclass(frozen=True, slots=True)`` makes of ``cls``'s fields."""
    specs = []
    for f in dataclasses.fields(cls):
        options = {"compare": f.compare, "repr": f.repr, "hash": f.hash}
        if f.default is not dataclasses.MISSING:
            options["default"] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            options["default_factory"] = f.default_factory
        specs.append((f.name, f.type, dataclasses.field(**options)))
    return dataclasses.make_dataclass(cls.__name__, specs, frozen=True, slots=True)


def sample_values(cls: type, seed: int) -> dict:
    values = {}
    for f in dataclasses.fields(cls):
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            values[f.name] = f"required-{seed}"
        elif seed % 2 and f.default is None:
            values[f.name] = seed
    return values


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_model_classes_compare_hash_and_print_like_frozen_slotted_dataclasses(cls):
    reference = reference_dataclass(cls)
    for seed in (1, 2):
        ours, theirs = cls(**sample_values(cls, seed)), reference(**sample_values(cls, seed))
        assert repr(ours) == repr(theirs)
        assert ours == cls(**sample_values(cls, seed))
        other_seed = cls(**sample_values(cls, seed + 1)), reference(**sample_values(cls, seed + 1))
        assert (ours == other_seed[0]) == (theirs == other_seed[1])
        assert ours.__eq__(theirs) is NotImplemented
        try:
            expected = hash(theirs)
        except TypeError:  # a mapping field (a dict default) makes both unhashable
            with pytest.raises(TypeError):
                hash(ours)
        else:
            assert hash(ours) == expected


def test_model_objects_stay_frozen_and_their_init_keeps_its_errors():
    port = m.Port(target=80)
    with pytest.raises(dataclasses.FrozenInstanceError):
        port.target = 81  # type: ignore[misc]
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'target'"):
        m.Port()  # type: ignore[call-arg]
    assert dataclasses.replace(port, published="8080") == m.Port(target=80, published="8080")
    assert m.Ulimit(1, 2).__match_args__ == ("soft", "hard")


def test_a_service_binds_the_keys_it_has_and_defaults_the_others():
    service = bind.service(
        "web",
        {
            "image": "nginx",
            "depends_on": {"db": {"condition": "service_healthy"}},
            "volumes": [{"type": "bind", "source": "/src", "target": "/dst", "bind": {}, "x-note": [1]}],
            "healthcheck": {"interval": "1m30s", "retries": 3},
            "cgroup": "host",
            "x-team": {"name": "a"},
        },
    )
    assert service.image == "nginx"
    assert service.depends_on["db"] == m.Dependency(condition="service_healthy", required=True, restart=False)
    volume = service.volumes[0]
    assert volume.bind == m.BindOptions(create_host_path=False)  # only the short syntax sets it
    assert volume.extensions == {"x-note": (1,)}
    assert service.healthcheck == m.Healthcheck(interval=90 * 10**9, retries=3)
    assert service.other == {"cgroup": "host"}
    assert service.extensions == {"x-team": {"name": "a"}}
    assert isinstance(service.labels, MappingProxyType) and service.labels == {}
    assert (service.ports, service.command, service.privileged) == ((), None, False)


def test_typed_names_the_path_of_an_invalid_duration_after_valid_ones_were_remembered():
    tree = {"services": {"a": {"healthcheck": {"interval": "10s", "timeout": "10s"}}}}
    assert canonical.typed(tree)["services"]["a"]["healthcheck"] == {"interval": "10s", "timeout": "10s"}
    with pytest.raises(SchemaError, match=r"^services\.b\.healthcheck\.interval invalid duration 'ten'"):
        canonical.typed({"services": {"b": {"healthcheck": {"interval": "ten"}}}})
    with pytest.raises(SchemaError, match=r"^services\.b\.mem_limit invalid size"):
        canonical.typed({"services": {"b": {"mem_limit": "lots"}}})


def test_typed_drops_false_and_empty_service_keys_but_keeps_pointer_booleans_and_commands():
    service = {
        "privileged": False,
        "init": False,
        "x-flag": False,
        "command": [],
        "ports": [],
        "networks": {},
        "volumes": [{"type": "volume", "target": "/a", "read_only": False}],
        "labels": {"a": False},
    }
    assert canonical.typed({"services": {"s": service}})["services"]["s"] == {
        "init": False,
        "x-flag": False,
        "command": [],
        "volumes": [{"type": "volume", "target": "/a"}],
        "labels": {"a": "false"},
    }


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("data:/var/lib/data", {"type": "volume", "source": "data", "target": "/var/lib/data", "volume": {}}),
        ("./config:/etc/app:ro,z", {"type": "bind", "source": "./config", "target": "/etc/app", "read_only": True,
                                    "bind": {"selinux": "z", "create_host_path": True}}),
        ("/a:/b:rshared", {"type": "bind", "source": "/a", "target": "/b",
                           "bind": {"propagation": "rshared", "create_host_path": True}}),
        ("vol:/x:nocopy", {"type": "volume", "source": "vol", "target": "/x", "volume": {"nocopy": True}}),
        ("/just/a/target", {"type": "volume", "target": "/just/a/target", "volume": {}}),
    ],
)
def test_a_plain_volume_spec_is_split_on_its_colons(spec, expected):
    assert canonical.parse_volume(spec) == expected


def test_a_spec_with_a_variable_or_a_drive_letter_is_scanned_to_the_same_fields():
    assert canonical.parse_volume("${V}:/x:ro,z") == {**canonical.parse_volume("vol:/x:ro,z"), "source": "${V}"}
    assert canonical.parse_volume("C:\\data:/data")["source"] == "C:\\data"


@pytest.mark.parametrize(
    ("spec", "error"), [("ab::c", "empty section between colons"), ("/a:/b:ro:extra", "too many colons")]
)
def test_a_bad_plain_spec_keeps_its_error(spec, error):
    with pytest.raises(ComposeError, match=f"invalid spec: {spec}: {error}"):
        canonical.parse_volume(spec)


def test_a_nul_in_a_volume_spec_still_ends_a_field_as_the_character_scan_reads_it():
    with pytest.raises(ComposeError, match="empty section between colons"):
        canonical.parse_volume("./x\0")


def _outcome(parse, spec):
    try:
        return parse(spec)
    except ComposeError as error:
        return str(error)


def test_parse_volume_gives_the_character_scans_fields_and_errors_for_random_specs():
    import random

    pieces = ["a", "bc", "/", ":", ".", "$", "{", "}", "${V}", "~", ",", "ro", "rw", "z", "nocopy", "rshared", "\\",
              "\0", "C:", "é", "data", "/var/lib", " "]
    rng = random.Random(3)
    split = 0
    for _ in range(30000):
        spec = "".join(rng.choice(pieces) for _ in range(rng.randint(2, 7)))
        if len(spec) <= 2:
            continue
        scanned = _outcome(lambda s: canonical._scanned_volume(s, {"type": None, "source": "", "target": ""}), spec)
        assert _outcome(canonical.parse_volume, spec) == scanned, spec
        split += "$" not in spec and "\0" not in spec
    assert split > 5000


def _port_range_by_pattern(text, spec, path, what):
    """``_port_range`` before its single-port shortcut: the pattern decides every text."""
    match = canonical._PORT_RANGE.match(text)
    if not match:
        raise canonical._fail(path, f"invalid {what}: {text}" if text else f"no port specified: {spec}<empty>")
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) else start
    if start > 65535 or end > 65535:
        raise canonical._fail(path, f"invalid {what}: {text}")
    if end < start:
        raise canonical._fail(path, f"invalid range specified for {what}: {text}")
    return start, end


def test_a_single_port_shortcut_gives_the_patterns_ports_and_errors():
    import random

    pieces = ["0", "1", "8", "80", "65535", "65536", "-", "٣", "²", "\n", " ", "a", ""]
    rng = random.Random(4)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
        args = (text, f"{text}:80", ("services", "web", "ports", 0), "hostPort")
        assert _outcome(lambda _: canonical._port_range(*args), text) == _outcome(lambda _: _port_range_by_pattern(*args), text)


def test_resolve_plain_types_digit_led_scalars_as_the_timestamp_and_number_rules_do():
    import random

    from dockyard.compose import yamlload

    pieces = ["0", "1", "9", "12", "_", ".", "e", "E", "-", "+", "x", "o", "b", "f", "F", "s", "m", "h", "M", "Gi",
              "Z", "T", "t", ":", " ", "٣", "1234567890", "99999999"]
    rng = random.Random(6)
    stamps = ["2001-12-14", "2001-1-4", "2001-12-14t21:59:43", "2001-12-14T21:59:43.10", "2001-12-14 21:59:43.1"]
    for _ in range(50000):
        if rng.random() < 0.2:  # timestamp-shaped: a date, maybe a time, maybe a zone (Z is a number's last letter)
            text = rng.choice(stamps) + rng.choice(["", "Z", "z", "-05:00", "+1", "0Z", " Z", "s"])
        else:
            text = rng.choice("0123456789") + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        stamp = yamlload._timestamp(text)
        expected = stamp if stamp is not None else yamlload._number(text)
        got = yamlload.resolve_plain(text)
        assert (type(got), got) == (type(expected), expected), text
