"""The combinatorial rows of labelled.jsonl: `.venv/bin/python tests/transcripts/generate.py`.

labelled.jsonl holds hand-written rows ("source": "hand") and these generated ones ("source":
"generated"); running this keeps the hand-written rows and rewrites the generated ones
(deterministic: a fixed seed). holdout.jsonl is hand-written and never generated or tuned on.

Each generated row is labelled by the rules the reader documents (kapok/needs/transcripts.py),
written out again here from the templates' own meaning, not by running the reader:
a staple (food, medicine) gone or lasting two days or less is urgent; other supplies gone, or
anything running low, is normal; a supply lasting a week or more is no need; every life-safety
signal is an emergency; carrier messages are not reached; explicit "no difficulty" answers are ok.
"""

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELLED = HERE / "labelled.jsonl"
ORDER = [
    *("FOOD", "OIL", "VEGETABLES", "MEDICINE", "MEDICAL", "TESTING", "NECESSITIES", "CARE"),
    *("GUARDIANSHIP", "SHELTER", "POLICY", "PSYCHOLOGICAL", "OTHER"),
]
STAPLES = {"FOOD", "MEDICINE"}

ITEMS = {
    "FOOD": ["米", "大米", "面条", "挂面", "面粉", "米粉", "奶粉", "粮食"],
    "OIL": ["油", "食用油", "花生油"],
    "VEGETABLES": ["青菜", "蔬菜", "肉", "鸡蛋", "菜"],
    "MEDICINE": ["药", "降压药", "降糖药", "胰岛素", "心脏病的药", "哮喘的药"],
    "NECESSITIES": ["纸巾", "卫生纸", "洗洁精", "洗衣粉", "尿不湿", "口罩", "牙膏"],
}
EATEN = {"FOOD", "MEDICINE", "VEGETABLES", "OIL"}  # 吃完 rather than 用完 (oil: 用完)
NUMBERS = {"一": 1, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "十": 10}
PLACES = ["", "家里的", "我家", "家里", "我们家的"]


def row(text, needs=(), urgency="normal", reached=True, ok=None):
    needs = sorted(set(needs), key=ORDER.index)
    if ok is None:
        ok = reached and not needs
    return {
        "text": text,
        "reached": reached,
        "ok": ok,
        "needs": needs,
        "urgency": urgency,
        "source": "generated",
    }


def most(*urgencies):
    rank = ["normal", "urgent", "emergency"]
    return max(urgencies, key=rank.index, default="normal")


def verb(kind):
    return "吃" if kind in EATEN and kind != "OIL" else "用"


def states(kind, item):
    """(text, reading, days) for one item: reading is gone / low / have / want."""
    v = verb(kind)
    out = [
        (f"{item}没有了", "gone", 0),
        (f"{item}没了", "gone", 0),
        (f"{item}已经没了", "gone", 0),
        (f"没有{item}了", "gone", 0),
        (f"{item}{v}完了", "gone", 0),
        (f"{item}都{v}光了", "gone", 0),
        (f"缺{item}", "gone", 0),
        (f"{item}快没了", "low", None),
        (f"{item}不多了", "low", None),
        (f"{item}快{v}完了", "low", None),
        (f"{item}不太够了", "low", None),
        (f"{item}剩得不多了", "low", None),
        (f"{item}还有", "have", None),
        (f"{item}还够", "have", None),
        (f"不缺{item}", "have", None),
        (f"{item}不缺", "have", None),
        (f"{item}都有", "have", None),
        (f"{item}还够{v}一个月", "have", None),
        (f"{item}够{v}两个礼拜", "have", None),
        (f"想买点{item}", "want", None),
        (f"需要{item}", "want", None),
        (f"能不能帮忙送点{item}", "want", None),
        (f"帮我买点{item}", "want", None),
    ]
    if kind == "MEDICINE":
        out.append((f"{item}断了", "gone", 0))
    for word, days in NUMBERS.items():
        out.append((f"{item}只剩{word}天了", "days", days))
        out.append((f"{item}还剩{word}天", "days", days))
        out.append((f"{item}只够{v}{word}天", "days", days))
    out += [
        (f"{item}今天就{v}完了", "days", 0),
        (f"{item}明天就没了", "days", 1),
        (f"{item}后天就没了", "days", 2),
        (f"{item}只剩两顿了", "days", 0.7),
    ]
    return out


