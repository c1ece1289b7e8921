"""Start-up as an operator meets it: an unsafe configuration stops the service with one clear
line, and `flask check-config` lists everything that is wrong."""

import os
import shutil
import subprocess
import sys

from tests.e2e.server import BIN, ROOT, service_env


def start(env, *args, cwd=ROOT) -> subprocess.CompletedProcess:
    """Import the WSGI entry point as gunicorn would (or run a flask command)."""
    command = (
        [str(BIN / "flask"), "--app", "wsgi", *args]
        if args
        else [sys.executable, "-c", "import wsgi"]
    )
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_a_copied_config_example_does_not_start(tmp_path):
    shutil.copy(ROOT / "config.example.py", tmp_path / "config.py")
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="smtp.example.com"
    )
    del env["MFA_SECRET_KEY"]
    env["MFA_CONFIG_FILE"] = str(tmp_path / "config.py")
    done = start(env)
    assert done.returncode == 3  # gunicorn's "worker failed to boot": its master stops too
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mfa-api will not start: SECRET_KEY is not set")


def test_the_old_example_secret_key_does_not_start(tmp_path):
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        MAIL_SERVER="smtp.example.com",
        SECRET_KEY="change-me-to-a-long-random-string",
    )
    done = start(env)
    assert done.returncode == 3 and "SECRET_KEY is the example's" in done.stderr


def test_a_passphrase_secret_key_does_not_start_and_check_config_names_it(tmp_path):
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        MAIL_SERVER="smtp.example.com",
        SECRET_KEY="acme-corp-mfa-api-secret-key-2026",  # issue 20: cracked in 1,819 guesses
    )
    done = start(env)
    assert done.returncode == 3
    assert "mfa-api will not start: SECRET_KEY is not a random key" in done.stderr
    checked = start(env, "check-config")
    assert checked.returncode == 1
    assert "error: SECRET_KEY is not a random key" in checked.stdout
    assert "secrets.token_urlsafe(48)" in checked.stdout


def test_no_mail_server_in_production_does_not_start(tmp_path):
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    done = start(env)
    assert done.returncode == 3 and "MAIL_SERVER is not set" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_config_lists_every_problem_and_fails(tmp_path):
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", SECRET_KEY="short")
    del env["MFA_ENCRYPTION_KEYS"]
    done = start(env, "check-config")
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3  # the short key, no mail server, no encryption key
    assert any(
        "rate limits are counted in each worker" in line for line in done.stdout.splitlines()
    )


def test_check_config_with_warnings_only_succeeds(tmp_path):
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="smtp.x.example")
    start(env, "init-db")
    done = start(env, "check-config")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("warning: rate limits are counted in each worker's memory")


def test_gunicorn_stops_instead_of_forking_workers_that_refuse(tmp_path):
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", SECRET_KEY="a")
    command = [str(BIN / "gunicorn"), "-w", "2", "-b", "127.0.0.1:0", "wsgi:app"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "mfa-api will not start: SECRET_KEY is shorter than 32 bytes" in done.stderr


def test_gen_key_works_where_the_key_is_missing(tmp_path):
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="smtp.x.example")
    del env["MFA_ENCRYPTION_KEYS"]
    done = start(env, "gen-key")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip()) == 44  # a Fernet key


def test_false_means_false_in_the_environment(tmp_path):
    env = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        MAIL_SERVER="smtp.x.example",
        ALLOW_PLAINTEXT_SECRETS="False",
    )
    del env["MFA_ENCRYPTION_KEYS"]
    done = start(env)
    assert done.returncode == 3 and "no ENCRYPTION_KEYS" in done.stderr


def test_debug_or_testing_set_by_configuration_is_not_development(tmp_path):
    for key in ("DEBUG", "TESTING"):
        env = service_env(
            DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
            MAIL_SERVER="x.example",
            **{key: "true"},
        )
        done = start(env)
        assert done.returncode == 3 and "DEBUG and TESTING must not be set" in done.stderr, key


