"""``render``: the interpolation environment, config-key references and marker-free loader errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions
from dockyard.errors import TranslationError
from dockyard.manifests import secretrefs
from dockyard.manifests.render import interpolation_environment, render
from dockyard.manifests.result import Environment


def _details(tmp_path: Path, text: str) -> ConfigDetails:
    (tmp_path / "compose.yaml").write_text(text)
    return ConfigDetails(working_dir=str(tmp_path), config_files=[ConfigFile(str(tmp_path / "compose.yaml"))], environment={})


def test_precedence_is_dotenv_then_config_then_secret_keys_then_vars(tmp_path):
    (tmp_path / ".env").write_text("A=dotenv\nB=dotenv\nC=dotenv\nD=dotenv\n")
    details = _details(tmp_path, "services: {}\n")
    environment = Environment("dev", config={"B": "config", "C": "config", "D": "config"}, secret_keys=frozenset({"C", "D"}))
    merged = interpolation_environment(details, environment, {"D": "var"})
    assert merged["A"] == "dotenv" and merged["B"] == "config" and merged["C"] == secretrefs.marker("C") and merged["D"] == "var"


def test_config_keys_are_those_each_services_text_references(tmp_path):
    (tmp_path / "app.env").write_text("FROM_FILE=${FILE_KEY}\n")
    details = _details(tmp_path, """\
services:
  base:
    image: nginx:${BASE_TAG}
  web:
    extends: base
    environment:
      LEVEL: ${LEVEL:-info}
  worker:
    image: busybox
    env_file: app.env
    command: echo $$NOT_A_REFERENCE
""")
    environment = Environment("dev", config={"BASE_TAG": "1", "LEVEL": "debug", "FILE_KEY": "x", "NOT_A_REFERENCE": "y", "UNUSED": "z"})
    services = render(details, LoadOptions(), environment).services
    assert services["base"].config_keys == {"BASE_TAG"}
    assert services["web"].config_keys == {"BASE_TAG", "LEVEL"}
    assert services["worker"].config_keys == {"FILE_KEY"}


def test_config_keys_include_the_configs_and_volumes_a_service_uses(tmp_path):
    details = _details(tmp_path, """\
services:
  web:
    image: nginx
    configs: [motd]
    volumes: [data:/data]
  other:
    image: nginx
configs:
  motd:
    content: hello ${GREETING}
volumes:
  data:
    x-dockyard: {size: "${SIZE}"}
""")
    environment = Environment("dev", config={"GREETING": "hi", "SIZE": "2Gi", "UNUSED": "z"})
    services = render(details, LoadOptions(), environment).services
    assert services["web"].config_keys == {"GREETING", "SIZE"}
    assert services["other"].config_keys == frozenset()


def test_a_loader_error_caused_by_a_secret_marker_is_reworded_and_located(tmp_path):
    details = _details(tmp_path, 'services:\n  web:\n    image: nginx\n    ports:\n      - "${PORT}:80"\n')
    with pytest.raises(TranslationError) as caught:
        render(details, LoadOptions(), Environment("dev", secret_keys=frozenset({"PORT"})))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path}/compose.yaml:5:") and "env-secret PORT cannot be used here" in message
    assert secretrefs.OPEN not in message and secretrefs.CLOSE not in message


def test_the_secret_value_is_never_needed_and_never_rendered(tmp_path):
    details = _details(tmp_path, "services:\n  db:\n    image: postgres\n    environment:\n      PW: ${DB_PASSWORD}\n")
    rendered = render(details, LoadOptions(), Environment("dev", secret_keys=frozenset({"DB_PASSWORD"})))
    env = rendered.objects[-1]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "env-secret", "key": "DB_PASSWORD"}}}]


def test_environment_in_list_form_renders_like_the_mapping_form(tmp_path):
    def env_of(text: str, where: Path) -> list[dict]:
        where.mkdir()
        rendered = render(_details(where, text), LoadOptions(), Environment("dev", secret_keys=frozenset({"PW"})))
        return next(o for o in rendered.objects if o["kind"] == "Deployment")["spec"]["template"]["spec"]["containers"][0]["env"]

    as_list = env_of("services:\n  web:\n    image: a\n    environment:\n      - MODE=prod\n      - PW=${PW}\n      - EMPTY=\n",
                     tmp_path / "list")
    as_map = env_of("services:\n  web:\n    image: a\n    environment:\n      MODE: prod\n      PW: ${PW}\n      EMPTY: ''\n",
                    tmp_path / "map")
    assert as_list == as_map == [{"name": "EMPTY", "value": ""}, {"name": "MODE", "value": "prod"},
                                 {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "env-secret", "key": "PW"}}}]


def test_a_variable_used_without_default_and_set_nowhere_is_a_located_warning(tmp_path):
    (tmp_path / "app.env").write_text("FROM_FILE=${FILE_VAR}\n# ${IN_ENV_COMMENT}\n")
    details = _details(tmp_path, """\
# ${IN_COMMENT}
services:
  web:
    image: nginx:${TAG:-1.27}   # ${TRAILING_COMMENT}
    env_file: app.env
    environment:
      PASSWORD: ${PW}
      ESCAPED: $${NOT_A_VARIABLE}
      FROM_CONFIG: ${SET_BY_CONFIG}
      ALT: ${MAYBE:+yes}
    command: run $BARE
""")
    rendered = render(details, LoadOptions(), Environment("dev", config={"SET_BY_CONFIG": "x"}))
    unset = {w.message.split()[1]: (w.path, w.location) for w in rendered.warnings if "is not set, so it is an empty" in w.message}
    compose, env_file = str(tmp_path / "compose.yaml"), str(tmp_path / "app.env")
    assert unset == {"PW": ("services.web.environment.PASSWORD", f"{compose}:7:17"),
                     "BARE": ("services.web.command", f"{compose}:11:18"),
                     "FILE_VAR": ("${FILE_VAR}", f"{env_file}:1:11")}
    assert rendered.warnings[:3] == tuple(w for w in rendered.warnings if w.message.split()[1] in unset)