def label_of(kind, reading, days):
    """(needs, urgency) of one item state."""
    if reading == "have" or (reading == "days" and days >= 7):
        return [], "normal"
    urgent = kind in STAPLES and (reading == "gone" or (reading == "days" and days <= 2))
    return [kind], "urgent" if urgent else "normal"


def supplies(rng):
    rows = []
    for kind, items in ITEMS.items():
        choices = [(item, state) for item in items for state in states(kind, item)]
        for _item, (text, reading, days) in rng.sample(choices, 24):
            needs, urgency = label_of(kind, reading, days)
            verb_first = text.startswith(("没有", "缺", "不缺", "想", "需要", "能不能", "帮我"))
            place = "" if verb_first else rng.choice(PLACES)
            end = rng.choice(["。", "", "。", "！", "了。" if text.endswith("有") else "。"])
            rows.append(row(place + text + end, needs, urgency))
    return rows


def pairs(rng):
    """Two supplies in one answer, joined by a comma or a contrastive word."""
    rows = []
    kinds = list(ITEMS)
    joins = ["，", "，但是", "，不过", "，就是", "，可是"]
    for _ in range(70):
        first, second = rng.sample(kinds, 2)
        item1, item2 = rng.choice(ITEMS[first]), rng.choice(ITEMS[second])
        text1, reading1, days1 = rng.choice(
            [s for s in states(first, item1) if s[1] in ("have", "gone", "low")]
        )
        text2, reading2, days2 = rng.choice(
            [s for s in states(second, item2) if s[1] in ("gone", "low", "days", "want")]
        )
        needs1, urgency1 = label_of(first, reading1, days1)
        needs2, urgency2 = label_of(second, reading2, days2)
        join = rng.choice(joins) if reading1 == "have" else "，"
        rows.append(row(text1 + join + text2 + "。", needs1 + needs2, most(urgency1, urgency2)))
    # The same with the punctuation an ASR engine leaves out (distinct markers only).
    for _ in range(16):
        first, second = rng.sample(kinds, 2)
        item1, item2 = rng.choice(ITEMS[first]), rng.choice(ITEMS[second])
        needs2, urgency2 = label_of(second, "gone", 0)
        rows.append(row(f"{item1}还有{item2}没了", needs2, urgency2))
        rows.append(row(f"没{item1}有{item2}", *label_of(first, "gone", 0)))
    return rows


CANTONESE_ITEMS = {
    "FOOD": ["米"],
    "OIL": ["油"],
    "VEGETABLES": ["餸", "菜"],
    "MEDICINE": ["药"],
    "NECESSITIES": ["纸巾", "厕纸"],
}


def words(text: str) -> list[str]:
    """A list from space-separated words, in their order."""
    return text.split()


def cantonese(rng):
    rows = []
    for kind, items in CANTONESE_ITEMS.items():
        for item in items:
            eat = "食" if kind in ("FOOD", "MEDICINE", "VEGETABLES") else "用"
            gone = [f"冇{item}喇", f"屋企冇{item}", f"{item}{eat}晒喇", f"啲{item}{eat}晒啦"]
            low = [f"{item}唔够喇", f"{item}就嚟{eat}晒", f"{item}剩得唔多"]
            have = [f"{item}仲有", f"唔缺{item}", f"{item}仲够"]
            for text in rng.sample(gone, 2):
                rows.append(row(text + "。", [kind], "urgent" if kind in STAPLES else "normal"))
            for text in rng.sample(low, 2):
                rows.append(row(text + "。", [kind]))
            for text in rng.sample(have, 2):
                rows.append(row(text + "，唔该。"))
    return rows


