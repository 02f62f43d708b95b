"""The typed, immutable Compose model: what the loader returns and every later layer reads.

The loader (``dockyard.compose.loader``) binds its canonical tree to these classes once, at the
end of the pipeline. Values are already canonical here: long syntax only, durations in
nanoseconds, byte sizes as ints, CPU counts as floats, mappings for list-or-dict keys.

Service keys that dockyard does not model one by one are kept, canonical and untouched, in
``Service.other`` (keyed by their Compose name), so later layers can warn about them by name.
``x-`` extension fields are kept in ``extensions`` on every object that can carry them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.compose.location import Location

Duration = int
"""A duration in nanoseconds (Compose durations such as ``1m30s`` or ``500ms``)."""

ByteSize = int
"""A size in bytes (Compose ``512m`` is 512 MiB = 536870912)."""

Path = tuple[str | int, ...]
"""A location in the Compose tree, e.g. ``("services", "web", "ports", 0)``."""


def _empty() -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Maps tree paths to the place in the source files that produced the final value.

    ``positions`` is keyed by path; the loader records, for every path, the location in the
    last file (in ``-f`` order) that set it. ``locate`` walks up to the nearest known parent.
    """

    positions: Mapping[Path, Location] = field(default_factory=_empty)
    default_file: str = ""

    def locate(self, path: Path) -> Location | None:
        path = tuple(path)
        while True:
            loc = self.positions.get(path)
            if loc is not None:
                return loc
            if not path:
                return Location(self.default_file) if self.default_file else None
            path = path[:-1]


@dataclass(frozen=True, slots=True)
class Port:
    """One ``ports`` entry, long syntax. Short-syntax ranges are expanded to one Port each."""

    target: int
    published: str | None = None  # a port or a range such as "8000-8010"; None = not published
    host_ip: str | None = None
    protocol: str = "tcp"
    mode: str = "ingress"
    name: str | None = None
    app_protocol: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class BindOptions:
    propagation: str | None = None
    create_host_path: bool = True
    selinux: str | None = None
    recursive: str | None = None


@dataclass(frozen=True, slots=True)
class VolumeOptions:
    nocopy: bool = False
    subpath: str | None = None
    labels: Mapping[str, str] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class TmpfsOptions:
    size: ByteSize | None = None
    mode: int | None = None


@dataclass(frozen=True, slots=True)
class ServiceVolume:
    """One service ``volumes`` entry, long syntax.

    ``type`` is one of volume, bind, tmpfs, npipe, cluster, image. For ``bind`` the ``source``
    is an absolute path (resolved against the project directory). For an anonymous volume
    ``source`` is None.
    """

    type: str
    target: str
    source: str | None = None
    read_only: bool = False
    consistency: str | None = None
    bind: BindOptions | None = None
    volume: VolumeOptions | None = None
    tmpfs: TmpfsOptions | None = None
    image_subpath: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class FileReference:
    """A service's ``configs`` / ``secrets`` entry, long syntax."""

    source: str
    target: str | None = None
    uid: str | None = None
    gid: str | None = None
    mode: int | None = None
    extensions: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class Dependency:
    """One ``depends_on`` entry, long syntax."""

    condition: str = "service_started"  # service_started | service_healthy | service_completed_successfully
    required: bool = True
    restart: bool = False


@dataclass(frozen=True, slots=True)
class Healthcheck:
    """``test`` is the canonical list: ``("CMD", ...)``, ``("CMD-SHELL", "...")`` or ``("NONE",)``."""

    test: tuple[str, ...] | None = None
    interval: Duration | None = None
    timeout: Duration | None = None
    retries: int | None = None
    start_period: Duration | None = None
    start_interval: Duration | None = None
    disable: bool = False


@dataclass(frozen=True, slots=True)
class DeviceRequest:
    capabilities: tuple[str, ...] = ()
    driver: str | None = None
    count: int | None = None  # -1 = all
    device_ids: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class Resource:
    cpus: float | None = None
    memory: ByteSize | None = None
    pids: int | None = None
    devices: tuple[DeviceRequest, ...] = ()
    generic_resources: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Resources:
    limits: Resource | None = None
    reservations: Resource | None = None


@dataclass(frozen=True, slots=True)
class UpdateConfig:
    parallelism: int | None = None
    delay: Duration | None = None
    failure_action: str | None = None
    monitor: Duration | None = None
    max_failure_ratio: float | None = None
    order: str | None = None  # stop-first | start-first


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    condition: str | None = None  # none | on-failure | any
    delay: Duration | None = None
    max_attempts: int | None = None
    window: Duration | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    constraints: tuple[str, ...] = ()
    preferences: tuple[Mapping[str, str], ...] = ()
    max_replicas_per_node: int | None = None


@dataclass(frozen=True, slots=True)
class Deploy:
    mode: str | None = None  # replicated | global | replicated-job | global-job
    replicas: int | None = None
    labels: Mapping[str, str] = field(default_factory=_empty)
    update_config: UpdateConfig | None = None
    rollback_config: UpdateConfig | None = None
    resources: Resources = field(default_factory=Resources)
    restart_policy: RestartPolicy | None = None
    placement: Placement | None = None
    endpoint_mode: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class ServiceNetwork:
    aliases: tuple[str, ...] = ()
    ipv4_address: str | None = None
    ipv6_address: str | None = None
    priority: int | None = None
    extensions: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class EnvFile:
    """A service ``env_file`` entry with the variables it produced (already parsed).

    ``values`` is None when the file is optional (``required: false``) and missing.
    """

    path: str
    required: bool = True
    format: str | None = None  # None = compose dotenv syntax, "raw" = no quoting/interpolation
    values: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Build:
    context: str | None = None
    dockerfile: str | None = None
    args: Mapping[str, str | None] = field(default_factory=_empty)
    target: str | None = None
    other: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class Ulimit:
    soft: int
    hard: int


