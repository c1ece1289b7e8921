"""Private nginx and Apache + mod_wsgi instances serving deploy/'s files, on loopback ports.

Each config is deploy/'s own text with only its deployment-specific values replaced (ports,
paths, the user): `rewritten` fails when a value it replaces is no longer in the file, so these
tests keep testing what a user copies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.e2e.deps import wait_for_port
from tests.e2e.server import ROOT, HttpClient
from tests.smtp import free_port

DEPLOY = ROOT / "deploy"
APACHE_MODULES = Path("/usr/lib/apache2/modules")
NGINX = Path("/usr/sbin/nginx")
APACHE = Path("/usr/sbin/apache2")
SYSTEM_PYTHON = Path("/usr/bin/python3")  # the Python Debian's mod_wsgi embeds


def servers_installed() -> bool:
    """True when nginx, apache2 and mod_wsgi are (deploy/install-servers.sh installs them)."""
    return NGINX.exists() and APACHE.exists() and (APACHE_MODULES / "mod_wsgi.so").exists()


def rewritten(path: Path, replacements: dict[str, str]) -> str:
    """deploy/'s file with each key replaced by its value (each key must occur)."""
    text = path.read_text()
    for old, new in replacements.items():
        assert old in text, f"{path.name} no longer holds {old!r}"
        text = text.replace(old, new)
    return text


