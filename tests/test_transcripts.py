"""Reading robot-call transcripts (kapok.needs.transcripts) and `kapok needs extract`.

The labelled sets live in tests/transcripts/: labelled.jsonl (hand-written and generated rows,
tuned on), holdout.jsonl (hand-written, kept apart), sample.jsonl (the issue's 30 examples).
"""

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from bench.extraction import available_sets, naive, ours_dict, score
from kapok.needs.kinds import NeedKind, Urgency
from kapok.needs.lexicon import LEXICON, count, trie_pattern
from kapok.needs.transcripts import REVIEW_BELOW, normalise, read_transcript

PROJECT = Path(__file__).resolve().parent.parent
SETS = available_sets()
# What the reader achieves, less a small margin (see the report of `python -m bench.extraction`).
EXACT_AT_LEAST = {"labelled": 0.99, "holdout": 0.94, "sample": 0.96}


def read(text):
    return read_transcript(text).as_dict()


def needs(text):
    return read(text)["needs"]


def urgency(text):
    return read(text)["urgency"]


# -- the labelled sets --------------------------------------------------------------------------


def test_the_labelled_sets_are_as_large_as_promised():
    assert len(SETS["labelled"]) >= 600
    assert len(SETS["holdout"]) >= 150
    assert len(SETS["sample"]) == 30
    assert {row["source"] for row in SETS["labelled"]} == {"hand", "generated"}
    assert not {row["text"] for row in SETS["holdout"]} & {row["text"] for row in SETS["labelled"]}


@pytest.mark.parametrize("name", ["labelled", "holdout", "sample"])
def test_no_emergency_is_missed_in_any_set(name):
    result = score(ours_dict, SETS[name])
    assert result.emergencies > 0
    missed = [
        row["text"]
        for row, got in result.wrong
        if row["urgency"] == "emergency" and got["urgency"] != "emergency"
    ]
    assert missed == []
    assert result.emergency_recall == 1.0


@pytest.mark.parametrize("name", ["labelled", "holdout", "sample"])
def test_whole_readings_match_the_labels(name):
    result = score(ours_dict, SETS[name])
    assert result.exact >= EXACT_AT_LEAST[name], [row["text"] for row, _got in result.wrong]
    assert result.need_recall >= 0.99
    assert result.fields["reached"] >= 0.99


def test_the_reader_does_far_better_than_matching_keywords():
    ours, theirs = score(ours_dict, SETS["holdout"]), score(naive, SETS["holdout"])
    assert ours.exact > theirs.exact + 0.3
    assert theirs.emergency_recall < 1.0  # the naive matcher misses what negation hides


# -- negation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "不缺米。",
        "米还有。",
        "米不缺，油也有。",
        "不用，米都有。",
        "没有困难。",
        "乜都唔缺，多谢。",
        "米仲有。",
        "不需要，谢谢。",
        "困难倒没有。",
    ],
)
def test_negated_or_had_supplies_are_no_need(text):
    reading = read(text)
    assert reading == {"reached": True, "ok": True, "needs": [], "urgency": "normal"}


def test_a_double_negation_keeps_the_supply_but_lowers_the_confidence():
    reading = read_transcript("不是没米，米还有半袋。")
    assert reading.needs == ()
    assert reading.ok
    assert read_transcript("不是没米。").confidence < read_transcript("米还有。").confidence


def test_negation_reaches_only_the_next_predicate_in_its_clause():
    assert needs("米不缺就是油快没了。") == ["OIL"]
    assert needs("不缺米，药就只剩一天了。") == ["MEDICINE"]
    assert needs("没米有油") == ["FOOD"]
    assert needs("米还有油没了") == ["OIL"]
    assert needs("屋企冇油冇菜，米仲有。") == ["OIL", "VEGETABLES"]


def test_a_denied_emergency_is_no_emergency_but_is_reviewed():
    for text in ("没有摔倒。", "我冇跌亲。", "胸口不痛。", "没有喘不上气。", "没有煤气味。"):
        reading = read_transcript(text)
        assert reading.urgency == Urgency.NORMAL, text
        assert reading.ok, text
        assert reading.needs_review, text  # a human checks denied emergencies


