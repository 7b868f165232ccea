"""The local stack's secure mode (`newsflow stack up --secure`): credentials and server settings."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from newsflow.errors import StackError
from newsflow.settings import Settings

CREDENTIALS_FILE = "credentials.env"
KAFKA_MECHANISM = "SCRAM-SHA-512"
KAFKA_CLIENT_LISTENER = "SASL_PLAINTEXT"  # listener name and security protocol alike
KAFKA_CLIENT_USER = "newsflow"
KAFKA_BROKER_USER = "broker"  # the broker's own user, on both listeners; super.users
ES_CLIENT_USER = "newsflow"  # file realm, role ES_CLIENT_ROLE: what newsflow's clients use
ES_CLIENT_ROLE = "newsflow_client"
ES_ADMIN_USER = "newsflow-admin"  # file-realm superuser: the stack's own checks, operators
# Elasticsearch's own PBKDF2 hash format for the file realm (what `elasticsearch-users` writes
# with password_hashing.algorithm: pbkdf2); computed here so no password is on a command line.
_PBKDF2_COST = 10_000

Mode = Literal["fresh", "plain", "secure", "secure-without-credentials"]


@dataclass(frozen=True)
class StackCredentials:
    """Every secret of one secure home; kept only in NEWSFLOW_HOME/credentials.env (0600)."""

    kafka_password: str  # newsflow's clients, SCRAM-SHA-512
    broker_password: str  # the broker's own user (inter-broker and controller)
    es_password: str  # newsflow's clients, file realm
    es_admin_password: str  # the file-realm superuser
    es_api_key: str | None = None  # newsflow's clients: the encoded key, once the stack made one

    @classmethod
    def generate(cls) -> StackCredentials:
        # token_urlsafe: [A-Za-z0-9_-] only, safe inside JAAS quotes and --add-scram brackets
        return cls(
            kafka_password=secrets.token_urlsafe(24),
            broker_password=secrets.token_urlsafe(24),
            es_password=secrets.token_urlsafe(24),
            es_admin_password=secrets.token_urlsafe(24),
        )

    def secrets(self) -> list[str]:
        """The values no output may show."""
        values = [self.kafka_password, self.broker_password, self.es_password]
        return [*values, self.es_admin_password, *([self.es_api_key] if self.es_api_key else [])]

    def redact(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, "**********")
        return text


# --- which mode a home is in -------------------------------------------------------------


def home_mode(home: Path) -> Mode:
    """What NEWSFLOW_HOME holds: nothing yet, a plain stack, or a secured one."""
    if (home / CREDENTIALS_FILE).exists():
        return "secure"
    kafka_conf = home / "kafka" / "server.properties"
    es_conf = home / "elasticsearch" / "config" / "elasticsearch.yml"
    secured = (kafka_conf.exists() and "sasl.enabled.mechanisms" in kafka_conf.read_text()) or (
        es_conf.exists() and "xpack.security.enabled: true" in es_conf.read_text()
    )
    if secured:
        return "secure-without-credentials"
    es_data = home / "elasticsearch" / "data"
    if (home / "kafka" / "data" / "meta.properties").exists() or (
        es_data.is_dir() and any(es_data.iterdir())
    ):
        return "plain"
    return "fresh"


def check_mode(home: Path, secure: bool) -> None:
    """Refuse to start a plain stack on a secured home and vice versa (it would half-work)."""
    mode = home_mode(home)
    fresh_home = "NEWSFLOW_HOME=<a new directory>"
    if secure and mode == "plain":
        msg = (
            f"{home} holds a plain stack (started without --secure); it cannot be secured in "
            f"place. Run `newsflow stack down`, then `{fresh_home} newsflow stack up --secure` "
            f"(or delete {home / 'kafka'} and {home / 'elasticsearch'}: that deletes their data)."
        )
        raise StackError(msg)
    if mode == "secure-without-credentials":
        msg = (
            f"{home} holds a secured stack but its {CREDENTIALS_FILE} is gone, so nothing can "
            f"log in to it. Run `newsflow stack down`, then `{fresh_home} newsflow stack up "
            f"--secure` (or delete {home / 'kafka'} and {home / 'elasticsearch'}: that deletes "
            f"their data)."
        )
        raise StackError(msg)
    if not secure and mode == "secure":
        msg = (
            f"{home} holds a secured stack (credentials in {home / CREDENTIALS_FILE}): start it "
            f"with `newsflow stack up --secure`, or for a plain stack run `newsflow stack down` "
            f"and `{fresh_home} newsflow stack up`."
        )
        raise StackError(msg)


# --- Kafka: SASL/SCRAM-SHA-512 -----------------------------------------------------------


def jaas_config(module: str, username: str, password: str, **users: str) -> str:
    """One JAAS line; `users` become PLAIN's `user_<name>="<password>"` entries."""
    options = [f'username="{username}"', f'password="{password}"']
    options += [f'user_{name}="{secret}"' for name, secret in users.items()]
    return f"{module} required {' '.join(options)};"


