import pytest
from django.test import override_settings

from kapok.environment import new_data_key
from kapok.registry.protection import DecryptionError, blind_index, decrypt, encrypt


def test_a_value_round_trips_and_is_not_stored_in_clear():
    token = encrypt("44011119450312123X", "person.id_number")
    assert token.startswith("v1:")
    assert "440111" not in token
    assert decrypt(token, "person.id_number") == "44011119450312123X"


def test_the_same_value_encrypts_differently_each_time():
    assert encrypt("13812345678", "p") != encrypt("13812345678", "p")


def test_a_value_moved_to_another_column_does_not_decrypt():
    token = encrypt("44011119450312123X", "person.id_number")
    with pytest.raises(DecryptionError):
        decrypt(token, "person.phones")


def test_another_key_cannot_decrypt():
    token = encrypt("44011119450312123X", "person.id_number")
    with override_settings(KAPOK_DATA_KEY=new_data_key()), pytest.raises(DecryptionError):
        decrypt(token, "person.id_number")


def test_the_blind_index_is_stable_keyed_and_per_purpose():
    first = blind_index("44011119450312123X", "person.id_number")
    assert first == blind_index("44011119450312123X", "person.id_number")
    assert first != blind_index("44011119450312123X", "household.head")
    assert len(first) == 64
    with override_settings(KAPOK_DATA_KEY=new_data_key()):
        assert blind_index("44011119450312123X", "person.id_number") != first


def test_empty_values_stay_empty():
    assert encrypt("", "p") == decrypt("", "p") == blind_index("", "p") == ""
