"""`newsflow stack up --secure` without servers: the settings it writes and the credentials file."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import stat
from pathlib import Path

import pytest
import yaml

from newsflow.cli import build_parser
from newsflow.errors import StackError
from newsflow.settings import Settings, load_settings
from newsflow.stack import LocalStack, secure
from newsflow.stack.secure import StackCredentials
from newsflow.stack.servers import ElasticsearchServer, KafkaServer

CREDS = StackCredentials(
    kafka_password="kafka-pw-1",
    broker_password="broker-pw-2",
    es_password="es-pw-3",
    es_admin_password="admin-pw-4",
)


def properties(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_generated_credentials_are_random_and_safe_in_jaas_and_scram_arguments():
    first, second = StackCredentials.generate(), StackCredentials.generate()
    assert not set(first.secrets()) & set(second.secrets())
    for secret in first.secrets():
        assert len(secret) >= 32
        assert set(secret) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )


def test_kafka_server_properties_require_scram_on_the_client_listener(settings: Settings):
    config = KafkaServer(settings, CREDS)._configure()
    props = properties(config)
    assert mode(config) == 0o600  # it holds the broker's password
    assert props["listeners"] == "SASL_PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "SASL_PLAINTEXT://127.0.0.1:19092"
    assert props["listener.security.protocol.map"] == (
        "CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT"
    )
    assert props["inter.broker.listener.name"] == "SASL_PLAINTEXT"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["sasl.mechanism.inter.broker.protocol"] == "SCRAM-SHA-512"
    assert props["listener.name.sasl_plaintext.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="broker" password="broker-pw-2";'
    )
    # the controller listener authenticates too (PLAIN, the broker's own login)
    assert props["sasl.mechanism.controller.protocol"] == "PLAIN"
    assert props["listener.name.controller.sasl.enabled.mechanisms"] == "PLAIN"
    assert props["listener.name.controller.plain.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="broker" password="broker-pw-2" user_broker="broker-pw-2";'
    )
    assert props["super.users"] == "User:broker"
    assert "kafka-pw-1" not in config.read_text()  # the clients' password is in no file


def test_plain_kafka_server_properties_are_unchanged(settings: Settings):
    props = properties(KafkaServer(settings)._configure())
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    assert not any("sasl" in key for key in props)


def test_storage_format_adds_both_scram_users():
    assert secure.scram_format_args(CREDS) == [
        "--add-scram",
        "SCRAM-SHA-512=[name=newsflow,password=kafka-pw-1]",
        "--add-scram",
        "SCRAM-SHA-512=[name=broker,password=broker-pw-2]",
    ]


def test_pbkdf2_hash_is_the_one_elasticsearch_users_writes():
    # written by Elasticsearch 9.2.4's `elasticsearch-users useradd tester -p pa55word-XYZ`
    # with xpack.security.authc.password_hashing.algorithm: pbkdf2
    salt = "AXx0rZLcXpLtLNfyT+ifTKl0a7ohu6ju0VPwqoqhINs="
    expected = f"{{PBKDF2}}10000${salt}$DSO979vch/ai6HiYCaiT2PXZAcXagLRCWpBIWLo3m1s="
    assert secure.pbkdf2_hash("pa55word-XYZ", base64.b64decode(salt)) == expected
    assert secure.pbkdf2_hash("pa55word-XYZ") != expected  # a fresh salt each time


def fake_es_home(tmp_path: Path) -> Path:
    home = tmp_path / "es-dist"
    (home / "config").mkdir(parents=True)
    (home / "config" / "elasticsearch.yml").write_text("# shipped\n")
    (home / "config" / "jvm.options").write_text("-Xss1m\n")
    return home


def verify(password: str, stored: str) -> bool:
    cost, salt, digest = stored.removeprefix("{PBKDF2}").split("$")
    computed = hashlib.pbkdf2_hmac(
        "sha512", password.encode(), base64.b64decode(salt), int(cost), dklen=32
    )
    return base64.b64encode(computed).decode() == digest


def test_elasticsearch_requires_authentication_with_users_in_files(
    settings: Settings, tmp_path: Path
):
    conf = ElasticsearchServer(settings, CREDS)._configure(fake_es_home(tmp_path))
    config = yaml.safe_load((conf / "elasticsearch.yml").read_text())
    assert config["xpack.security.enabled"] is True
    assert config["xpack.security.http.ssl.enabled"] is False  # HTTP on loopback, no TLS
    assert config["xpack.security.transport.ssl.enabled"] is False
    assert config["xpack.security.authc.reserved_realm.enabled"] is False  # no `elastic` user
    assert config["network.host"] == "127.0.0.1"

    users = dict(line.split(":", 1) for line in (conf / "users").read_text().splitlines())
    assert verify("admin-pw-4", users["newsflow-admin"])
    assert verify("es-pw-3", users["newsflow"])
    assert not verify("wrong", users["newsflow"])
    assert (conf / "users_roles").read_text().splitlines() == [
        "superuser:newsflow-admin",
        "newsflow_client:newsflow",
    ]
    roles = yaml.safe_load((conf / "roles.yml").read_text())
    assert roles == {
        "newsflow_client": {
            "cluster": ["monitor", "manage_index_templates"],
            "indices": [
                {
                    "names": [
                        "news-articles*",
                        "news-alerts*",
                        "news-stories*",
                        "news-story-sketches*",
                    ],
                    "privileges": ["create_index", "manage", "read", "write"],
                }
            ],
        }
    }
    for name in ("users", "users_roles", "roles.yml"):
        assert mode(conf / name) == 0o600
    texts = "".join(p.read_text() for p in conf.iterdir() if p.is_file())
    assert not any(secret in texts for secret in CREDS.secrets())  # hashes only


def test_plain_elasticsearch_keeps_security_off(settings: Settings, tmp_path: Path):
    conf = ElasticsearchServer(settings)._configure(fake_es_home(tmp_path))
    assert (
        yaml.safe_load((conf / "elasticsearch.yml").read_text())["xpack.security.enabled"] is False
    )
    assert not (conf / "users").exists()


def test_the_stack_checks_elasticsearch_as_its_superuser(settings: Settings):
    auth = ElasticsearchServer(settings, CREDS).auth or ""
    assert base64.b64decode(auth.removeprefix("Basic ")).decode() == "newsflow-admin:admin-pw-4"
    assert ElasticsearchServer(settings).auth is None


def test_credentials_file_is_private_and_gives_a_client_everything(
    settings: Settings, tmp_path: Path
):
    path = tmp_path / "home" / "credentials.env"
    secure.write_private(path, secure.credentials_env(settings, CREDS))
    assert mode(path) == 0o600
    values = secure.parse_env(path.read_text())
    assert {k: v for k, v in values.items() if not k.startswith("NEWSFLOW_STACK_")} == {
        "NEWSFLOW_KAFKA_BOOTSTRAP": "127.0.0.1:19092",
        "NEWSFLOW_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "NEWSFLOW_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "NEWSFLOW_KAFKA_SASL_USERNAME": "newsflow",
        "NEWSFLOW_KAFKA_SASL_PASSWORD": "kafka-pw-1",
        "NEWSFLOW_ES_URL": "http://127.0.0.1:19200",
        "NEWSFLOW_ES_USERNAME": "newsflow",
        "NEWSFLOW_ES_PASSWORD": "es-pw-3",
    }
    # what a shell that sourced the file hands newsflow
    client = load_settings(env=values)
    kafka = client.kafka.client_config()
    assert {key: kafka.get(key) for key in ("bootstrap_servers", "security_protocol")} == {
        "bootstrap_servers": ["127.0.0.1:19092"],
        "security_protocol": "SASL_PLAINTEXT",
    }
    assert (kafka["sasl_mechanism"], kafka["sasl_plain_username"]) == ("SCRAM-SHA-512", "newsflow")
    assert kafka["sasl_plain_password"] == "kafka-pw-1"
    assert client.elasticsearch.username == "newsflow"
    assert client.elasticsearch.password is not None
    assert client.elasticsearch.password.get_secret_value() == "es-pw-3"
    assert "es-pw-3" not in json.dumps(client.masked())
    assert secure.read_credentials(path) == CREDS


def test_with_an_api_key_clients_get_the_key_and_the_users_password_stays_the_stacks(
    settings: Settings, tmp_path: Path
):
    creds = dataclasses.replace(CREDS, es_api_key="aWQ6a2V5LTU=")
    path = tmp_path / "home" / "credentials.env"
    secure.write_private(path, secure.credentials_env(settings, creds))
    values = secure.parse_env(path.read_text())
    client_part = {k: v for k, v in values.items() if not k.startswith("NEWSFLOW_STACK_")}
    assert client_part["NEWSFLOW_ES_API_KEY"] == "aWQ6a2V5LTU="
    assert "NEWSFLOW_ES_USERNAME" not in client_part and "NEWSFLOW_ES_PASSWORD" not in client_part
    assert values["NEWSFLOW_STACK_ES_CLIENT_PASSWORD"] == "es-pw-3"
    client = load_settings(env=values)
    assert client.elasticsearch.api_key is not None
    assert client.elasticsearch.api_key.get_secret_value() == "aWQ6a2V5LTU="
    assert client.elasticsearch.username is None
    assert secure.read_credentials(path) == creds
    assert "aWQ6a2V5LTU=" in creds.secrets()
    stack_view = secure.client_settings(settings, creds).elasticsearch
    assert (stack_view.username, stack_view.password) == (None, None)


def test_the_api_key_carries_the_client_role_and_nothing_more(settings: Settings):
    body = secure.api_key_request(settings)
    assert body["name"] == "newsflow"
    assert body["role_descriptors"] == {"newsflow_client": secure.client_role(settings)}


def test_rewriting_the_credentials_file_keeps_it_private(tmp_path: Path):
    path = tmp_path / "credentials.env"
    path.write_text("old\n")
    path.chmod(0o644)
    secure.write_private(path, "new\n")
    assert (path.read_text(), mode(path)) == ("new\n", 0o600)
    assert [p.name for p in tmp_path.iterdir()] == ["credentials.env"]  # no temp file left


def test_a_hand_edited_credentials_file_is_named(tmp_path: Path):
    path = tmp_path / "credentials.env"
    path.write_text("NEWSFLOW_KAFKA_SASL_PASSWORD=x\n")
    with pytest.raises(StackError, match=r"credentials\.env lacks NEWSFLOW_STACK_"):
        secure.read_credentials(path)


def test_redact_hides_every_secret():
    text = "jaas password=broker-pw-2 and es-pw-3, kafka-pw-1 / admin-pw-4"
    assert CREDS.redact(text) == "jaas password=********** and **********, ********** / **********"


def plain_home(home: Path) -> None:
    (home / "kafka" / "data").mkdir(parents=True)
    (home / "kafka" / "data" / "meta.properties").write_text("node.id=1\n")


def test_secure_up_on_a_plain_home_says_what_to_do(settings: Settings):
    plain_home(settings.home)
    assert secure.home_mode(settings.home) == "plain"
    with pytest.raises(StackError) as err:
        LocalStack(settings).up(secure_mode=True)  # refused before anything starts
    message = str(err.value)
    assert "holds a plain stack" in message
    assert "newsflow stack down" in message and "NEWSFLOW_HOME=<a new directory>" in message
    assert not (settings.home / "credentials.env").exists()


def test_plain_up_on_a_secure_home_says_what_to_do(settings: Settings):
    secure.write_private(settings.home / "credentials.env", secure.credentials_env(settings, CREDS))
    stack = LocalStack(settings)
    assert stack.is_secure and "mode: secure" in stack.mode_line()
    with pytest.raises(StackError, match=r"holds a secured stack .*`newsflow stack up --secure`"):
        stack.up()


def test_a_secured_home_without_its_credentials_is_not_started_either_way(settings: Settings):
    (settings.home / "kafka").mkdir(parents=True)
    (settings.home / "kafka" / "server.properties").write_text(
        "sasl.enabled.mechanisms=SCRAM-SHA-512\n"
    )
    assert secure.home_mode(settings.home) == "secure-without-credentials"
    for secure_mode in (False, True):
        with pytest.raises(StackError, match=r"credentials\.env is gone"):
            LocalStack(settings).up(secure_mode=secure_mode)


def test_a_fresh_home_takes_either_mode(settings: Settings):
    assert secure.home_mode(settings.home) == "fresh"
    secure.check_mode(settings.home, secure=True)
    secure.check_mode(settings.home, secure=False)
    assert "mode: plain" in LocalStack(settings).mode_line()


def test_secure_mode_checks_kafka_as_the_client_user(settings: Settings):
    secure.write_private(settings.home / "credentials.env", secure.credentials_env(settings, CREDS))
    config = LocalStack(settings).kafka.settings.kafka.client_config()
    assert config["security_protocol"] == "SASL_PLAINTEXT"
    assert (config["sasl_plain_username"], config["sasl_plain_password"]) == (
        "newsflow",
        "kafka-pw-1",
    )


def test_cli_takes_secure_with_up():
    args = build_parser().parse_args(["stack", "up", "--secure"])
    assert (args.action, args.secure) == ("up", True)
    assert build_parser().parse_args(["stack", "status"]).secure is False
