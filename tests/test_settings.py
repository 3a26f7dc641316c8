import os
import subprocess
import sys

import pytest

LOAD_SETTINGS = "import django; django.setup(); from django.conf import settings; print('ok')"


def load_settings(tmp_path, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAPOK_")}
    environment.update({"DJANGO_SETTINGS_MODULE": "kapok.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", LOAD_SETTINGS],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_development_generates_its_secrets_into_var(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "var" / "data_key").exists()
    assert (tmp_path / "var" / "kapok.sqlite3").exists() is False  # created by migrate only


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "KAPOK_SECRET_KEY (or KAPOK_SECRET_KEY_FILE) is required in production"),
        ({"KAPOK_SECRET_KEY": "s" * 50}, "KAPOK_DATA_KEY (or KAPOK_DATA_KEY_FILE) is required"),
        (
            {"KAPOK_SECRET_KEY": "s" * 50, "KAPOK_DATA_KEY": "short"},
            "KAPOK_DATA_KEY must be 32 bytes",
        ),
        (
            {
                "KAPOK_SECRET_KEY": "s" * 50,
                "KAPOK_DATA_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            },
            "KAPOK_ALLOWED_HOSTS is required in production",
        ),
    ],
)
def test_production_refuses_to_start_without_its_settings(tmp_path, env, message):
    result = load_settings(tmp_path, KAPOK_ENV="production", **env)
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "var").exists()


def test_a_bad_value_fails_loudly(tmp_path):
    result = load_settings(tmp_path, KAPOK_DEBUG="maybe")
    assert result.returncode != 0
    assert "KAPOK_DEBUG must be true or false, not 'maybe'" in result.stderr


def test_production_starts_with_its_settings(tmp_path):
    result = load_settings(
        tmp_path,
        KAPOK_ENV="production",
        KAPOK_SECRET_KEY="s" * 50,
        KAPOK_DATA_KEY="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        KAPOK_ALLOWED_HOSTS="kapok.example.gov.cn",
        KAPOK_DATABASE_URL="postgres://kapok@db.internal/kapok",
    )
    assert result.returncode == 0, result.stderr