def test_check_config_reports_a_broken_config_py_and_an_unreachable_database(tmp_path):
    (tmp_path / "config.py").write_text("SECRET_KEY = (\n")
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="x.example")
    env["MFA_CONFIG_FILE"] = str(tmp_path / "config.py")
    done = start(env, "check-config")
    assert done.returncode == 1 and "cannot be read: SyntaxError" in done.stdout, done.stdout
    unknown = service_env(DATABASE_URL="mysql://root@127.0.0.1:1/nowhere", MAIL_SERVER="x.example")
    done = start(unknown, "check-config")
    assert done.returncode == 1 and "the database cannot be reached" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_commands_read_the_unit_s_env_file_with_env_file(tmp_path):
    settings = service_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        MAIL_SERVER="smtp.x.example",
        MAIL_DEFAULT_SENDER="MFA <mfa@example.com>",
    )
    env_file = tmp_path / "env"  # /etc/mfa-api/env as docs/operations.md writes it
    env_file.write_text(
        "# mfa-api\n"
        + "".join(f"{key}='{value}'\n" for key, value in settings.items() if key[:4] == "MFA_")
    )
    bare = {key: value for key, value in settings.items() if key[:4] != "MFA_"}
    assert start(bare, "--env-file", str(env_file), "init-db").returncode == 0
    done = start(bare, "--env-file", str(env_file), "check-config")
    assert done.returncode == 0, done.stdout + done.stderr
    done = start(bare, "check-config")  # without the file: nothing of it
    assert done.returncode == 1 and "SECRET_KEY is not set" in done.stdout


def test_check_config_says_when_the_schema_is_behind(tmp_path):
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="x.example")
    done = start(env, "check-config")  # no file at all: the database, which it does not make
    assert done.returncode == 1 and "no SQLite file at" in done.stdout, done.stdout
    assert not (tmp_path / "db.sqlite3").exists()
    (tmp_path / "db.sqlite3").touch()  # an empty database: its schema is what is missing
    done = start(env, "check-config")
    assert done.returncode == 1 and "the schema is behind" in done.stdout


def test_init_db_on_an_unknown_database_says_so_in_one_line():
    url = os.environ.get("MFA_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
    env = service_env(
        DATABASE_URL=url.rsplit("/", 1)[0] + "/no_such_database_here", MAIL_SERVER="x.example"
    )
    done = start(env, "init-db")
    assert done.returncode == 1
    assert "cannot reach the database" in done.stderr and "Unknown database" in done.stderr
    assert "Traceback" not in done.stderr


def test_flask_limiter_commands_work(tmp_path):
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="smtp.x.example")
    done = start(env, "limiter", "limits")
    assert done.returncode == 0, done.stderr
    assert "RATELIMIT" in done.stdout or "per" in done.stdout