def test_denied_suicide_talk_is_always_reviewed():
    reading = read_transcript("我不会想不开的，你们放心。")
    assert reading.urgency == Urgency.NORMAL
    assert reading.confidence <= 0.4


def test_an_emergency_is_not_negated_by_another_clause():
    assert urgency("没事没事，就是老伴摔倒了起不来。") == "emergency"
    assert urgency("没什么困难，不过我老公胸口好痛。") == "emergency"
    assert urgency("不需要，什么都不缺，就是活着没意思。") == "emergency"


def test_a_worry_is_not_an_event():
    assert urgency("我怕摔倒，所以不敢下楼。") == "normal"
    assert urgency("差点摔倒，扶住了。") == "normal"
    assert urgency("我怕我老公想不开，他说不想活了。") == "emergency"  # suicide talk always is


# -- quantities and time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("药只剩两天。", "urgent"),
        ("我的心脏病药还剩三天。", "normal"),
        ("降糖药今天吃完就没有了。", "urgent"),
        ("已经断药了。", "urgent"),
        ("药今晚吃完就没了。", "urgent"),
        ("米明天就没了。", "urgent"),
        ("米只剩两顿了。", "urgent"),
        ("米只够吃一两天。", "urgent"),
        ("药还剩五六天。", "normal"),
        ("米快没了。", "normal"),
        ("油用完了。", "normal"),  # only staples are urgent when gone
    ],
)
def test_how_long_a_supply_lasts_decides_the_urgency(text, expected):
    assert urgency(text) == expected
    assert read(text)["needs"]


@pytest.mark.parametrize("text", ["药还够吃一个月。", "米还够吃半个月。", "药还有两个月的量。"])
def test_a_supply_lasting_a_week_or_more_is_no_need(text):
    assert read(text) == {"reached": True, "ok": True, "needs": [], "urgency": "normal"}


@pytest.mark.parametrize(
    ("numeral", "expected"),
    [
        ("两", (2, False)),
        ("三四", (3, False)),
        ("几", (3, True)),
        ("十几", (11, True)),
        ("半", (0.5, False)),
        ("十二", (12, False)),
        ("二十", (20, False)),
        ("12", (12, False)),
    ],
)
def test_chinese_numerals_are_counted(numeral, expected):
    assert count(numeral) == expected


def test_a_vague_quantity_lowers_the_confidence():
    assert read_transcript("药还剩几天。").confidence < read_transcript("药还剩四天。").confidence


# -- carrier messages and answers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "您拨打的电话已关机。",
        "对不起，您拨打的用户暂时无法接通，请稍后再拨。",
        "您拨打的号码是空号，请查证后再拨。",
        "您拨打的电话正在通话中。",
        "您拨打的电话暂时无人接听。",
        "您拨打的用户已停机。",
        "您的电话将转入语音信箱，请在提示音后留言。",
        "您好，机主现在不方便接听电话，请留言。",
        "Sorry, the number you dialed is power off, please call again later.",
        "",
        "   ",
        "（无应答）",
        "你打错了，我们这里没有这个人。",
    ],
)
def test_carrier_messages_empty_lines_and_wrong_numbers_are_not_reached(text):
    assert read(text) == {"reached": False, "ok": False, "needs": [], "urgency": "normal"}


def test_a_person_heard_after_a_carrier_message_is_reached():
    reading = read("您拨打的电话正在通话中，喂喂，我摔倒了起不来！")
    assert reading["reached"]
    assert reading["urgency"] == "emergency"


@pytest.mark.parametrize(
    "text", ["不需要，别打了。", "你们天天打，烦不烦啊，没事！", "骗子吧？不需要。"]
)
def test_refusals_are_reached_and_ok(text):
    assert read(text) == {"reached": True, "ok": True, "needs": [], "urgency": "normal"}


