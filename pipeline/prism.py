"""Beam's Prism runner for `--runner PrismRunner`: the binary (built once with `go` into the cache)
and a job server the pipeline process owns.

Beam's own PrismRunner downloads a release binary at run time, which these machines cannot do
(and no pipeline should do unasked). Instead the binary is built from the Go module proxy with
`go install github.com/apache/beam/sdks/v2/go/cmd/prism@v<Beam version>` into
`NEWSFLOW_HOME/cache/prism/<version>/` (about 10 minutes on 2 cores the first time), or given with
`--prism_location`. The pipeline process starts it as its own child (it dies with the process,
even on SIGKILL) and submits the job to it with `--job_endpoint`; the SDK harness runs in the
pipeline's process (Prism's default LOOPBACK environment).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from apache_beam.version import __version__ as BEAM_VERSION

from newsflow.errors import ConfigError, NewsflowError

PRISM_PACKAGE = "github.com/apache/beam/sdks/v2/go/cmd/prism"
START_TIMEOUT_S = 30.0
_PR_SET_PDEATHSIG = 1


class PrismUnavailable(NewsflowError):
    """No Prism binary, and none could be built."""


def prism_cache(home: Path) -> Path:
    return home / "cache" / "prism" / f"v{BEAM_VERSION}"


def locate_prism(home: Path, location: str | None = None, build: bool = True) -> Path:
    """The Prism binary: `location` if given, else the cached build, else a new build."""
    if location:
        path = Path(location).expanduser()
        if not path.is_file() or not os.access(path, os.X_OK):
            msg = f"not an executable file: {path}"
            flag = "--prism_location"
            raise ConfigError(flag, msg)
        return path
    binary = prism_cache(home) / "prism"
    if binary.is_file():
        return binary
    if not build:
        msg = f"no Prism binary in {binary.parent}: run `newsflow pipeline prism`"
        raise PrismUnavailable(msg)
    return build_prism(home)


def build_prism(home: Path) -> Path:
    """`go install` the Prism of this Beam version into the cache; says what to do without go."""
    from newsflow.errors import StackError
    from newsflow.stack.artifacts import GoMissing, go_install

    target = prism_cache(home)
    print(
        f"building Prism v{BEAM_VERSION} with go into {target} "
        "(about 10 minutes on 2 cores the first time) ...",
        file=sys.stderr,
        flush=True,
    )
    try:
        return go_install(PRISM_PACKAGE, f"v{BEAM_VERSION}", target, "prism")
    except GoMissing:
        msg = (
            "Prism is built from source with the Go toolchain, and `go` is not on PATH: install "
            "Go 1.26 or newer (your OS package manager or the official tarball), or pass "
            "--prism_location=/path/to/prism, or run on the default local runner (no --runner)."
        )
        raise PrismUnavailable(msg) from None
    except StackError as exc:
        raise PrismUnavailable(str(exc)) from None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def prism_job_server(binary: Path, log_path: Path) -> Iterator[str]:
    """Run Prism as this process's child; yields its job endpoint ("localhost:PORT")."""
    port = _free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(
            [
                str(binary),
                f"--job_port={port}",
                "--serve_http=false",
                f"--log_level={os.environ.get('NEWSFLOW_PRISM_LOG_LEVEL', 'warn')}",
                "--log_kind=text",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    try:
        _wait_listening(proc, port, log_path)
        yield f"localhost:{port}"
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_listening(proc: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"Prism exited with code {proc.returncode} at start; see {log_path}"
            raise PrismUnavailable(msg)
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    msg = f"Prism did not listen on port {port} within {START_TIMEOUT_S:.0f}s; see {log_path}"
    raise PrismUnavailable(msg)