def shared_dir(prefix: str) -> Path:
    """A new directory under /tmp that Apache's and nginx's users can read and write (pytest's
    own tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o777)
    return path


def checkout_copy(where: Path) -> Path:
    """A copy of this checkout's files (no virtualenv, git or build leftovers, nor a developer's
    own config.py): /srv/mfa-api."""
    leftovers = shutil.ignore_patterns(
        ".venv", ".git", "node_modules", "build", "*.egg-info", "instance", "__pycache__"
    )

    def ignore(directory: str, names: list[str]) -> set[str]:
        own_settings = {"config.py"} if Path(directory) == ROOT else set()
        return set(leftovers(directory, names)) | (own_settings & set(names))

    shutil.copytree(ROOT, where, ignore=ignore, dirs_exist_ok=True)
    return where


def system_venv(where: Path, *, package: bool) -> Path:
    """A virtualenv made with the Python mod_wsgi embeds (its path), holding the requirements
    (as docs/operations.md's Apache section says) or, with package, the project itself installed
    with `pip install .`."""
    venv = where / "venv"
    subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
    if package:  # from a copy: pip builds in the source tree, leaving build/ behind
        source = checkout_copy(where / "source")
        subprocess.run([*pip, str(source)], check=True, timeout=600, capture_output=True)
        shutil.rmtree(source)
    else:
        requirements = ["-r", str(ROOT / "requirements.txt")]
        subprocess.run([*pip, *requirements], check=True, timeout=600, capture_output=True)
    subprocess.run(["chmod", "-R", "a+rX", str(where)], check=True)
    return venv


class Nginx(HttpClient):
    """nginx with deploy/nginx/mfa-api.conf, in front of gunicorn on upstream_port."""

    def __init__(self, upstream_port: int):
        self.dir = shared_dir("mfa-nginx-")
        self.port = free_port()
        super().__init__(f"http://127.0.0.1:{self.port}")
        site = rewritten(
            DEPLOY / "nginx" / "mfa-api.conf",
            {
                "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
                "listen 80;": f"listen 127.0.0.1:{self.port};",
                "/var/log/nginx/mfa-api.access.log": str(self.dir / "mfa-api.access.log"),
            },
        )
        (self.dir / "site.conf").write_text(site)
        temp = {name: self.dir / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        (self.dir / "nginx.conf").write_text(
            f"pid {self.dir}/nginx.pid;\n"
            f"error_log {self.dir}/error.log;\n"
            "worker_processes 1;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            f"  access_log {self.dir}/access.log;\n"
            f"  client_body_temp_path {temp['body']};\n"
            f"  proxy_temp_path {temp['proxy']};\n"
            f"  fastcgi_temp_path {temp['fastcgi']};\n"
            f"  uwsgi_temp_path {temp['uwsgi']};\n"
            f"  scgi_temp_path {temp['scgi']};\n"
            f"  include {self.dir}/site.conf;\n"
            "}\n"
        )
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Nginx:
        command = [str(NGINX), "-c", str(self.dir / "nginx.conf"), "-g", "daemon off;"]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE)
        try:
            wait_for_port(self.port, 15)
        except Exception:
            self.process.kill()
            raise RuntimeError(f"nginx did not start: {self.process.stderr.read()!r}") from None
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)
        shutil.rmtree(self.dir, ignore_errors=True)

    def access_log(self) -> str:
        """nginx's access log for the site (deploy's log_format)."""
        return (self.dir / "mfa-api.access.log").read_text(errors="replace")

    def wait_for_access_log(self, text: str, seconds: float = 5) -> str:
        """The access log once it holds text (nginx logs after the client has its answer)."""
        deadline = time.monotonic() + seconds
        while text not in (log := self.access_log()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return log


class Apache(HttpClient):
    """Apache + mod_wsgi with one of deploy/apache/'s virtual hosts, serving the checkout copied
    into app_dir (with its config.py beside wsgi.py) with venv's requirements."""

    MODULES = ("mpm_event", "authz_core", "authz_host", "mime", "dir", "headers", "wsgi")

    def __init__(self, vhost: str, app_dir: Path, venv: Path, document_root: Path | None = None):
        self.dir = shared_dir("mfa-apache-")
        self.port = free_port()
        super().__init__(f"http://127.0.0.1:{self.port}")
        user = "www-data" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
        replacements = {
            "<VirtualHost *:80>": f"<VirtualHost *:{self.port}>",
            "python-home=/srv/mfa-api/venv": f"python-home={venv}",
            "/srv/mfa-api": str(app_dir),
            "user=mfa-api group=mfa-api": f"user={user} group={user}",
            "${APACHE_LOG_DIR}": str(self.dir),
        }
        if document_root is not None:
            replacements["DocumentRoot /var/www/html"] = f"DocumentRoot {document_root}"
        (self.dir / "site.conf").write_text(rewritten(DEPLOY / "apache" / vhost, replacements))
        loads = "".join(
            f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so\n" for name in self.MODULES
        )
        (self.dir / "httpd.conf").write_text(
            "ServerRoot /etc/apache2\n"
            "ServerName localhost\n"
            f"PidFile {self.dir}/httpd.pid\n"
            f"DefaultRuntimeDir {self.dir}\n"
            f"Mutex file:{self.dir}\n"
            f"Listen 127.0.0.1:{self.port}\n"
            + (f"User {user}\nGroup {user}\n" if os.geteuid() == 0 else "")
            + f"ErrorLog {self.dir}/main-error.log\n"
            + loads
            + "TypesConfig /etc/mime.types\n"
            "DirectoryIndex index.html\n"
            f"WSGISocketPrefix {self.dir}/wsgi\n"
            f"Include {self.dir}/site.conf\n"
        )

    def _ctl(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(APACHE), "-f", str(self.dir / "httpd.conf"), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60)

    def __enter__(self) -> Apache:
        started = self._ctl("-k", "start")
        if started.returncode != 0:
            raise RuntimeError(f"apache2 did not start: {started.stderr}")
        wait_for_port(self.port, 15)
        return self

    def __exit__(self, *exc) -> None:
        self._ctl("-k", "graceful-stop")
        pid_file = self.dir / "httpd.pid"
        deadline = time.monotonic() + 15
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(self.dir, ignore_errors=True)

    def error_log(self) -> str:
        """What the application wrote (its request log included)."""
        logs = sorted(self.dir.glob("*error.log"))
        return "".join(path.read_text(errors="replace") for path in logs)