def test_a_refusal_that_states_a_difficulty_is_not_ok():
    assert read("不需要你们管，就是药快没了。")["needs"] == ["MEDICINE"]


@pytest.mark.parametrize(
    "text", ["喂？喂喂？", "我听不清，你说什么？", "在开车，晚点再打。", "嗯。"]
)
def test_an_answer_that_says_nothing_is_reached_but_not_ok_and_reviewed(text):
    reading = read_transcript(text)
    assert reading.reached
    assert not reading.ok
    assert reading.needs == ()
    assert reading.needs_review


def test_only_the_persons_turns_are_read_when_speakers_are_tagged():
    text = "机器人：您好，这里是民政局，请问您目前有没有遇到基本生活困难？用户：米没有了。"
    assert read(text) == {"reached": True, "ok": False, "needs": ["FOOD"], "urgency": "urgent"}


# -- emergencies, Cantonese, the kinds of need --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("摔倒起不来", "MEDICAL"),
        ("跌低起唔到身", "MEDICAL"),
        ("胸口痛", "MEDICAL"),
        ("胸闷", "MEDICAL"),
        ("喘不上气", "MEDICAL"),
        ("透唔到气", "MEDICAL"),
        ("老人叫不醒", "MEDICAL"),
        ("我爸晕倒了", "MEDICAL"),
        ("阿爷冇反应", "MEDICAL"),
        ("不想活了", "PSYCHOLOGICAL"),
        ("想死", "PSYCHOLOGICAL"),
        ("活着没意思", "PSYCHOLOGICAL"),
        ("孩子一个人在家", "GUARDIANSHIP"),
        ("屋企冇大人", "GUARDIANSHIP"),
        ("有煤气味", "OTHER"),
        ("好像漏气了", "OTHER"),
        ("老人痴呆走丢了", "OTHER"),
        ("我妈有认知症，不见了", "OTHER"),
    ],
)
def test_every_life_safety_signal_is_an_emergency(text, kind):
    reading = read(text)
    assert reading["urgency"] == "emergency"
    assert kind in reading["needs"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("冇米", "没有米"),
        ("食晒", "吃完"),
        ("唔该", "谢谢"),
        ("冇餸", "没有菜"),
        ("冇药食", "没有药吃"),
        ("唔舒服", "不舒服"),
        ("跌亲", "摔倒"),
        ("行唔到", "走不了"),
        ("冇人理", "没人管"),
        ("屋企", "家"),
        ("食用油", "食用油"),
        ("沒藥", "没药"),
        ("ＡＢＣ　１２", "abc 12"),
    ],
)
def test_cantonese_traditional_and_full_width_text_is_normalised(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("想问低保政策。", ["POLICY"]),
        ("心情不好。", ["PSYCHOLOGICAL"]),
        ("睡不着。", ["PSYCHOLOGICAL"]),
        ("好焦虑。", ["PSYCHOLOGICAL"]),
        ("需要做核酸。", ["TESTING"]),
        ("需要上门采样。", ["TESTING"]),
        ("没人照顾。", ["CARE"]),
        ("需要人帮忙洗澡。", ["CARE"]),
        ("回不了家。", ["SHELTER"]),
        ("没地方住。", ["SHELTER"]),
        ("孩子没人管。", ["GUARDIANSHIP"]),
        ("父母都被隔离了。", ["GUARDIANSHIP"]),
        ("纸巾用完了。", ["NECESSITIES"]),
        ("家里停电了。", ["OTHER"]),
        ("发烧了。", ["MEDICAL"]),
    ],
)
def test_requests_become_the_glossarys_needs(text, expected):
    assert needs(text) == expected


def test_each_need_has_its_own_urgency():
    reading = read_transcript("油没了，降压药只剩一天。")
    assert reading.needs == (NeedKind.OIL, NeedKind.MEDICINE)
    assert reading.urgency_of(NeedKind.OIL) == Urgency.NORMAL
    assert reading.urgency_of(NeedKind.MEDICINE) == Urgency.URGENT
    assert reading.urgency == Urgency.URGENT
    assert reading.urgency_of(NeedKind.FOOD) is None


