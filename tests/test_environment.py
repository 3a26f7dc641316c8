import base64
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from kapok.environment import (
    check_data_key,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    new_data_key,
)


@pytest.mark.parametrize(
    ("raw", "value"), [("true", True), ("Yes", True), ("0", False), ("", False)]
)
def test_env_bool_reads_the_usual_words(monkeypatch, raw, value):
    monkeypatch.setenv("KAPOK_X", raw)
    assert env_bool("KAPOK_X", not value) is value


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("KAPOK_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="KAPOK_X must be true or false, not 'maybe'"):
        env_bool("KAPOK_X", False)


def test_env_int_checks_the_number_and_its_minimum(monkeypatch):
    monkeypatch.setenv("KAPOK_N", "12")
    assert env_int("KAPOK_N", 1, minimum=1) == 12
    monkeypatch.setenv("KAPOK_N", "twelve")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("KAPOK_N", 1)
    monkeypatch.setenv("KAPOK_N", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("KAPOK_N", 1, minimum=0)


def test_env_list_and_choice(monkeypatch):
    monkeypatch.setenv("KAPOK_HOSTS", " a.gov.cn, ,b.gov.cn ")
    assert env_list("KAPOK_HOSTS", []) == ["a.gov.cn", "b.gov.cn"]
    monkeypatch.setenv("KAPOK_MODE", "staging")
    with pytest.raises(ImproperlyConfigured, match="one of development, production"):
        env_choice("KAPOK_MODE", "development", ("development", "production"))


def test_a_secret_is_generated_once_readable_by_the_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("KAPOK_S", raising=False)
    target = tmp_path / "var" / "s"
    first = env_secret("KAPOK_S", generate_into=target)
    assert env_secret("KAPOK_S", generate_into=target) == first
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert len(first) >= 50


def test_a_secret_comes_from_the_variable_or_its_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KAPOK_S", "from-env")
    assert env_secret("KAPOK_S", generate_into=None) == "from-env"
    monkeypatch.delenv("KAPOK_S")
    secret_file = tmp_path / "s"
    secret_file.write_text("from-file\n")
    monkeypatch.setenv("KAPOK_S_FILE", str(secret_file))
    assert env_secret("KAPOK_S", generate_into=None) == "from-file"
    monkeypatch.setenv("KAPOK_S", "both")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_secret("KAPOK_S", generate_into=None)


def test_a_missing_secret_file_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("KAPOK_S", raising=False)
    monkeypatch.setenv("KAPOK_S_FILE", str(tmp_path / "nope"))
    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        env_secret("KAPOK_S", generate_into=None)


def test_the_data_key_must_be_32_bytes():
    key = new_data_key()
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert check_data_key("K", key) == key
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        check_data_key("K", base64.urlsafe_b64encode(b"x" * 16).decode())
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        check_data_key("K", "not base64 at all!")
