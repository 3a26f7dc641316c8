"""Typed readers for the environment: kapok/environment.py."""

import base64
import os
import stat
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured

from kapok import environment
from kapok.environment import (
    check_data_key,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
    new_data_key,
)

NAME = "KAPOK_TEST_VALUE"
SECRET = "KAPOK_TEST_SECRET"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in (NAME, SECRET, f"{SECRET}_FILE"):
        monkeypatch.delenv(name, raising=False)


# Plain values


def test_it_reads_a_string_or_its_default(monkeypatch):
    assert env_str(NAME) is None
    assert env_str(NAME, "fallback") == "fallback"
    monkeypatch.setenv(NAME, "value")
    assert env_str(NAME, "fallback") == "value"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1", True),
        ("true", True),
        ("True", True),
        ("YES", True),
        ("on", True),
        (" yes ", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("", False),
    ],
)
def test_it_reads_a_flag_from_the_usual_words(monkeypatch, raw, value):
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, not value) is value


def test_it_gives_a_flags_default_when_it_is_not_set():
    assert env_bool(NAME, True) is True
    assert env_bool(NAME, False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled"])
def test_it_refuses_any_other_word_for_a_flag(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured) as error:
        env_bool(NAME, False)
    assert str(error.value) == f"{NAME} must be true or false, not {raw!r}"


def test_it_reads_a_whole_number_or_its_default(monkeypatch):
    assert env_int(NAME, 7) == 7
    monkeypatch.setenv(NAME, "12")
    assert env_int(NAME, 7) == 12
    monkeypatch.setenv(NAME, " -3 ")
    assert env_int(NAME, 7) == -3


@pytest.mark.parametrize("raw", ["twelve", "1.5", "", "0x10"])
def test_it_refuses_what_is_not_a_whole_number(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured) as error:
        env_int(NAME, 1)
    assert str(error.value) == f"{NAME} must be a whole number, not {raw!r}"


def test_it_checks_a_whole_numbers_minimum(monkeypatch):
    monkeypatch.setenv(NAME, "1")
    assert env_int(NAME, 25, minimum=1) == 1
    monkeypatch.setenv(NAME, "0")
    with pytest.raises(ImproperlyConfigured) as error:
        env_int(NAME, 25, minimum=1)
    assert str(error.value) == f"{NAME} must be at least 1, not 0"


def test_it_reads_a_list_without_blanks(monkeypatch):
    assert env_list(NAME, ["localhost"]) == ["localhost"]
    monkeypatch.setenv(NAME, " a.gov.cn, ,b.gov.cn ,")
    assert env_list(NAME, ["localhost"]) == ["a.gov.cn", "b.gov.cn"]
    monkeypatch.setenv(NAME, "")
    assert env_list(NAME, ["localhost"]) == []


def test_it_reads_one_of_the_choices_or_the_default(monkeypatch):
    choices = ("development", "production")
    assert env_choice(NAME, "development", choices) == "development"
    monkeypatch.setenv(NAME, "production")
    assert env_choice(NAME, "development", choices) == "production"


@pytest.mark.parametrize("raw", ["staging", "Production", ""])
def test_it_refuses_a_value_that_is_not_a_choice(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured) as error:
        env_choice(NAME, "development", ("development", "production"))
    assert str(error.value) == f"{NAME} must be one of development, production, not {raw!r}"


# Secrets


def test_it_reads_a_secret_from_its_variable(monkeypatch, tmp_path):
    monkeypatch.setenv(SECRET, "from-the-environment")
    assert env_secret(SECRET, generate_into=None) == "from-the-environment"
    assert env_secret(SECRET, generate_into=tmp_path / "s") == "from-the-environment"
    assert not (tmp_path / "s").exists()


def test_it_reads_a_secret_from_the_file_its_file_variable_names(monkeypatch, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("  from-a-file\n")
    monkeypatch.setenv(f"{SECRET}_FILE", str(secret_file))
    assert env_secret(SECRET, generate_into=None) == "from-a-file"


def test_it_reads_a_secret_file_even_when_the_variable_is_set_empty(monkeypatch, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv(SECRET, "")
    monkeypatch.setenv(f"{SECRET}_FILE", str(secret_file))
    assert env_secret(SECRET, generate_into=None) == "from-a-file"


def test_it_refuses_a_secret_given_both_ways(monkeypatch, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv(SECRET, "from-the-environment")
    monkeypatch.setenv(f"{SECRET}_FILE", str(secret_file))
    with pytest.raises(ImproperlyConfigured) as error:
        env_secret(SECRET, generate_into=tmp_path / "generated")
    assert str(error.value) == f"Set {SECRET} or {SECRET}_FILE, not both"


def test_it_names_a_secret_file_it_cannot_read(monkeypatch, tmp_path):
    missing = tmp_path / "missing"
    monkeypatch.setenv(f"{SECRET}_FILE", str(missing))
    with pytest.raises(ImproperlyConfigured) as error:
        env_secret(SECRET, generate_into=tmp_path / "generated")
    assert str(error.value).startswith(f"{SECRET}_FILE: cannot read {missing}: ")
    assert not (tmp_path / "generated").exists()


def test_it_refuses_an_empty_secret_file_instead_of_making_up_a_secret(monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    monkeypatch.setenv(f"{SECRET}_FILE", str(empty))
    with pytest.raises(ImproperlyConfigured) as error:
        env_secret(SECRET, generate_into=tmp_path / "generated")
    assert str(error.value) == f"{SECRET}_FILE: {empty} is empty"
    assert not (tmp_path / "generated").exists()


def test_it_requires_a_secret_in_production():
    with pytest.raises(ImproperlyConfigured) as error:
        env_secret(SECRET, generate_into=None)
    assert str(error.value) == f"{SECRET} (or {SECRET}_FILE) is required in production"


def test_it_generates_a_missing_secret_once_into_a_file_only_its_owner_can_read(tmp_path):
    target = tmp_path / "var" / "secret_key"
    first = env_secret(SECRET, generate_into=target)
    assert len(first) >= 50
    assert target.read_text() == first + "\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert env_secret(SECRET, generate_into=target) == first
    assert sorted(path.name for path in target.parent.iterdir()) == ["secret_key"]


def test_it_generates_with_the_generator_it_is_given(tmp_path):
    target = tmp_path / "data_key"
    key = env_secret(SECRET, generate_into=target, generate=new_data_key)
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert env_secret(SECRET, generate_into=target, generate=new_data_key) == key


def test_it_makes_a_new_secret_each_time_a_site_generates_one(tmp_path):
    first = env_secret(SECRET, generate_into=tmp_path / "one")
    second = env_secret(SECRET, generate_into=tmp_path / "two")
    assert first != second


def test_it_keeps_a_secret_generated_before(tmp_path):
    target = tmp_path / "secret_key"
    target.write_text("made-earlier\n")
    assert env_secret(SECRET, generate_into=target, generate=lambda: "new") == "made-earlier"
    assert target.read_text() == "made-earlier\n"


def test_it_refuses_an_empty_generated_secret_file(tmp_path):
    target = tmp_path / "secret_key"
    target.write_text("")
    with pytest.raises(ImproperlyConfigured) as error:
        env_secret(SECRET, generate_into=target)
    assert str(error.value) == (
        f"{target} (the generated {SECRET}) is empty; delete it to make a new one"
    )


def test_the_secret_from_the_environment_wins_over_a_generated_one(monkeypatch, tmp_path):
    target = tmp_path / "secret_key"
    target.write_text("generated\n")
    monkeypatch.setenv(SECRET, "from-the-environment")
    assert env_secret(SECRET, generate_into=target) == "from-the-environment"


def test_processes_starting_together_all_read_the_one_secret_that_won(tmp_path):
    """The loser of the race must never read a file the winner has created but not yet filled."""
    target = tmp_path / "secret_key"
    calls = iter(range(100))
    barrier = threading.Barrier(8, timeout=10)

    def generate():
        barrier.wait()  # every thread has found the file missing and made its own secret
        return f"secret-{next(calls)}"

    results = []

    def start():
        results.append(env_secret(SECRET, generate_into=target, generate=generate))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert set(results) == {target.read_text().strip()}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["secret_key"]


def test_a_reader_never_sees_a_half_written_secret(tmp_path, monkeypatch):
    target = tmp_path / "secret_key"
    seen = []
    real_fdopen = os.fdopen

    def fdopen_and_peek(fd, *args, **kwargs):
        # Between creating the file and writing the secret, another process reads it.
        if target.exists():
            seen.append(env_secret(SECRET, generate_into=target))
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(environment.os, "fdopen", fdopen_and_peek)
    env_secret(SECRET, generate_into=target, generate=lambda: "the-secret")
    assert seen == []
    assert target.read_text() == "the-secret\n"


# The personal-data key


def test_a_new_data_key_is_32_random_bytes_in_url_safe_base64():
    key = new_data_key()
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert key != new_data_key()
    assert check_data_key("KAPOK_DATA_KEY", key) == key


@pytest.mark.parametrize(
    "value",
    [
        base64.urlsafe_b64encode(b"x" * 16).decode(),  # too short
        base64.urlsafe_b64encode(b"x" * 33).decode(),  # too long
        base64.urlsafe_b64encode(b"x" * 32).decode().rstrip("="),  # padding lost
        "not base64 at all!",
        "",
    ],
)
def test_it_refuses_a_data_key_that_is_not_32_bytes_in_base64(value):
    with pytest.raises(ImproperlyConfigured) as error:
        check_data_key("KAPOK_DATA_KEY", value)
    assert str(error.value).startswith("KAPOK_DATA_KEY must be 32 bytes in URL-safe base64;")
    assert "base64.urlsafe_b64encode(os.urandom(32))" in str(error.value)