def test_evidence_names_the_words_and_masks_phone_numbers():
    reading = read_transcript("冇米喇，打我电话13812345678。").as_dict(explain=True)
    assert reading["confidence"] >= REVIEW_BELOW
    (finding,) = [item for item in reading["evidence"] if item["reading"] == "need"]
    assert (finding["kind"], finding["urgency"]) == ("FOOD", "urgent")
    assert "米" in finding["cue"]
    assert "13812345678" not in json.dumps(reading, ensure_ascii=False)


def test_the_lexicon_finds_the_longest_word():
    import re

    pattern = re.compile(trie_pattern(["没", "没有", "没有人照顾", "米"]))
    assert [m.group() for m in pattern.finditer("没有人照顾没有米")] == ["没有人照顾", "没有", "米"]
    assert LEXICON["心脏病"].role == "decoy"  # 心脏病药 is medicine, not a heart attack


def test_need_kinds_and_urgencies_follow_the_glossary_and_are_translated():
    assert [kind.value for kind in NeedKind] == [
        *("FOOD", "OIL", "VEGETABLES", "MEDICINE", "MEDICAL", "TESTING", "NECESSITIES", "CARE"),
        *("GUARDIANSHIP", "SHELTER", "POLICY", "PSYCHOLOGICAL", "OTHER"),
    ]
    assert [u.value for u in Urgency] == ["normal", "urgent", "emergency"]
    assert Urgency.highest([Urgency.URGENT, Urgency.EMERGENCY, Urgency.NORMAL]) == Urgency.EMERGENCY
    assert Urgency.highest([]) == Urgency.NORMAL
    with translation.override("en"):
        assert str(NeedKind.FOOD.label) == "short of food"


# -- the command --------------------------------------------------------------------------------


def extract(text, *args):
    out = io.StringIO()
    call_command("needs", "extract", *args, stdin=io.StringIO(text), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_extract_answers_each_line_with_exactly_four_keys():
    lines = extract("米没有了，药也没有了。\n\n您拨打的电话已关机\r\n\ufeff我摔倒了起不来\n")
    assert lines == [
        {"reached": True, "ok": False, "needs": ["FOOD", "MEDICINE"], "urgency": "urgent"},
        {"reached": False, "ok": False, "needs": [], "urgency": "normal"},  # an empty line
        {"reached": False, "ok": False, "needs": [], "urgency": "normal"},
        {"reached": True, "ok": False, "needs": ["MEDICAL"], "urgency": "emergency"},
    ]
    assert all(list(line) == ["reached", "ok", "needs", "urgency"] for line in lines)


def test_extract_explains_when_asked():
    (line,) = extract("药只剩两天\n", "--explain")
    assert set(line) == {"reached", "ok", "needs", "urgency", "confidence", "evidence"}
    assert line["evidence"][0]["kind"] == "MEDICINE"


def test_extract_reads_nothing_from_an_empty_stream():
    assert extract("") == []


def test_the_console_command_streams_answering_each_line_before_the_next():
    """One line in, one answer out at once (flushed), while stdin stays open."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kapok", "needs", "extract"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=PROJECT,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},  # stdin is read as UTF-8 regardless
    )
    timer = threading.Timer(60, process.kill)
    timer.start()
    try:
        answers = []
        for text in ("冇米喇", "胸口好痛"):
            process.stdin.write((text + "\n").encode("utf-8"))
            process.stdin.flush()
            answers.append(json.loads(process.stdout.readline()))
        process.stdin.close()
        assert process.wait() == 0
    finally:
        timer.cancel()
        process.kill()
    assert answers == [
        {"reached": True, "ok": False, "needs": ["FOOD"], "urgency": "urgent"},
        {"reached": True, "ok": False, "needs": ["MEDICAL"], "urgency": "emergency"},
    ]