PEOPLE = words("我 我老公 我老婆 我妈 我爸 老伴 奶奶 外婆 阿婆 隔壁阿伯")
EMERGENCIES = {
    "MEDICAL": words(
        "摔倒了起不来 摔了一跤爬不起来 倒在地上起不来 胸口好痛 胸闷得厉害 胸口很闷 喘不上气 "
        "呼吸困难 透不过气 叫不醒 晕倒了 突然晕过去了 昏迷了 中风了 嘴歪了 流了好多血，止不住 "
        "心口好痛 跌低咗起唔到身 跌亲，起唔到身 心口好翳 透唔到气 叫唔醒 晕低咗 叫佢冇反应"
    ),
    "PSYCHOLOGICAL": words(
        "不想活了 想死 活着没意思 活着有什么意思 活不下去了 想自杀 觉得死了算了 唔想活喇 "
        "活着冇意思 想跳楼"
    ),
}
WRAPPERS = words(
    "{p}{e}。 喂，{p}{e}，快点来人！ {p}{e}，怎么办？ 救命，{p}{e}。 米啊油啊都有，就是{p}{e}。 "
    "没什么困难，不过{p}{e}。 {p}{e}，我一个人在家。 你好，{p}{e}。 冇事冇事，就系{p}{e}。"
)
SUICIDE_WRAPPERS = words("我{e}。 真的{e}。 {e}，没人管我。 吃的都有，就是{e}。 我有时候觉得{e}。")
CHILDREN = words("孩子 小孩 两个孩子 我孙子 宝宝 细路")
CHILD_ALONE = words(
    "{c}一个人在家。 {c}自己在家，没有大人。 我被隔离了，{c}一个人在家。 家里只剩{c}，没有大人。 "
    "屋企冇大人，得{c}。 {c}的爸妈都被拉走了，{c}一个人在家。"
)


def emergencies(rng):
    rows = []
    for event in EMERGENCIES["MEDICAL"]:
        for wrapper in rng.sample(WRAPPERS, 2):
            text = wrapper.format(p=rng.choice(PEOPLE), e=event)
            rows.append(row(text, ["MEDICAL"], "emergency"))
    for event in EMERGENCIES["PSYCHOLOGICAL"]:
        for wrapper in rng.sample(SUICIDE_WRAPPERS, 2):
            rows.append(row(wrapper.format(e=event), ["PSYCHOLOGICAL"], "emergency"))
    for child in CHILDREN:
        for template in rng.sample(CHILD_ALONE, 2):
            rows.append(row(template.format(c=child), ["GUARDIANSHIP"], "emergency"))
    for gas in words("有煤气味 闻到煤气味 好像漏气了 燃气泄漏了 有阵煤气味 一股煤气味"):
        for place in rng.sample(["", "家里", "厨房", "救命，屋企"], 2):
            rows.append(row(place + gas + "。", ["OTHER"], "emergency"))
    for person in rng.sample(PEOPLE[1:], 6):
        for dementia in rng.sample(words("老年痴呆 认知症 老人痴呆 脑退化"), 2):
            missing = rng.choice(words("走丢了 不见了 出去到现在还没回来 走失了"))
            rows.append(row(f"{person}有{dementia}，{missing}。", ["OTHER"], "emergency"))
    for text in words("隔壁着火了！ 家里起火了，好多烟。 他喝醉了又打我。 有人在楼下打人。"):
        rows.append(row(text, ["OTHER"], "emergency"))
    return rows


OK_ANSWERS = words(
    "没有困难 都挺好的 谢谢关心 不需要 吃的用的都有 米和油都够 药也够 没事 冇事 乜都唔缺 唔该 "
    "别打了 社区送了菜 挺好的 都好 没问题 不用了"
)
DENIED = words(
    "没有摔倒 我没摔倒 冇跌亲 胸口不痛 没有胸闷 没有喘不上气 没有晕倒 孩子不是一个人在家 "
    "没有煤气味 我不想死 我怕摔倒 担心会摔倒 以前摔过一次，现在好了"
)


