"""SSRF test kit: local servers on two loopback addresses, a DNS the test controls, test TLS.

Every server a test can start is on loopback, which the guard refuses. So a test plays the
internet with 127.0.0.2 ("public": `treat_as_public` classifies it so, every other address is
classified by the real rules) and the inside of the network with 127.0.0.1, and gives host
names whatever answers it wants through `FakeDNS`, the guard's injected resolver.
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from newsflow.urls import AddressGuard, is_public_address

PUBLIC = "127.0.0.2"  # stands for a public address in these tests
INTERNAL = "127.0.0.1"
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def treat_as_public(address: str) -> bool:
    """The real classification, except that 127.0.0.2 counts as public."""
    return address == PUBLIC or is_public_address(address)


class FakeDNS:
    """A resolver the test controls: name -> answers; with several answers lists, each lookup
    takes the next one (the last repeats), like a rebinding DNS server. Unknown names fail."""

    def __init__(self, **names: list[str] | list[list[str]]):
        self.answers: dict[str, list[list[str]]] = {}
        for name, answers in names.items():
            self.add(name.replace("_", "."), answers)
        self.lookups: list[str] = []

    def add(self, name: str, answers: list[str] | list[list[str]]) -> None:
        nested = answers and isinstance(answers[0], list)
        self.answers[name] = list(answers) if nested else [list(answers)]  # type: ignore[arg-type]

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        queue = self.answers.get(host)
        if not queue:
            msg = f"[Errno -2] Name or service not known: {host}"
            raise OSError(msg)
        return queue.pop(0) if len(queue) > 1 else queue[0]


def guard_with(dns: FakeDNS, setting: str = "connector.allow_private_addresses") -> AddressGuard:
    """The guard, private addresses refused, with the test's DNS and 127.0.0.2 as "public"."""
    return AddressGuard(False, setting, resolver=dns, is_public=treat_as_public)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, dict[str, str], bytes]


class LocalServer:
    """HTTP(S) server on one loopback address; `routes` maps a path to (status, headers, body)
    or a callable returning one. Records requests and, over TLS, the SNI names asked for."""

    def __init__(self, host: str, port: int = 0, tls: tuple[Path, Path] | None = None):
        self.host = host
        self.routes: dict[str, Answer | Callable[[Seen], Answer]] = {}
        self.requests: list[Seen] = []
        self.sni: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, self.path, dict(self.headers), self.rfile.read(length))
                server.requests.append(seen)
                route = server.routes.get(self.path.split("?", 1)[0], (404, {}, b"not found"))
                status, headers, body = route(seen) if callable(route) else route
                self.send_response(status)
                for name, value in {"Content-Type": "application/rss+xml", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:  # (certificate, key) files
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda sock, name, ctx: self.sni.append(name)  # type: ignore[assignment,misc]
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str = "/", host: str | None = None, scheme: str = "http") -> str:
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def paired_servers(tls: tuple[Path, Path] | None = None) -> tuple[LocalServer, LocalServer]:
    """A "public" server on 127.0.0.2 and an internal one on 127.0.0.1, on the same port (so
    one URL reaches either, depending only on the address a name resolves to)."""
    for _ in range(20):
        public = LocalServer(PUBLIC, tls=tls)
        try:
            return public, LocalServer(INTERNAL, public.port, tls=tls)
        except OSError:  # that port is taken on 127.0.0.1: try another one
            public.close()
    msg = "no port free on both 127.0.0.1 and 127.0.0.2"
    raise RuntimeError(msg)


def make_tls(tmp_path: Path, *names: str) -> tuple[tuple[Path, Path], ssl.SSLContext]:
    """((certificate file, key file), client context): a certificate for `names` from a
    throwaway CA that the client context trusts (and nothing else)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def cert(subject: str, key: Any, issuer: Any, signer: Any, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
            )
        else:
            sans = [x509.DNSName(n) for n in names]
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "newsflow test CA")])
    ca = cert("newsflow test CA", ca_key, ca_name, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = cert(names[0], key, ca_name, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (tmp_path / "leaf.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    client = ssl.create_default_context(cadata=ca.public_bytes(pem).decode())
    return (tmp_path / "leaf.pem", tmp_path / "leaf.key"), client
