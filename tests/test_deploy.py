"""The deployment example: nginx accepts deploy/nginx.conf (``nginx -t``) when installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from server.settings import PROJECT_ROOT

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_nginx_example_passes_nginx_t(tmp_path: Path) -> None:
    assert NGINX is not None
    certificate, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=interviews.example.org", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )
    site = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
    live = "/etc/letsencrypt/live/interviews.example.org/"
    assert live in site
    (tmp_path / "site.conf").write_text(site.replace(live, f"{tmp_path}/"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
         "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