def test_config_py_is_read_beside_wsgi_py_whatever_the_working_directory(tmp_path):
    app_dir, elsewhere = tmp_path / "srv", tmp_path / "elsewhere"
    app_dir.mkdir()
    elsewhere.mkdir()
    shutil.copy(ROOT / "wsgi.py", app_dir / "wsgi.py")
    (app_dir / "config.py").write_text('SECRET_KEY = "too-short"\n')
    # the working directory's would start the service: it must not be the one read
    (elsewhere / "config.py").write_text(
        f"SECRET_KEY = {'8SvfAMLMIrs-oJiwp98ffVSuM7FkdC-8qqL-dKdqc8U'!r}\n"
    )
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="smtp.x.example")
    del env["MFA_SECRET_KEY"]
    env["PYTHONPATH"] = f"{app_dir}{os.pathsep}{ROOT}"
    done = start(env, cwd=elsewhere)
    assert done.returncode == 3, done.stderr
    assert "SECRET_KEY is shorter than 32 bytes" in done.stderr  # srv/config.py's
    env["MFA_CONFIG_FILE"] = str(elsewhere / "config.py")  # the variable still wins
    done = start(env, cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert f"Settings from {elsewhere / 'config.py'}" in done.stderr


def test_wsgi_py_offers_application_for_mod_wsgi(tmp_path):
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", MAIL_SERVER="smtp.x.example")
    command = [sys.executable, "-c", "import wsgi; assert wsgi.application is wsgi.app"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def development_env(tmp_path, **settings) -> dict:
    """FLASK_DEBUG=1 and nothing production needs: no key, no mail server."""
    env = service_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", **settings)
    del env["MFA_SECRET_KEY"], env["MFA_ENCRYPTION_KEYS"]
    env["FLASK_DEBUG"] = "1"
    return env


def test_development_mode_under_a_wsgi_server_does_not_start(tmp_path):
    done = start(development_env(tmp_path))  # imported as gunicorn and mod_wsgi import it
    assert done.returncode == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "mfa-api will not start: development mode (FLASK_DEBUG=1) under a WSGI server"
    )
    assert "ALLOW_DEVELOPMENT_MODE=true" in lines[0]


def test_gunicorn_in_development_mode_stops(tmp_path):
    command = [str(BIN / "gunicorn"), "-w", "1", "-b", "127.0.0.1:0", "wsgi:app"]
    env = development_env(tmp_path)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "mfa-api will not start: development mode (FLASK_DEBUG=1)" in done.stderr


def test_development_mode_under_a_wsgi_server_starts_when_allowed(tmp_path):
    done = start(development_env(tmp_path, ALLOW_DEVELOPMENT_MODE="true"))
    assert done.returncode == 0, done.stderr
    assert "development mode (FLASK_DEBUG=1) under a WSGI server" in done.stderr  # a warning


def run_flask(env, host) -> subprocess.CompletedProcess:
    """`flask run` as `make run` starts it, stopped after a moment (it serves until killed)."""
    command = [str(BIN / "flask"), "--app", "wsgi", "run", "--host", host, "--port", "0"]
    command += ["--no-reload"]
    try:
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=8)
    except subprocess.TimeoutExpired as running:
        out = running.stderr.decode() if isinstance(running.stderr, bytes) else running.stderr
        return subprocess.CompletedProcess(command, None, "", out or "")


def test_flask_run_in_development_mode_on_loopback_starts_on_another_address_stops(tmp_path):
    on_loopback = run_flask(development_env(tmp_path), "127.0.0.1")
    assert on_loopback.returncode is None, on_loopback.stderr  # still serving
    assert "Running on http://127.0.0.1" in on_loopback.stderr
    everywhere = run_flask(development_env(tmp_path), "0.0.0.0")  # noqa: S104
    assert everywhere.returncode not in (None, 0)
    assert "development mode (FLASK_DEBUG=1) on 0.0.0.0, an address others reach" in (
        everywhere.stderr
    )


def test_check_config_refuses_what_an_env_file_loaded_by_a_shell_breaks(tmp_path):
    """`set -a; . env` drops the JSON quotes of a key ring; a path in an origin and a list of
    hosts are each refused too, one line each, naming the setting."""
    from cryptography.fernet import Fernet

    newest, older = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    (tmp_path / "env").write_text(
        f'MFA_ENCRYPTION_KEYS=["{newest}","{older}"]\n'
        "MFA_WEBAUTHN_RP_ID=example.com\n"
        "MFA_WEBAUTHN_ORIGINS=https://example.com/login\n"
        "MFA_DATABASE_URL=mysql://mfa:pw@db1:3306,db2:3306/otp\n"
        "MFA_MAIL_SERVER=smtp.example.com\n"
    )
    env = service_env()
    del env["MFA_ENCRYPTION_KEYS"]
    command = f"set -a; . {tmp_path}/env; exec {BIN / 'flask'} --app wsgi check-config"
    done = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("error: ")]
    assert sorted(line.split()[1].rstrip(":") for line in errors) == [
        "DATABASE_URL",
        "ENCRYPTION_KEYS",
        "WEBAUTHN_ORIGINS",
    ], errors
