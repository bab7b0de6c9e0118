"""``PORT=5091 make run`` while another program holds the mail sink's usual port 8025, and then the
README walkthrough's commands, parsed from README.md and run as the README prints them, against
that server: three signers with ``pledge-sign`` (the README's first signer uses the browser; here
she runs the same commands as the others), ``dev publish-now``, ``pledge-sign check``, two demo
trustees logging in, downloading round 1, decrypting it with ``pledge-trustee`` and uploading
their partials, the next batch, the export and ``pledge-verify``.

``make run`` runs in a copy of the repository (its ``instance/`` folder is the copy's own), with
the worktree's ``.venv`` linked in; the copy keeps the files' times, so make finds the install
up to date and does not touch the environment. The server is stopped with SIGINT to its process
group, as Ctrl-C would.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import textwrap
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from pledge.devsmtp import port_is_free
from pledge.services.demo_ceremony import read_passphrases
from tests.kit.forms import csrf_from

ROOT = Path(__file__).resolve().parent.parent
WANTED_PORT = 5091
CODE_RE = re.compile(r"\b(\d{8})\b")


# --- what the README says ---------------------------------------------------------------------


def walkthrough_commands() -> tuple[str, list[str]]:
    """The ``SITE=`` line and every command of the README's walkthrough, in order: its shell
    blocks (continued lines joined) and its inline ``.venv/bin/...`` commands."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Walkthrough", 1)[1].split("\n## ", 1)[0]
    pieces: list[tuple[int, str]] = []
    for match in re.finditer(r"```sh\n(.*?)```", section, re.S):
        block = textwrap.dedent(match.group(1)).replace("\\\n", " ")
        pieces += [(match.start(), " ".join(line.split())) for line in block.splitlines() if line.strip()]
    for match in re.finditer(r"`((?:PLEDGE_ENV=development )?\.venv/bin/[^`]+)`", section):
        pieces.append((match.start(), " ".join(match.group(1).split())))
    ordered = [command for _, command in sorted(pieces, key=lambda piece: piece[0])]
    site = [command for command in ordered if command.startswith("SITE=")]
    assert len(site) == 1, ordered
    return site[0], [command for command in ordered if not command.startswith("SITE=")]


def test_the_walkthrough_commands_parse():
    site, commands = walkthrough_commands()
    assert site == "SITE=http://127.0.0.1:${PORT:-5000}"
    assert any("pledge-sign verify" in c for c in commands) and any("pledge-trustee decrypt" in c for c in commands)
    assert any("dev publish-now practice-run" in c for c in commands)
    assert commands[-1] == ".venv/bin/pledge-verify record.json"
    assert not any("127.0.0.1:5000" in c for c in commands)  # every command follows $SITE


# --- a copy of the repository and make run ----------------------------------------------------


