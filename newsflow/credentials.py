"""Credentials checked once when a command starts: a refused (or missing) login stops `init`, the
connector, the pipeline, the notifier and `search` with one line naming the server and what it
refused, instead of a traceback or a half-minute bootstrap timeout. A server that cannot be
reached is not a refusal: that is left to the callers' own waiting and retrying."""

from __future__ import annotations

import socket
import struct

from newsflow.clients import elasticsearch_client
from newsflow.errors import NewsflowError
from newsflow.settings import KafkaSettings, Settings


def check_credentials(settings: Settings, kafka: bool = True, elasticsearch: bool = True) -> None:
    if kafka:
        _check_kafka(settings.kafka)
    if elasticsearch:
        _check_elasticsearch(settings)


def _check_elasticsearch(settings: Settings) -> None:
    from elasticsearch import (
        ApiError,
        AuthenticationException,
        AuthorizationException,
        TransportError,
    )

    es = settings.elasticsearch
    how = (
        "API key" if es.api_key else (f"user '{es.username}'" if es.username else "no credentials")
    )
    client = elasticsearch_client(settings, request_timeout=10)
    try:
        client.cluster.health()
    except (AuthenticationException, AuthorizationException) as exc:
        reason = exc.message if isinstance(exc.message, str) else str(exc.meta.status)
        if isinstance(exc.body, dict):
            reason = exc.body.get("error", {}).get("reason", reason)
        hint = (
            ""
            if es.api_key or es.username
            else ": set NEWSFLOW_ES_API_KEY or NEWSFLOW_ES_USERNAME/PASSWORD"
        )
        msg = f"Elasticsearch at {es.url} refused {how} (HTTP {exc.meta.status}: {reason}){hint}"
        raise NewsflowError(msg) from None
    except (TransportError, ApiError):
        pass  # unreachable or unwell, not a refusal
    finally:
        client.close()


# Kafka: kafka-python reports a refused login only as "Unable to bootstrap" after its bootstrap
# timeout (the broker hangs up after a failed SCRAM exchange, and the client retries). So one
# SaslHandshake v1 and SaslAuthenticate v1 exchange on a plain socket, with kafka-python's own
# SCRAM client for the messages: a hang-up or an error code at the login is the refusal.
_SASL_HANDSHAKE, _SASL_AUTHENTICATE = 17, 36


def _check_kafka(kafka: KafkaSettings) -> None:
    if kafka.security_protocol not in ("PLAINTEXT", "SASL_PLAINTEXT"):
        return  # TLS listeners: left to the client
    host, _, port = kafka.bootstrap.split(",")[0].strip().rpartition(":")
    where = f"Kafka at {host}:{port}"
    mechanism = kafka.sasl_mechanism or "PLAIN"
    try:
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            error, offered = _sasl_handshake(sock, mechanism)
            if kafka.security_protocol == "PLAINTEXT":
                if offered:  # a SASL listener answered
                    msg = (
                        f"{where} refused a client without credentials: it requires SASL "
                        f"({', '.join(offered)}); set NEWSFLOW_KAFKA_SECURITY_PROTOCOL, "
                        f"NEWSFLOW_KAFKA_SASL_MECHANISM, NEWSFLOW_KAFKA_SASL_USERNAME and _PASSWORD"
                    )
                    raise NewsflowError(msg)
                return
            if error or not offered:
                offers = (
                    f"it offers {', '.join(offered)}"
                    if offered
                    else "the listener is not a SASL one (NEWSFLOW_KAFKA_SECURITY_PROTOCOL=PLAINTEXT?)"
                )
                msg = f"{where} refused SASL {mechanism}: {offers}"
                raise NewsflowError(msg)
            if not _sasl_login(sock, kafka, mechanism):
                msg = (
                    f"{where} refused the {mechanism} login of user '{kafka.sasl_username}': "
                    f"check NEWSFLOW_KAFKA_SASL_USERNAME and NEWSFLOW_KAFKA_SASL_PASSWORD"
                )
                raise NewsflowError(msg)
    except (OSError, ValueError, struct.error):
        return  # unreachable, or not answering like Kafka: not a refusal


def _request(sock: socket.socket, api_key: int, version: int, body: bytes) -> bytes:
    client_id = b"newsflow-check"
    header = struct.pack(">hhih", api_key, version, 1, len(client_id)) + client_id
    sock.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
    size = struct.unpack(">i", _read(sock, 4))[0]
    return _read(sock, size)[4:]  # without the correlation id


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            msg = "connection closed"
            raise ConnectionResetError(msg)
        data += chunk
    return data


def _sasl_handshake(sock: socket.socket, mechanism: str) -> tuple[int, list[str]]:
    """The error code and the mechanisms the listener offers (none: not a SASL listener)."""
    name = mechanism.encode()
    try:
        resp = _request(sock, _SASL_HANDSHAKE, 1, struct.pack(">h", len(name)) + name)
    except ConnectionResetError:
        return -1, []
    error, count = struct.unpack(">hi", resp[:6])
    offered, pos = [], 6
    for _ in range(max(count, 0)):
        (size,) = struct.unpack(">h", resp[pos : pos + 2])
        offered.append(resp[pos + 2 : pos + 2 + size].decode())
        pos += 2 + size
    return error, offered


def _sasl_authenticate(sock: socket.socket, token: bytes) -> bytes | None:
    """The server's token, or None when it refused (or hung up)."""
    try:
        resp = _request(sock, _SASL_AUTHENTICATE, 1, struct.pack(">i", len(token)) + token)
    except ConnectionResetError:
        return None
    (error,) = struct.unpack(">h", resp[:2])
    (msg_len,) = struct.unpack(">h", resp[2:4])
    pos = 4 + max(msg_len, 0)
    (size,) = struct.unpack(">i", resp[pos : pos + 4])
    return None if error else resp[pos + 4 : pos + 4 + size]


def _sasl_login(sock: socket.socket, kafka: KafkaSettings, mechanism: str) -> bool:
    from kafka.net.sasl.scram import ScramClient

    user = kafka.sasl_username or ""
    password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else ""
    if mechanism == "PLAIN":
        token = b"\0" + user.encode() + b"\0" + password.encode()
        return _sasl_authenticate(sock, token) is not None
    scram = ScramClient(user, password, mechanism)
    server_first = _sasl_authenticate(sock, scram.first_message())
    if server_first is None:
        return False
    scram.process_server_first_message(server_first)
    return _sasl_authenticate(sock, scram.final_message()) is not None
