"""Process plumbing for the local stack: pid files, liveness, ports, the service user."""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from newsflow.errors import StackError


@dataclass(frozen=True)
class PidFile:
    path: Path
    marker: str  # a string the process's command line must contain to be ours

    def read(self) -> int | None:
        try:
            return int(self.path.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def write(self, pid: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(f"{pid}\n")

    def live_pid(self) -> int | None:
        """The pid if the file names a live process of ours; a stale file is removed (and said)."""
        pid = self.read()
        if pid is None:
            return None
        if is_our_process(pid, self.marker):
            return pid
        print(f"  removing stale pid file {self.path} (pid {pid} is not running {self.marker})")
        self.path.unlink(missing_ok=True)
        return None


def is_our_process(pid: int, marker: str) -> bool:
    try:
        cmdline = (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    stat = Path(f"/proc/{pid}/stat").read_text(errors="replace")
    if ") Z" in stat:  # zombie
        return False
    return marker in cmdline


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def port_owner(port: int) -> str:
    """Best-effort description of who listens on a TCP port (for error messages)."""
    try:
        out = subprocess.run(
            ["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, timeout=5
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "another process"
    return out.strip().split("users:")[-1].strip() if "users:" in out else "another process"


def require_free_port(host: str, port: int, service: str) -> None:
    if port_open(host, port):
        msg = (
            f"{service} cannot start: port {host}:{port} is already in use by {port_owner(port)}. "
            f"Stop that process, or point newsflow at it / another port via the config."
        )
        raise StackError(msg)


def stop_process(pid: int, name: str, timeout: float = 60) -> None:
    """SIGTERM, wait, then SIGKILL if it will not go."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or ") Z" in Path(f"/proc/{pid}/stat").read_text(
            errors="replace"
        ):
            return
        time.sleep(0.2)
    print(f"  {name} (pid {pid}) did not stop within {timeout:.0f}s; killing it")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def ensure_service_user(name: str) -> pwd.struct_passwd | None:
    """When running as root, the unprivileged user Elasticsearch runs as (created if missing)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    result = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        msg = f"Elasticsearch refuses to run as root and creating user '{name}' failed: {result.stderr.strip()}"
        raise StackError(msg)
    print(f"  created system user '{name}' to run Elasticsearch (it refuses to run as root)")
    return pwd.getpwnam(name)


def chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    for root, dirs, files in os.walk(path):
        os.chown(root, user.pw_uid, user.pw_gid)
        for name in dirs + files:
            with contextlib.suppress(FileNotFoundError):
                os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid, follow_symlinks=False)


def check_traversable(path: Path, user: pwd.struct_passwd) -> None:
    """Every parent of path must be enterable by user, or ES cannot reach its own files."""
    for parent in [path, *path.parents]:
        st = parent.stat()
        if st.st_uid == user.pw_uid:
            continue
        if not st.st_mode & 0o001:
            msg = (
                f"Elasticsearch runs as '{user.pw_name}' but cannot enter {parent} (mode {oct(st.st_mode & 0o777)}). "
                f"Set NEWSFLOW_HOME to a directory outside it, or `chmod o+x {parent}`."
            )
            raise StackError(msg)