def negatives(rng):
    """Emergencies denied, hypothetical or past, and plain no-difficulty answers."""
    rows = []
    for text in DENIED:
        rows.append(row(f"{text}，{rng.choice(OK_ANSWERS)}。"))
    for text in rng.sample(DENIED, 8):
        kind = rng.choice(list(ITEMS))
        item = rng.choice(ITEMS[kind])
        needs, urgency = label_of(kind, "gone", 0)
        rows.append(row(f"{text}，就是{item}没有了。", needs, urgency))
    for _ in range(26):
        answers = rng.sample(OK_ANSWERS, rng.choice([1, 2, 3]))
        rows.append(row("，".join(answers) + "。"))
    return rows


CARRIERS = words(
    "您拨打的电话已关机 您拨打的电话暂时无法接通 您拨打的号码是空号 您拨打的电话正在通话中 "
    "您拨打的电话暂时无人接听 您拨打的用户已停机 您拨打的电话不在服务区 "
    "您拨打的电话将转入语音信箱，请在提示音后留言 您拨打的用户已欠费停机"
)
CARRIER_ENDS = [
    "。",
    "，请稍后再拨。",
    "，请稍后再拨。Sorry, the number you dialed is power off.",
    "，请查证后再拨。",
]


def carriers(rng):
    rows = []
    ends = [(p, s) for p in ("", "对不起，", "您好，", "抱歉，") for s in CARRIER_ENDS]
    for message in CARRIERS:
        for prefix, suffix in rng.sample(ends, 3):
            rows.append(row(prefix + message + suffix, reached=False))
    return rows


PHRASES = {
    ("POLICY", "normal"): words(
        "想问一下低保怎么申请 请问临时救助有什么条件 高龄津贴什么时候发 想咨询一下残疾人补贴 "
        "什么时候解封啊"
    ),
    ("PSYCHOLOGICAL", "normal"): words(
        "心情不好 晚上睡不着 好焦虑 一个人好孤独 压力很大 心情好差 瞓唔着"
    ),
    ("TESTING", "normal"): words("需要上门做核酸 下不了楼，能不能上门采样 今天还没做核酸"),
    ("CARE", "normal"): words("没人照顾 需要人帮忙洗澡 屋企冇人理我"),
    ("CARE", "urgent"): words("我下不了床，没人照顾 老伴瘫痪在床，我照顾不过来"),
    ("SHELTER", "normal"): words("回不了家 我在外面回不去"),
    ("SHELTER", "urgent"): words("今晚没地方住 被赶出来了，没地方住"),
    ("MEDICAL", "urgent"): words(
        "发烧了 肚子好痛 头晕得厉害 身体不舒服，想看医生 血压很高 咳得很厉害"
    ),
    ("MEDICAL", "normal"): words("要去医院复查 下周要复诊 要做产检"),
    ("OTHER", "normal"): words("家里停电了 停水了 冰箱坏了 没钱了"),
    ("GUARDIANSHIP", "urgent"): words("孩子没人管 孩子的父母都被隔离了"),
}
PREFIXES = ["", "你好，", "其他都还好，就是", "吃的都有，不过", "喂，"]


def phrases(rng):
    rows = []
    for (kind, urgency), texts in PHRASES.items():
        for text in texts:
            for prefix in rng.sample(PREFIXES, 2):
                rows.append(row(prefix + text + "。", [kind], urgency))
    return rows


def generate(seed: int = 2022) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for part in (supplies, pairs, cantonese, emergencies, negatives, carriers, phrases):
        rows += part(rng)
    return rows


def main() -> None:
    hand = []
    if LABELLED.exists():
        with LABELLED.open(encoding="utf-8") as lines:
            hand = [json.loads(line) for line in lines if line.strip()]
        hand = [item for item in hand if item.get("source") == "hand"]
    seen = {item["text"] for item in hand}
    generated = []
    for item in generate():
        if item["text"] not in seen:
            seen.add(item["text"])
            generated.append(item)
    with LABELLED.open("w", encoding="utf-8") as out:
        for item in hand + generated:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{LABELLED}: {len(hand)} hand-written, {len(generated)} generated")


if __name__ == "__main__":
    main()