@dataclass(frozen=True, slots=True)
class Service:
    """One service, canonical. Absent optional keys are None / empty."""

    name: str
    image: str | None = None
    build: Build | None = None
    command: tuple[str, ...] | None = None  # None = image default; () = explicitly empty
    entrypoint: tuple[str, ...] | None = None
    # Explicit ``environment`` only (value None = bare ``KEY`` with no value resolved).
    environment: Mapping[str, str | None] = field(default_factory=_empty)
    env_files: tuple[EnvFile, ...] = ()
    working_dir: str | None = None
    user: str | None = None
    hostname: str | None = None
    domainname: str | None = None
    ports: tuple[Port, ...] = ()
    expose: tuple[str, ...] = ()  # ports or ranges, e.g. "3000" or "3000-3005/udp"
    volumes: tuple[ServiceVolume, ...] = ()
    tmpfs: tuple[str, ...] = ()
    configs: tuple[FileReference, ...] = ()
    secrets: tuple[FileReference, ...] = ()
    depends_on: Mapping[str, Dependency] = field(default_factory=_empty)
    links: tuple[str, ...] = ()  # "service" or "service:alias"
    networks: Mapping[str, ServiceNetwork | None] = field(default_factory=_empty)
    network_mode: str | None = None
    healthcheck: Healthcheck | None = None
    deploy: Deploy | None = None
    scale: int | None = None
    restart: str | None = None  # "no" | always | on-failure[:N] | unless-stopped
    labels: Mapping[str, str] = field(default_factory=_empty)
    annotations: Mapping[str, str] = field(default_factory=_empty)
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    privileged: bool = False
    read_only: bool = False
    tty: bool = False
    stdin_open: bool = False
    init: bool | None = None
    stop_grace_period: Duration | None = None
    stop_signal: str | None = None
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    dns_opt: tuple[str, ...] = ()
    extra_hosts: Mapping[str, tuple[str, ...]] = field(default_factory=_empty)
    sysctls: Mapping[str, str] = field(default_factory=_empty)
    ulimits: Mapping[str, Ulimit] = field(default_factory=_empty)
    devices: tuple[Mapping[str, Any], ...] = ()  # {source, target, permissions}
    pull_policy: str | None = None
    platform: str | None = None
    cpus: float | None = None
    mem_limit: ByteSize | None = None
    mem_reservation: ByteSize | None = None
    shm_size: ByteSize | None = None
    pid: str | None = None
    ipc: str | None = None
    group_add: tuple[str, ...] = ()
    security_opt: tuple[str, ...] = ()
    gpus: tuple[DeviceRequest, ...] = ()
    profiles: tuple[str, ...] = ()
    container_name: str | None = None
    logging: Mapping[str, Any] | None = None
    # Every other key present on the service (e.g. ``cgroup``, ``blkio_config``), canonical.
    other: Mapping[str, Any] = field(default_factory=_empty)
    extensions: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class Volume:
    """A top-level named volume. ``name`` is the resolved name (``<project>_<key>`` unless set)."""

    key: str
    name: str
    driver: str | None = None
    driver_opts: Mapping[str, str] = field(default_factory=_empty)
    external: bool = False
    labels: Mapping[str, str] = field(default_factory=_empty)
    extensions: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class Network:
    key: str
    name: str
    driver: str | None = None
    driver_opts: Mapping[str, str] = field(default_factory=_empty)
    external: bool = False
    internal: bool = False
    attachable: bool = False
    labels: Mapping[str, str] = field(default_factory=_empty)
    other: Mapping[str, Any] = field(default_factory=_empty)
    extensions: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class FileObject:
    """A top-level ``configs`` or ``secrets`` entry.

    Exactly one source is set unless ``external``: ``file`` (absolute path), ``content``
    (inline text; configs only) or ``environment`` (a variable name).
    """

    key: str
    name: str
    file: str | None = None
    content: str | None = None
    environment: str | None = None
    external: bool = False
    labels: Mapping[str, str] = field(default_factory=_empty)
    driver: str | None = None
    template_driver: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class Project:
    """A fully loaded Compose project.

    ``services`` holds the services enabled by the active profiles only; ``disabled_services``
    holds the others. ``environment`` is the interpolation environment the project was
    loaded with (may contain secret markers, never secret values: see the loader docs).
    ``source_map`` locates any path for error messages; ``files`` holds referenced file contents.
    """

    name: str
    working_dir: str
    services: Mapping[str, Service]
    volumes: Mapping[str, Volume] = field(default_factory=_empty)
    networks: Mapping[str, Network] = field(default_factory=_empty)
    configs: Mapping[str, FileObject] = field(default_factory=_empty)
    secrets: Mapping[str, FileObject] = field(default_factory=_empty)
    disabled_services: Mapping[str, Service] = field(default_factory=_empty)
    profiles: tuple[str, ...] = ()
    config_files: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=_empty)
    extensions: Mapping[str, Any] = field(default_factory=_empty)
    # Contents of the local files the project references, keyed by absolute path: env_file
    # files, configs/secrets ``file`` sources, and every regular file under a bind-mount source
    # that exists (a directory source contributes ``<dir>/<relative path>`` keys). Later layers
    # read these instead of the disk, and a Composition stores them.
    files: Mapping[str, bytes] = field(default_factory=_empty, compare=False, repr=False)
    source_map: SourceMap = field(default_factory=SourceMap, compare=False, repr=False)
