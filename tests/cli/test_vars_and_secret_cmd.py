"""dockyard vars (env-level config) and dockyard secret: values in, keys out, secrets never printed."""

import base64


def test_vars_set_list_and_unset(kube, cli):
    cli("env", "create", "dev")
    assert cli("vars", "set", "TAG=2", "LOG_LEVEL=debug", "--env", "dev").exit_code == 0
    assert cli("vars", "list", "--env", "dev").output.splitlines() == ["LOG_LEVEL=debug", "TAG=2"]
    result = cli("vars", "unset", "TAG", "NOPE", "--env", "dev")
    assert result.exit_code == 0 and "NOPE was not set" in result.output
    assert kube.store_get("ConfigMap", "env-config", "env-dev")["data"] == {"LOG_LEVEL": "debug"}


def test_an_invalid_key_is_refused_before_any_write(kube, cli):
    cli("env", "create", "dev")
    kube.requests.clear()
    result = cli("vars", "set", "1BAD=x", "--env", "dev")
    assert result.exit_code == 1 and "invalid config key '1BAD'" in result.output
    assert kube.requests.writes() == []


def test_an_unknown_environment_says_how_to_create_it(kube, cli):
    result = cli("vars", "set", "A=1", "--env", "nope")
    assert result.exit_code == 1
    assert "run: dockyard env create nope" in result.output


def test_secret_set_reads_stdin_and_never_prints_the_value(kube, cli):
    cli("env", "create", "dev")
    result = cli("secret", "set", "DB_PASSWORD", "--env", "dev", input="s3cr3t-value\n")
    assert result.exit_code == 0 and "s3cr3t-value" not in result.output
    stored = kube.store_get("Secret", "env-secret", "env-dev")["data"]["DB_PASSWORD"]
    assert base64.b64decode(stored) == b"s3cr3t-value"
    listing = cli("secret", "list", "--env", "dev")
    assert listing.output.splitlines() == ["DB_PASSWORD"]


def test_secret_set_from_a_file_keeps_its_exact_content(kube, cli, tmp_path):
    cli("env", "create", "dev")
    (tmp_path / "key.pem").write_text("line1\nline2\n")
    assert cli("secret", "set", "TLS_KEY", "--env", "dev", "--from-file", tmp_path / "key.pem").exit_code == 0
    stored = kube.store_get("Secret", "env-secret", "env-dev")["data"]["TLS_KEY"]
    assert base64.b64decode(stored) == b"line1\nline2\n"


def test_secret_unset_removes_the_key(kube, cli):
    cli("env", "create", "dev")
    cli("secret", "set", "A", "--env", "dev", input="x")
    assert cli("secret", "unset", "A", "--env", "dev").exit_code == 0
    assert "A" not in (kube.store_get("Secret", "env-secret", "env-dev").get("data") or {})


def test_secret_set_on_a_terminal_asks_twice_with_a_hidden_prompt(kube, cli, terminal):
    cli("env", "create", "dev")
    result = cli("secret", "set", "API_KEY", "--env", "dev", input="typed-secret-42\ntyped-secret-42\n")
    assert result.exit_code == 0, result.output
    assert "value of API_KEY" in result.output and "Repeat for confirmation" in result.output
    assert "typed-secret-42" not in result.output
    stored = kube.store_get("Secret", "env-secret", "env-dev")["data"]["API_KEY"]
    assert base64.b64decode(stored) == b"typed-secret-42"


def test_an_invalid_secret_key_is_refused_before_reading_a_value_or_writing(kube, cli):
    cli("env", "create", "dev")
    kube.requests.clear()
    result = cli("secret", "set", "bad-key", "--env", "dev", input="never-read\n")
    assert result.exit_code == 1 and "invalid secret key 'bad-key'" in result.output
    assert kube.requests == []


def test_a_secret_file_that_cannot_be_read_is_one_error_line(kube, cli, tmp_path):
    cli("env", "create", "dev")
    kube.requests.clear()
    result = cli("secret", "set", "TLS_KEY", "--env", "dev", "--from-file", tmp_path / "missing.pem")
    assert result.exit_code == 1 and "cannot read" in result.output and "missing.pem" in result.output
    assert kube.requests.writes() == []