def copy_repository(target: Path) -> None:
    """The tracked and untracked (not ignored) files, with their times; the same ``.venv``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the worktree, not yet in a commit
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")


def site_port() -> int:
    if port_is_free("127.0.0.1", WANTED_PORT):
        return WANTED_PORT
    with socket.socket() as probe:  # someone else serves on 5091 here: any other port will do
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Site:
    """HTTP to the served site, keeping cookies itself: the session cookie is marked Secure, which
    browsers honour on http://127.0.0.1 but Python's cookie jar does not."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, dict(response.getheaders()), data
        finally:
            connection.close()

    def page(self, path: str) -> str:
        status, _, data = self.request("GET", path)
        assert status == 200, (path, status)
        return data.decode()

    def post_form(self, path: str, fields: dict[str, str]) -> int:
        from urllib.parse import urlencode

        status, _, _ = self.request("POST", path, urlencode(fields).encode(),
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        return status

    def upload(self, path: str, fields: dict[str, str], name: str, content: bytes) -> int:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
                 for key, value in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                     "Content-Type: application/json\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        status, _, _ = self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return status


def wait_until_served(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        assert process.poll() is None, f"make run ended early:\n{log.read_text()[-4000:]}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"make run never served:\n{log.read_text()[-4000:]}")


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C for make and everything it started; then make sure."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)


@pytest.fixture
def held_8025():
    """Another program on 8025 (if one already is, that is the same situation)."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8025))
        holder.listen()
    except OSError:
        holder.close()
        holder = None
    assert not port_is_free("127.0.0.1", 8025)
    yield
    if holder is not None:
        holder.close()


# --- the walkthrough ----------------------------------------------------------------------------


def test_make_run_on_another_port_with_8025_taken_runs_the_readme_walkthrough(tmp_path, held_8025):
    repo, home = tmp_path / "repo", tmp_path / "home"
    repo.mkdir()
    (home / "Downloads").mkdir(parents=True)
    copy_repository(repo)
    # The install is up to date: make run must not reinstall into the shared environment.
    question = subprocess.run(["make", "-q", ".venv/.installed"], cwd=repo, capture_output=True, check=False)
    assert question.returncode == 0, "make would reinstall .venv; run make install in the worktree first"

    port = site_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PLEDGE_") and key not in ("DATABASE_URL", "FLASK_APP")}
    env.update(PORT=str(port), HOME=str(home))
    log = tmp_path / "make-run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(["make", "run"], cwd=repo, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_until_served(process, port, log)
        walk(repo, env, port, log)
    finally:
        stop(process)
    served = log.read_text()
    assert "pip install" not in served  # up to date: nothing was installed
    assert "Traceback" not in served, served[-4000:]
    requests = [line for line in served.splitlines() if '"GET /' in line or '"POST /' in line]
    assert requests and all(line.startswith("- - - [") for line in requests)  # no client address
    assert "127.0.0.1 -" not in served
    sink = re.search(r"SMTP sink on 127\.0\.0\.1:(\d+) \(8025 is taken by another program\)", served)
    assert sink and int(sink.group(1)) != 8025, served[:4000]
    assert f"Development mailbox: http://127.0.0.1:{port}/dev/mail" in served
    assert port_is_free("127.0.0.1", port) and port_is_free("127.0.0.1", int(sink.group(1)))  # all stopped


def walk(repo: Path, env: dict[str, str], port: int, log: Path) -> None:
    site_line, commands = walkthrough_commands()
    site = Site(port)

    def run(command: str, stdin: str = "", extra: dict[str, str] | None = None,
            on_start=None) -> str:
        process = subprocess.Popen(["bash", "-c", f"{site_line}\n{command}"], cwd=repo, env={**env, **(extra or {})},
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if on_start is not None:
            stdin = on_start() + stdin
        out, _ = process.communicate(stdin.encode(), timeout=600)
        text = out.decode()
        assert process.returncode == 0, f"{command}\n{text[-3000:]}"
        return text

    def code_for(address: str, seen: set[str]):
        """The code in the newest message to ``address`` on the mailbox page, once it arrives."""
        def read() -> str:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                for name in re.findall(r'href="/dev/mail/([^"]+)"', site.page("/dev/mail")):
                    if name in seen:
                        continue
                    message = site.page(f"/dev/mail/{name}")
                    if address in message and CODE_RE.search(message):
                        seen.add(name)
                        return CODE_RE.search(message).group(1) + "\n"
                time.sleep(0.25)
            raise AssertionError(f"no code for {address} in the dev mailbox")
        return read

    seen: set[str] = set()
    verifies = [c for c in commands if "pledge-sign verify" in c]
    signs = [c for c in commands if "pledge-sign sign" in c]
    assert len(verifies) == len(signs) == 2
    # Step 1 is the browser in the README; the first signer runs the same commands instead.
    first = [(c.replace("bo@openai.com", "ada@anthropic.com").replace("bo-", "ada-"), "ada@anthropic.com")
             for c in (verifies[0], signs[0])]
    signers = [(first[0], first[1]),
               *(((v, v.split("--email ")[1].split()[0]), (s, "")) for v, s in zip(verifies, signs, strict=True))]
    for n, ((verify, address), (sign, _)) in enumerate(signers):
        run(verify, on_start=code_for(address, seen))
        # How to show the signer at the reveal, name, role, no statement, and yes.
        out = run(sign, stdin=f"name\nSigner {n}\nResearcher\n\ny\n")
        assert "Submitted." in out, out

    steps = [c for c in commands if "pledge-sign verify" not in c and "pledge-sign sign" not in c]
    publish, check, decrypt, export, verify_record = steps
    publish_again = publish  # step 5: "run dev publish-now practice-run again, as in step 3"
    assert "publish-now" in publish and "pledge-sign check" in check and "campaign export" in export
    out = run(publish)
    assert "reveal round 1 frozen" in out and "3 emails to the trustees sent" in out, out
    out = run(check)
    assert "Kept this signed head in bo-receipt.json" in out, out

    # Step 4: the trustees' logins and passphrases as make run printed them.
    printed = log.read_text()
    passwords = dict(re.findall(r"(trustee\d@demo\.pledge\.invalid)\s+password: (\S+)", printed))
    passphrases = read_passphrases(repo / "instance/demo-trustees")
    for seat in (1, 2):
        site.cookies.clear()
        email = f"trustee{seat}@demo.pledge.invalid"
        login = site.page("/login")
        assert site.post_form("/login", {"email": email, "password": passwords[email],
                                         "csrf_token": csrf_from(login)}) == 302
        dashboard = site.page("/trustee/")
        download = re.search(r'"(/trustee/campaigns/\d+/rounds/1/round\.json)"', dashboard)
        assert download, dashboard[-3000:]
        status, _, package = site.request("GET", download.group(1))
        assert status == 200
        (Path(env["HOME"]) / "Downloads/round-1-practice-run.json").write_bytes(package)
        mine = decrypt.replace("trustee-1", f"trustee-{seat}").replace("partials-1", f"partials-{seat}")
        key = f"trustee-{seat}.key"
        run(mine, extra={"PLEDGE_TRUSTEE_PASSPHRASE": passphrases[key]})
        upload = re.search(r'action="(/trustee/campaigns/\d+/rounds/1/partials)"', dashboard).group(1)
        assert site.upload(upload, {"csrf_token": csrf_from(dashboard)}, "partials.json",
                           (repo / f"partials-{seat}.json").read_bytes()) == 302
    page = site.page("/campaigns/practice-run")
    assert all(f"Signer {n}" in page for n in range(3))

    # Step 5.
    out = run(publish_again)
    assert "round-revealed" in out, out
    run(export)
    out = run(verify_record)
    assert "record.json" in verify_record and (repo / "record.json").is_file(), out

    # Step 3 said the trustees are emailed (see the dev mailbox): publish-now, run in another
    # terminal, sent that mail to the sink on its moved port.
    mailbox = site.page("/dev/mail")
    for seat in (1, 2, 3):
        assert re.search(rf"<td>trustee{seat}@demo\.pledge\.invalid</td>\s*<td><a [^>]*>Pledge: a reveal round is ready",
                         mailbox), mailbox[-3000:]