def kafka_security_properties(
    creds: StackCredentials, host: str, port: int, controller_port: int
) -> dict[str, str]:
    """server.properties entries that replace the plain listeners: clients and the broker itself
    authenticate with SCRAM-SHA-512; the controller listener (loopback) with the broker's PLAIN
    login, because SCRAM credentials live in the metadata the controller serves."""
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule"
    plain = "org.apache.kafka.common.security.plain.PlainLoginModule"
    client = KAFKA_CLIENT_LISTENER.lower()
    broker, broker_pw = KAFKA_BROKER_USER, creds.broker_password
    return {
        "listeners": f"{KAFKA_CLIENT_LISTENER}://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "advertised.listeners": f"{KAFKA_CLIENT_LISTENER}://{host}:{port}",
        "listener.security.protocol.map": (
            f"CONTROLLER:SASL_PLAINTEXT,{KAFKA_CLIENT_LISTENER}:SASL_PLAINTEXT"
        ),
        "inter.broker.listener.name": KAFKA_CLIENT_LISTENER,
        "sasl.enabled.mechanisms": KAFKA_MECHANISM,
        "sasl.mechanism.inter.broker.protocol": KAFKA_MECHANISM,
        "sasl.mechanism.controller.protocol": "PLAIN",
        f"listener.name.{client}.sasl.enabled.mechanisms": KAFKA_MECHANISM,
        f"listener.name.{client}.{KAFKA_MECHANISM.lower()}.sasl.jaas.config": jaas_config(
            scram, broker, broker_pw
        ),
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config": jaas_config(
            plain, broker, broker_pw, **{broker: broker_pw}
        ),
        # no authorizer: every authenticated user may do everything (no ACLs); the broker's
        # own user stays a super user should one be configured
        "super.users": f"User:{broker}",
    }


def scram_format_args(creds: StackCredentials) -> list[str]:
    """`kafka-storage format` arguments that store both SCRAM users in the first metadata."""
    args: list[str] = []
    for name, password in (
        (KAFKA_CLIENT_USER, creds.kafka_password),
        (KAFKA_BROKER_USER, creds.broker_password),
    ):
        args += ["--add-scram", f"{KAFKA_MECHANISM}=[name={name},password={password}]"]
    return args


# --- Elasticsearch: security on, users and their role in files ---------------------------
# API keys (and the native realm) live in the .security index, which this Elasticsearch cannot
# create: its mapping needs the pattern_capture filter of the analysis-common module, which the
# integ-test-zip lacks. The file realm and file-based roles need no index.


def elasticsearch_security_settings() -> list[str]:
    """elasticsearch.yml lines: authentication required; TLS off (loopback, local stack only)."""
    return [
        "xpack.security.enabled: true",
        "xpack.security.autoconfiguration.enabled: false",
        "xpack.security.http.ssl.enabled: false",
        "xpack.security.transport.ssl.enabled: false",
        # no `elastic` user: the users are ours, in the file realm
        "xpack.security.authc.reserved_realm.enabled: false",
    ]


def pbkdf2_hash(password: str, salt: bytes | None = None) -> str:
    """A file-realm password hash: {PBKDF2}cost$base64(salt)$base64(PBKDF2-HMAC-SHA512), the
    format `elasticsearch-users` writes; computed here so no password is on a command line."""
    salt = salt if salt is not None else secrets.token_bytes(32)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _PBKDF2_COST, dklen=32)
    b64 = base64.b64encode
    return f"{{PBKDF2}}{_PBKDF2_COST}${b64(salt).decode()}${b64(digest).decode()}"


def index_patterns(settings: Settings) -> list[str]:
    """The indices newsflow owns: each alias, its concrete indices and the story lock."""
    idx = settings.indices
    return [f"{alias}*" for alias in (idx.articles, idx.alerts, idx.stories, idx.story_sketches)]


def client_role(settings: Settings) -> dict[str, object]:
    """What newsflow's clients need, and no more."""
    return {
        # monitor: _nodes (init reads the modules), _cluster/health;
        # manage_index_templates: init's index templates
        "cluster": ["monitor", "manage_index_templates"],
        "indices": [
            {
                "names": index_patterns(settings),
                # create_index + manage: init (aliases, mappings, settings, refresh);
                # read + write: the pipeline, search, alerts
                "privileges": ["create_index", "manage", "read", "write"],
            }
        ],
    }


