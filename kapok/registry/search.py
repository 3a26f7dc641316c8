"""Finding people the way workers search: by name, pinyin initials, ID number (whole or its last
digits) or phone."""

import re

from django.db.models import Q

from kapok.registry.models import ID_NUMBER_PURPOSE
from kapok.registry.protection import blind_index

ID_LIKE = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
DIGITS = re.compile(r"^\d{3,}[Xx]?$")
INITIALS = re.compile(r"^[A-Za-z]{2,10}$")


def search_condition(text: str) -> Q:
    text = text.strip()
    if not text:
        return Q()
    if ID_LIKE.match(text):
        return Q(id_number_hash=blind_index(text.upper(), ID_NUMBER_PURPOSE))
    if DIGITS.match(text):
        # The last digits of an ID number (shown unmasked) or part of a phone number.
        condition = Q(phones__icontains=text)
        if len(text) <= 4:
            condition |= Q(id_number_masked__endswith=text.upper())
        return condition
    if INITIALS.match(text):
        return Q(name_initials__startswith=text.lower())
    return Q(name__contains=text)
