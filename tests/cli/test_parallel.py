"""``in_two_processes``: the second result comes from a forked child, and the result never depends on it."""

from __future__ import annotations

import os
import signal

import pytest

from dockyard.cli import _parallel
from dockyard.cli._parallel import in_two_processes


def test_the_second_result_is_computed_by_another_process():
    parent = os.getpid()
    first, second = in_two_processes(lambda: f"first by {os.getpid()}", lambda: f"second by {os.getpid()}")
    assert first == f"first by {parent}"
    assert second.startswith("second by ") and second != f"second by {parent}"


def test_plain_data_comes_back_from_the_child_as_it_was_built():
    parent = os.getpid()
    data = {"pid": None, "items": [("a", 1), ("b", 2.5)], "flags": {True, None}, "blob": b"\x00\xff"}
    first, second = _parallel.in_two_processes(lambda: os.getpid(), lambda: {**data, "pid": os.getpid()})
    assert first == parent and second["pid"] != parent
    assert {**second, "pid": None} == data


def test_a_result_marshal_cannot_carry_is_computed_here_instead():
    class Opaque:
        """Not plain data: marshal refuses it."""

    first, second = _parallel.in_two_processes(lambda: 1, lambda: Opaque())
    assert isinstance(second, Opaque)


def test_non_ascii_text_and_a_half_larger_than_a_pipe_buffer_arrive_whole():
    big = "é€𝄞 " * 200_000
    assert in_two_processes(lambda: "head\n", lambda: big) == ("head\n", big)


def test_a_failing_child_makes_this_process_compute_the_second_half():
    parent = os.getpid()

    def second() -> str:
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return "recomputed here"

    assert in_two_processes(lambda: "a ", second) == ("a ", "recomputed here")


def test_a_child_killed_by_a_signal_makes_this_process_compute_the_second_half():
    parent = os.getpid()

    def second() -> str:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return "recomputed here"

    assert in_two_processes(lambda: "a ", second) == ("a ", "recomputed here")


def test_an_error_in_the_first_half_propagates_and_leaves_no_child_behind():
    def first() -> str:
        raise ValueError("bad first half")

    with pytest.raises(ValueError, match="bad first half"):
        in_two_processes(first, lambda: "never needed")
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_an_error_of_the_second_half_surfaces_from_this_process():
    def second() -> str:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        in_two_processes(lambda: "a", second)


def test_without_fork_both_calls_run_here(monkeypatch):
    monkeypatch.delattr(os, "fork")
    parent = os.getpid()
    assert in_two_processes(lambda: "a", lambda: os.getpid()) == ("a", parent)
    assert not _parallel.worth_splitting(10_000, 200)


def test_small_outputs_are_not_split():
    assert not _parallel.worth_splitting(10, 200)
    assert _parallel.worth_splitting(1_000, 200)


def test_a_large_render_made_by_two_processes_is_the_single_process_output(tmp_path, monkeypatch, capsys):
    from dockyard.cli import _fastpath, _render
    from dockyard.manifests import render
    from dockyard.manifests.serialize import dump

    services = "".join(
        f"  svc{i:03}:\n    image: app:{i}\n    ports: ['{8000 + i}:80']\n    environment: {{N: '{i}', TOKEN: '${{TOKEN}}'}}\n"
        f"    stop_signal: SIGINT\n    env_file: [common.env]\n"
        for i in range(150)
    )
    (tmp_path / "compose.yaml").write_text("services:\n" + services)
    (tmp_path / "common.env").write_text("LEVEL=debug\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_render, "HALVES_FROM_SERVICES", 100)
    halves: list[bool] = []
    real_yaml_in_halves = render.yaml_in_halves

    def spying_yaml_in_halves(*args, **kwargs):
        done = real_yaml_in_halves(*args, **kwargs)
        halves.append(done is not None)
        return done

    monkeypatch.setattr(render, "yaml_in_halves", spying_yaml_in_halves)
    assert _fastpath.run(["render", "--secret-keys", "TOKEN"]) == 0
    two_processes = capsys.readouterr()
    monkeypatch.setattr(_parallel, "worth_splitting", lambda items, threshold: False)
    assert _fastpath.run(["render", "--secret-keys", "TOKEN"]) == 0
    one_process = capsys.readouterr()
    assert halves == [True]
    assert (two_processes.out, two_processes.err) == (one_process.out, one_process.err)
    assert one_process.out.count("\nkind: Deployment\n") == 150 and one_process.err.count("stop_signal is not mapped") == 150
    assert one_process.out == dump(_rendered_objects(tmp_path), "yaml")


def _rendered_objects(directory):
    from dockyard.cli._render import rendered_from_options

    rendered = rendered_from_options([str(directory / "compose.yaml")], "dev", None, None, ["TOKEN"], None, None,
                                     None, None, None, None)
    return rendered.objects


def test_without_a_writable_temporary_directory_both_calls_run_here(monkeypatch):
    import tempfile

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_space)
    parent = os.getpid()
    assert _parallel.in_two_processes(lambda: 1, lambda: os.getpid()) == (1, parent)


def test_the_child_prints_nothing(capfd):
    import sys

    def second() -> str:
        print("from the child")
        print("to stderr", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        return "b"

    parent = os.getpid()
    assert in_two_processes(lambda: "a", lambda: second() if os.getpid() != parent else "b") == ("a", "b")
    assert capfd.readouterr() == ("", "")