def file_realm(settings: Settings, creds: StackCredentials) -> dict[str, str]:
    """The config files `users`, `users_roles` and `roles.yml`: a superuser and newsflow's user."""
    users = {ES_ADMIN_USER: creds.es_admin_password, ES_CLIENT_USER: creds.es_password}
    return {
        "users": "".join(f"{name}:{pbkdf2_hash(pw)}\n" for name, pw in users.items()),
        "users_roles": f"superuser:{ES_ADMIN_USER}\n{ES_CLIENT_ROLE}:{ES_CLIENT_USER}\n",
        # JSON is YAML
        "roles.yml": json.dumps({ES_CLIENT_ROLE: client_role(settings)}, indent=2) + "\n",
    }


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# --- credentials.env ---------------------------------------------------------------------

_ADMIN_PASSWORD = "NEWSFLOW_STACK_ES_ADMIN_PASSWORD"
_BROKER_PASSWORD = "NEWSFLOW_STACK_KAFKA_BROKER_PASSWORD"
_CLIENT_PASSWORD = "NEWSFLOW_STACK_ES_CLIENT_PASSWORD"  # the file-realm user, once a key exists
API_KEY_NAME = "newsflow"


def credentials_env(settings: Settings, creds: StackCredentials) -> str:
    """The file's text: the NEWSFLOW_* variables a client needs, then the stack's own secrets.
    Clients log in to Elasticsearch with the API key once the stack made one (user and password
    until then; the user's password stays in the stack's part, for operators)."""
    client = {
        "NEWSFLOW_KAFKA_BOOTSTRAP": settings.kafka.bootstrap,
        "NEWSFLOW_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "NEWSFLOW_KAFKA_SASL_MECHANISM": KAFKA_MECHANISM,
        "NEWSFLOW_KAFKA_SASL_USERNAME": KAFKA_CLIENT_USER,
        "NEWSFLOW_KAFKA_SASL_PASSWORD": creds.kafka_password,
        "NEWSFLOW_ES_URL": settings.elasticsearch.url,
    }
    own = {
        "NEWSFLOW_STACK_ES_ADMIN_USER": ES_ADMIN_USER,
        _ADMIN_PASSWORD: creds.es_admin_password,
        _BROKER_PASSWORD: creds.broker_password,
    }
    if creds.es_api_key:
        client["NEWSFLOW_ES_API_KEY"] = creds.es_api_key
        own |= {
            "NEWSFLOW_STACK_ES_CLIENT_USER": ES_CLIENT_USER,
            _CLIENT_PASSWORD: creds.es_password,
        }
    else:
        client |= {
            "NEWSFLOW_ES_USERNAME": ES_CLIENT_USER,
            "NEWSFLOW_ES_PASSWORD": creds.es_password,
        }
    lines = [
        "# newsflow local stack, secure mode: generated by `newsflow stack up --secure`.",
        "# Load it before any newsflow command: set -a; . ./credentials.env; set +a",
        *(f"{k}={v}" for k, v in client.items()),
        "# the stack's own: the Elasticsearch superuser, Kafka's broker user (and newsflow's",
        "# Elasticsearch user, whose role the API key carries). newsflow's clients do not read these.",
        *(f"{k}={v}" for k, v in own.items()),
    ]
    return "\n".join(lines) + "\n"


def parse_env(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def read_credentials(path: Path) -> StackCredentials:
    values = parse_env(path.read_text())
    try:
        return StackCredentials(
            kafka_password=values["NEWSFLOW_KAFKA_SASL_PASSWORD"],
            broker_password=values[_BROKER_PASSWORD],
            es_password=values.get(_CLIENT_PASSWORD) or values["NEWSFLOW_ES_PASSWORD"],
            es_admin_password=values[_ADMIN_PASSWORD],
            es_api_key=values.get("NEWSFLOW_ES_API_KEY"),
        )
    except KeyError as exc:
        msg = f"{path} lacks {exc.args[0]}: it was edited by hand or not written by newsflow"
        raise StackError(msg) from None


def write_private(path: Path, text: str) -> None:
    """Write text to path with mode 0600 from the first byte on, replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # created 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def client_settings(settings: Settings, creds: StackCredentials) -> Settings:
    """settings as a client of this secure stack sees them (what credentials.env sets)."""
    return settings.with_overrides(
        kafka={
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": KAFKA_MECHANISM,
            "sasl_username": KAFKA_CLIENT_USER,
            "sasl_password": creds.kafka_password,
        },
        elasticsearch=(
            {"api_key": creds.es_api_key, "username": None, "password": None}
            if creds.es_api_key
            else {"api_key": None, "username": ES_CLIENT_USER, "password": creds.es_password}
        ),
    )


def api_key_request(settings: Settings) -> dict[str, object]:
    """`POST /_security/api_key`'s body: a key for newsflow's clients, limited to the client role
    (a key's privileges are its owner's intersected with these descriptors)."""
    return {
        "name": API_KEY_NAME,
        "role_descriptors": {ES_CLIENT_ROLE: client_role(settings)},
        "metadata": {"created_by": "newsflow stack up --secure"},
    }
