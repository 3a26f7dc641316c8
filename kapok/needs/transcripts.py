"""Reading robot-call transcripts: reached or not, ok or not, which needs, how urgent.

A robot call (机器人电访) comes back as the text of what the person said, answering
"请问您目前有没有遇到基本生活困难？". ``read_transcript(text)`` turns it into a ``Reading``:
``reached`` (a person answered), ``ok`` (reached, and said there is no difficulty), ``needs``
(NeedKind codes), ``urgency``, each need's own urgency, a ``confidence`` (0–1) and the
``evidence`` (which words led to what) for the review queue. The words are in
kapok.needs.lexicon; the rules are here.

How a transcript is read, in order:

1. **Normalise.** Traditional characters and full-width forms become simplified and half-width;
   Cantonese becomes Mandarin (冇→没有, 唔→不, 食晒→吃完, 餸→菜, 屋企→家, 跌低→摔倒,
   起唔到身→起不来, 透唔到气→喘不上气, 心口→胸口, 冇人理→没人管 …), so that one Mandarin lexicon
   reads both. Spaces next to Chinese characters are dropped (ASR puts them at pauses), bracketed
   annotations ([静音]) too. When speakers are tagged (机器人：… 用户：…), only the person's turns
   are kept, and the robot's own question is never read as an answer.
2. **Carrier messages.** Clauses in which the network, a voice-mail or a call assistant speaks
   (您拨打的电话已关机, 暂时无法接通, 空号, 正在通话中, 无人接听, 停机, 转语音信箱,
   请在提示音后留言, 机主的智能助理) are set aside; if nobody else said anything, the person was
   not reached.
3. **Clauses.** The text is split on punctuation and on contrastive conjunctions (但是, 不过,
   就是, 可是, 只是): "米不缺就是油快没了" is two clauses. A clause naming only items ("米，") is
   joined to a following one that is only a predicate ("没有了。").
4. **Tokens.** Each clause is matched against the lexicon, the longest word first (one regular
   expression built as a trie). Words are items of a need kind (米 FOOD, 降压药 MEDICINE),
   predicates (lack: 没了/吃完/缺/断; running low: 快没了/不多了; request: 需要/想买; have: 有/不缺;
   remaining: 还剩/只剩/还够 + a quantity), negators (不/没/别/不是), quantities of time (两天,
   三四天, 两顿, 一个月) and days (今天, 今晚, 明天), self-contained need phrases (没人照顾 CARE,
   回不了家 SHELTER, 心情不好 PSYCHOLOGICAL, 上门核酸 TESTING, 发烧 MEDICAL), emergency phrases,
   answers (没事, 不需要, 听不清) and context words (a child, a parent, isolated, dementia, a worry
   怕/万一, the past 以前/昨天).
5. **Emergencies first**, and only their own clause can negate them: 没有摔倒 is not an emergency,
   but "没事，就是老伴摔倒了起不来" is. A negator counts when it stands at most three characters
   before the phrase with only people or times between. A worry (怕摔倒, 万一漏气) or a near miss
   (差点摔倒) is no event, except suicide talk, which always is. A fall in the past or one the
   person got up from (上个月摔了一跤, 摔了一跤，已经起来了) is urgent MEDICAL care instead.
6. **Negation** of the rest has the clause as its scope and reaches only the next predicate or
   phrase: 不缺米 (had), 没有困难 (no difficulty), 不需要上门核酸 (no testing). 没有/没 is a negator
   before a predicate or phrase and a lack before an item (没有米). 不是没米 is a double negation:
   rice is there, with less confidence. A phrase can be negated from behind (困难倒没有).
7. **Items meet predicates** within the clause: a group of items (米和油, 米、油) takes the
   predicate right after it (米没有了, topic–comment), unless a predicate that can stand before an
   item comes right before it (没米有油, 缺药) and the one after is not one that only follows
   (了-forms: 没了, 吃完了); quantities and days between them are skipped (只剩两顿的米). A
   remaining supply with a quantity is a lack when it lasts under a week (药还剩三天) and a have
   when it lasts a week or more (药还够吃一个月). 只剩/只有 before an item says that item is what is
   left (只剩点米: rice is there). An item named as a place (冰箱里) is not an item. What a helper
   buys or brings (女儿帮我买) is had, and a later "已经买了/送来了/够了" settles what was lacking.
8. **Settling.** A visit to a doctor said for medicine or for a scheduled reason is not urgent
   care; sleeplessness from pain or noise is not emotional; 心慌 among feelings is anxiety; CARE
   said of a child is GUARDIANSHIP; an unspecified difficulty (有困难) counts only when nothing more
   specific is said; something past and well now (以前有过抑郁，现在挺好) is no need.

Urgency (per need; the reading's is the highest):

* **emergency** — any life-safety signal: a fall (not past, not got up from) or being unable to
  get up from the floor; chest pain or tightness; breathing trouble or blue lips; someone
  unconscious, fainted, not waking or not responding, or fitting; heavy bleeding, a stroke,
  labour, poisoning or an overdose; suicide talk (PSYCHOLOGICAL); a child alone at home or with no
  adult (GUARDIANSHIP); a gas leak (a gas phrase, or a smell or a leak with a gas named near it),
  a fire, violence, a missing person (走丢/走失, or a person with dementia gone out and not found)
  (OTHER); a cry for help (救命, 叫救护车, 打120).
* **urgent** — a staple gone or going within two days: FOOD or MEDICINE gone (没了, 吃完, 断药) or
  lasting two days or less (今天/明天/后天, 两天, 两顿); hunger (饿, 两天没吃饭); acute MEDICAL
  needs (fever, pain, vomiting, dizziness, 要去医院, dialysis, chemotherapy, a past fall); CARE of
  someone who cannot cope (bedridden, paralysed, cannot walk or get out of bed, or whose carer is
  isolated); GUARDIANSHIP (a child whose parents are isolated, or with nobody looking after them);
  SHELTER with nowhere to sleep (没地方住, 今晚睡哪里); a person near breaking point (崩溃, 绝望,
  撑不住); any need said to be pressing (急需, 很急).
* **normal** — the rest: oil, vegetables and necessities, gone or not; FOOD or MEDICINE running low
  (快没了) or lasting three days or more; scheduled care (复查, 复诊, 产检); testing; policy
  questions; emotional support; shelter away from home; other needs.

Reached and ok. Not reached: an empty line; only carrier messages; only words saying the person
is not there (打错了, 没有这个人, 他不在). Reached and ok: no need, and an answer that all is well
(没有困难, 没事, 都有, 不缺, 不需要, 别打了, 谢谢, a denied emergency such as 没有摔倒). Reached and
not ok: needs, or an answer that says neither (喂？, 听不清, 在忙晚点再打, or words the lexicon does
not know) — a human reads those, so that an emergency in unknown words is not filed as fine.

Confidence (0–1): a reading with needs is as sure as its least sure need; an ok reading is 0.95
(0.75 with only thanks), and as sure as its least sure "have". A need is 0.95 with an explicit
predicate (×0.9 when a remaining supply has no quantity), 0.9 from a need phrase, 0.8 across a
comma, 0.7–0.8 for an item only asked about, 0.5 for an unspecified difficulty; ×0.75 for a double
negation, ×0.8 for a vague quantity (几天), ×0.6 when the same kind is both had and lacked (the
lack wins). Not reached: 0.95 (carrier message), 0.9 (empty, or carrier with noise), 0.7 (absent).
Reached with no answer: 0.4. Caps: a negated or hypothetical emergency 0.6 (negated suicide talk
0.4); unclear or deferring words 0.5 when nothing else was said; a word of danger (血, 晕, 倒, 死,
救, 火 …) in a reading that is no emergency 0.5; over 30 characters of which under a fifth was
recognised ×0.8. Readings under REVIEW_BELOW (0.7) are for the review queue; every emergency gets
a human call-back whatever its confidence.
"""

import re
from dataclasses import dataclass
from typing import NamedTuple

from kapok.audit.masking import mask_text
from kapok.needs.kinds import NEED_ORDER, NeedKind, Urgency
from kapok.needs.lexicon import (
    ABSENT,
    ALARM,
    ALL_HAD,
    ALONE,
    ASK,
    CANTONESE,
    CANTONESE_PATTERN,
    CARERS,
    CARRIER,
    CARRIER_FILLER,
    CHARACTERS,
    CHILD,
    CONNECTORS,
    DECOY,
    DEFER,
    DEMENTIA,
    EITHER,
    GAS,
    GROUND,
    HAVE,
    HYPO,
    ISOLATED,
    ITEM,
    LACK,
    LEXICON,
    NEAR_MISS,
    NEED,
    NEG,
    NEGATABLE,
    NOISE,
    NOT_UP,
    OK,
    ONLY_WORDS,
    PARENT,
    PAST,
    PERSON,
    PREDICATES,
    QTY,
    RECOVERED,
    REMAIN,
    REQUEST,
    RESOLVING,
    SIBLINGS,
    SMELL,
    TOKENS,
    UNCLEAR,
    URGENT_MARK,
    WHEN,
    Cue,
    count,
)

F, M, MED = NeedKind.FOOD, NeedKind.MEDICINE, NeedKind.MEDICAL
CARE, GUARD, PSY = NeedKind.CARE, NeedKind.GUARDIANSHIP, NeedKind.PSYCHOLOGICAL
NEC, TEST, POLICY, OTHER = NeedKind.NECESSITIES, NeedKind.TESTING, NeedKind.POLICY, NeedKind.OTHER
NORMAL, URGENT, EMERGENCY = Urgency.NORMAL, Urgency.URGENT, Urgency.EMERGENCY

# Supplies whose running out makes a need urgent (the others are normal even when gone).
STAPLES = frozenset({F, M})
URGENT_WITHIN_DAYS = 2  # a staple lasting this many days or fewer is urgent
NEED_WITHIN_DAYS = 7  # a supply lasting fewer days than this is a need at all
REVIEW_BELOW = 0.7  # readings less confident than this are meant for a human

_SPACES_NEAR_CJK = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")
_ANNOTATION = re.compile(r"[\[【(（][^\]】)）]{0,12}[\]】)）]")  # [静音], （无应答）
_SPEAKER = re.compile(
    r"(?:^|(?<=[\s,。.!?;；]))(?:(机器人|ai|坐席|客服|系统|robot|agent)"
    r"|(用户|客户|对方|居民|市民|老人|user|customer))\s*:"
)
_SCRIPT = re.compile(r"这里是民政局|请问您目前|基本生活困难|有没有遇到")  # the robot's words
_SEPARATORS = re.compile(r"([。,，!！?？;；…\n\r\t~]+|\.(?=\s|$)|\s{2,})")
# 但是, 不过, 就是 … open a new clause; 不过 inside 喘不过气 or 忙不过来 does not.
_CONTRASTIVE = re.compile(
    r"(?=但是|就是|可是|只是|只不过|然而)|(?<![不])但(?![是愿凡])"
    r"|(?<![喘透忙顾熬说想睡看撑挺吃比只])(?=不过(?![气来去]))"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Characters of danger: in a reading that is no emergency, they send it to a human.
_DANGER = re.compile(r"[血晕倒摔死救火烟漏刀抽昏醒喘闷痛]")
_AGE = re.compile(r"([0-9]{1,2}|[一二两三四五六七八九十]{1,3})岁")
_WELL_AGAIN = frozenset({"没事", "没什么事", "没啥事", "没问题"})  # after a fall: got up


def normalise(text: str) -> str:
    """Simplified, half-width, lower-case Mandarin: the form the lexicon is written in."""
    text = text.translate(CHARACTERS).lower()
    text = CANTONESE_PATTERN.sub(lambda match: CANTONESE[match.group()], text)
    return _SPACES_NEAR_CJK.sub("", text).strip()


def _persons_turns(text: str) -> str:
    """Only what the person said, when the transcript is tagged by speaker."""
    parts = _SPEAKER.split(text)  # [before, robot tag, person tag, words, robot tag, …]
    if len(parts) < 4:
        return text
    kept = [parts[0]]
    for index in range(1, len(parts) - 2, 3):
        if not parts[index]:  # not the robot's turn
            kept.append(parts[index + 2])
    return ",".join(kept)


class Evidence(NamedTuple):
    """One thing the reader found: a need, or why it did not count something."""

    reading: str  # need, have, negated, hypothetical, past, resolved, carrier, absent, unclear …
    cue: str
    clause: str  # normalised
    kind: NeedKind | None = None
    urgency: Urgency | None = None

    def as_dict(self) -> dict:
        out = {
            "reading": self.reading,
            "cue": mask_text(self.cue),
            "clause": mask_text(self.clause),
        }
        if self.kind:
            out["kind"] = str(self.kind)
        if self.urgency:
            out["urgency"] = str(self.urgency)
        return out


@dataclass(frozen=True)
class Reading:
    reached: bool
    ok: bool
    needs: tuple[NeedKind, ...]
    urgency: Urgency
    confidence: float
    evidence: tuple[Evidence, ...] = ()
    need_urgencies: tuple[tuple[NeedKind, Urgency], ...] = ()

    @property
    def needs_review(self) -> bool:
        return self.confidence < REVIEW_BELOW

    def urgency_of(self, kind: NeedKind) -> Urgency | None:
        """How urgent this one need is (each Need gets its own deadline)."""
        return dict(self.need_urgencies).get(kind)

    def as_dict(self, *, explain: bool = False) -> dict:
        out = {
            "reached": self.reached,
            "ok": self.ok,
            "needs": [str(kind) for kind in self.needs],
            "urgency": str(self.urgency),
        }
        if explain:
            out["confidence"] = self.confidence
            out["evidence"] = [item.as_dict() for item in self.evidence]
        return out


class _Token(NamedTuple):
    start: int
    end: int
    word: str
    cue: Cue


class _Clause:
    __slots__ = ("question", "soft", "text", "tokens")

    def __init__(self, text: str, *, question: bool, soft: bool, tokens=None):
        self.text = text
        self.question = question  # it ended with a question mark
        self.soft = soft  # joined to the clause before by punctuation, not a contrastive word
        self.tokens = tokens if tokens is not None else [
            _Token(match.start(), match.end(), match.group(), LEXICON[match.group()])
            for match in TOKENS.finditer(text)
        ]  # fmt: skip

    def roles(self) -> set[str]:
        return {token.cue.role for token in self.tokens}


class _Finding(NamedTuple):
    kind: NeedKind
    urgency: Urgency
    confidence: float
    cue: str
    clause: int
    # Where it came from, for the settling rules: "item", "have", "scheduled", "weak" …
    flag: str | None = None


def _clauses(text: str) -> list[_Clause]:
    parts = _SEPARATORS.split(text)
    clauses: list[_Clause] = []
    for index in range(0, len(parts), 2):
        separator = parts[index + 1] if index + 1 < len(parts) else ""
        pieces = [piece for piece in _CONTRASTIVE.split(parts[index]) if piece.strip()]
        for number, piece in enumerate(pieces):
            if not _SCRIPT.search(piece):
                last = number == len(pieces) - 1
                question = last and ("?" in separator or "？" in separator)
                clauses.append(_Clause(piece.strip(), question=question, soft=number == 0))
    return _join_dangling_items(clauses)


def _join_dangling_items(clauses: list[_Clause]) -> list[_Clause]:
    """ "米，没有了": an item alone, then a predicate alone, is read as one clause."""
    joined: list[_Clause] = []
    for clause in clauses:
        before = joined[-1] if joined else None
        if (
            before is not None
            and clause.soft
            and ITEM in before.roles()
            and not before.roles() & (PREDICATES | {NEED, ALARM})
            and clause.tokens
            and clause.tokens[0].cue.role in PREDICATES
            and ITEM not in clause.roles()
        ):
            shift = len(before.text) + 1
            joined[-1] = _Clause(
                before.text + "," + clause.text,
                question=clause.question,
                soft=before.soft,
                tokens=before.tokens
                + [t._replace(start=t.start + shift, end=t.end + shift) for t in clause.tokens],
            )
        else:
            joined.append(clause)
    return joined


def _negator_before(tokens, index, reach=3) -> _Token | None:
    """The negator governing tokens[index]: at most ``reach`` characters before it, with only
    people (没有人摔倒) or times between."""
    for back in range(index - 1, -1, -1):
        token = tokens[back]
        if tokens[index].start - token.end > reach:
            return None
        if token.cue.role in (NEG, EITHER):
            return token
        if token.cue.role not in (PERSON, CHILD, WHEN, QTY):
            return None
    return None


def _hungry(tokens, position) -> bool:
    """没吃 after a time (两天没吃饭), and not before what was not eaten (几天没吃过青菜)."""
    token, before = tokens[position], tokens[position - 1] if position else None
    return (
        before is not None
        and before.cue.role == QTY
        and token.start - before.end <= 2
        and not any(t.cue.role == ITEM and t.start - token.end <= 2 for t in tokens[position + 1 :])
    )


def _item_groups(tokens, text) -> list[tuple[int, int]]:
    """Runs of items next to each other (米和油, 米、油、菜): (first, last) token positions."""
    groups: list[tuple[int, int]] = []
    for position, token in enumerate(tokens):
        if token.cue.role != ITEM or text[token.end : token.end + 1] in ("里", "内"):
            continue  # 冰箱里, 低保卡里: a place, not an item
        previous = tokens[position - 1] if position else None
        if (
            groups
            and groups[-1][1] == position - 1
            and token.start - previous.end <= 2
            and all(char in CONNECTORS for char in text[previous.end : token.start])
        ):
            groups[-1] = (groups[-1][0], position)
        else:
            groups.append((position, position))
    return groups


def _predicate_of(tokens, first, last, used) -> tuple[int | None, str | None]:
    """The predicate an item group takes, and whether it stands "post" (after) or "pre"."""
    modifiers = (WHEN, QTY, URGENT_MARK, PERSON, DECOY, PAST)
    after = None
    position, reach = last + 1, tokens[last].end
    while position < len(tokens) and tokens[position].start - reach <= 4:
        token = tokens[position]
        if token.cue.role in modifiers or (token.cue.role == NEG and position + 1 < len(tokens)):
            reach = token.end
            position += 1
            continue
        if token.cue.role in PREDICATES and token.cue.pos != "pre" and position not in used:
            after = position
        break
    before = None
    position, reach = first - 1, tokens[first].start
    while position >= 0:
        token = tokens[position]
        if token.cue.role in modifiers:
            reach = token.start
            position -= 1
            continue
        if (
            token.cue.role in PREDICATES
            and token.cue.pos != "post"
            and position not in used
            and reach - token.end <= token.cue.gap
        ):
            before = position
        break
    # The one after, unless one that can come before does and the one after is not a 了-form.
    if after is not None and (before is None or tokens[after].cue.pos == "post"):
        return after, "post"
    if before is not None:
        return before, "pre"
    return None, None


def _quantity(tokens, pred, via, first) -> tuple[float, bool] | None:
    """The quantity of time a remaining-supply predicate speaks of: 还剩三天, 只剩两顿的米."""
    window = tokens[pred + 1 : pred + 4] if via == "post" else tokens[pred + 1 : first]
    reach = tokens[pred].end
    for token in window:
        if token.start - reach > 4:
            return None
        if token.cue.role == QTY:
            return token.cue.arg
        if token.cue.role == WHEN:
            return float(token.cue.arg), False
        if token.cue.role not in (URGENT_MARK, DECOY, PERSON):
            return None
        reach = token.end
    return None


class _Reading(NamedTuple):
    """What a predicate says of its items."""

    reading: str | None  # "lack", "have", "request", "request-urgent", or None (no predicate)
    days: float | None = None  # how long the supply lasts (0: gone)
    vague: bool = False
    confidence: float = 0.7


def _flip(reading: str, flipped: bool) -> str:
    if not flipped:
        return reading
    return "have" if reading == "lack" else "lack"


def _read_predicate(tokens, pred, via, *, negated, doubled, first, when) -> _Reading:
    if pred is None:
        return _Reading(None)
    role, arg = tokens[pred].cue.role, tokens[pred].cue.arg
    flipped = pred in negated
    confidence = 0.95
    if pred in doubled or (flipped and role == EITHER):
        confidence *= 0.75  # 不是没米: a negated lack
    if role == EITHER:
        role, arg = LACK, "now"
    if role in (REMAIN, HAVE):
        quantity = _quantity(tokens, pred, via, first)
        if quantity is not None and (role == REMAIN or quantity[0] < NEED_WITHIN_DAYS):
            days, vague = quantity
            reading = "lack" if days < NEED_WITHIN_DAYS else "have"
            return _Reading(
                _flip(reading, flipped), days, vague, confidence * (0.8 if vague else 1)
            )
        if role == HAVE or arg == "have" or via == "pre":  # 只剩点米: rice is what is left
            return _Reading(_flip("have", flipped), None, False, confidence)
        return _Reading(
            _flip("lack", flipped), 3 if when is None else when, False, confidence * 0.9
        )
    if role == LACK:
        days = when if when is not None else (0 if arg == "now" else None)
        return _Reading(_flip("lack", flipped), days, False, confidence)
    if role == REQUEST:
        if flipped:
            return _Reading("have", None, False, confidence)
        return _Reading("request-urgent" if arg else "request", None, False, confidence)
    return _Reading(None)


class _Reader:
    """The state of reading one transcript."""

    def __init__(self, text: str):
        self.text = text
        self.clauses = _clauses(text)
        self.roles = {token.cue.role for clause in self.clauses for token in clause.tokens}
        self.findings: list[_Finding] = []
        self.evidence: list[Evidence] = []
        self.caps: list[float] = []  # confidence caps from doubtful signs
        self.ok_cues: set[str] = set()  # "strong", "weak", "refusal", "bare" (没有。)
        self.unclear = self.deferred = self.absent = self.refusal = False
        self.resolved = -1  # the last clause that says what was lacking before it has come
        self.last_items: tuple[int, list] = (-2, [])  # the last clause naming items, and them
        self.result: dict[NeedKind, _Finding] = {}

    def note(self, reading, cue, index, kind=None, urgency=None):
        self.evidence.append(Evidence(reading, cue, self.clauses[index].text, kind, urgency))

    def find(self, kind, urgency, confidence, cue, index, flag=None):
        self.findings.append(_Finding(kind, Urgency(urgency), confidence, cue, index, flag))

    def emergency(self, kind, cue, index):
        self.find(kind or OTHER, EMERGENCY, 0.95, cue, index, None if kind else "generic")

    def tokens_everywhere(self):
        return (token for clause in self.clauses for token in clause.tokens)

    def read(self) -> None:
        everywhere = list(self.tokens_everywhere())
        self.asked = ASK in self.roles or any(clause.question for clause in self.clauses)
        self.parents_away = any(
            ISOLATED in clause.roles()
            and any(t.cue.role == PARENT or t.cue.arg == "parent" for t in clause.tokens)
            for clause in self.clauses
        )
        self.young = any(
            (age := count(match.group(1))) and age[0] < 16 for match in _AGE.finditer(self.text)
        )
        self.gas_denied = any(
            token.cue.arg == "leak" and _negator_before(clause.tokens, position)
            for clause in self.clauses
            for position, token in enumerate(clause.tokens)
        )
        self.fallen = any(
            (t.cue.role == ALARM and t.cue.arg in ("fall", "fall_past")) or t.word == "摔伤"
            for t in everywhere
        )
        self.not_up = any(
            t.cue.role == NOT_UP and not _negator_before(c.tokens, p)
            for c in self.clauses
            for p, t in enumerate(c.tokens)
        )
        self.answers(everywhere)
        for index, clause in enumerate(self.clauses):
            self.alarms(index, clause)
        for index, clause in enumerate(self.clauses):
            self.needs(index, clause)
        self.settle()

    def answers(self, tokens) -> None:
        for token in tokens:
            role = token.cue.role
            if role == OK:
                self.ok_cues.add(token.cue.arg)
                self.refusal = self.refusal or token.cue.arg == "refusal"
            elif role == RECOVERED:
                self.ok_cues.add("strong")  # 现在好了
            elif role == UNCLEAR:
                self.unclear = True
            elif role == DEFER:
                self.deferred = True
            elif role == ABSENT:
                self.absent = True

    def is_child(self, token) -> bool:
        return token.cue.role == CHILD and (not token.cue.arg or self.young)

    # -- emergencies: only their own clause can negate them -----------------------------------

    def alarms(self, index, clause):
        tokens = clause.tokens
        for position, token in enumerate(tokens):
            role, group = token.cue.role, token.cue.arg
            if token.word in ONLY_WORDS:
                self.only_child(index, clause, position)
            elif role == SMELL:
                self.smell(index, position, token)
            elif role in (ALARM, ALONE, NOT_UP):
                negator = _negator_before(tokens, position) or self.denied(index, clause)
                if negator is not None:  # 没有摔倒: an answer that all is well, reviewed
                    self.note("negated", negator.word + token.word, index, token.cue.kind)
                    self.caps.append(0.4 if group == "suicide" else 0.6)
                    self.ok_cues.add("strong")
                elif group != "suicide" and self.hypothetical(clause, position):
                    self.note("hypothetical", token.word, index, token.cue.kind)
                    self.caps.append(0.6)
                    self.ok_cues.add("strong")
                else:
                    self.alarm(index, clause, position)

    def hypothetical(self, clause, position) -> bool:
        """怕摔倒, 万一漏气: a worry; 差点摔倒: a near miss. Neither is an event."""
        start = clause.tokens[position].start
        return any(other.cue.role == HYPO for other in clause.tokens[:position]) or any(
            word in clause.text[max(0, start - 4) : start] for word in NEAR_MISS
        )

    def denied(self, index, clause) -> _Token | None:
        """跌倒？没有没有: a clause that only asks back about an emergency, answered no."""
        if not clause.question or len(clause.tokens) != 1 or index + 1 >= len(self.clauses):
            return None
        answer = self.clauses[index + 1].tokens
        if answer and answer[0].cue.role in (NEG, EITHER) and answer[0].start == 0:
            return answer[0]
        return None

    def alarm(self, index, clause, position):
        tokens, token = clause.tokens, clause.tokens[position]
        group = token.cue.arg
        before = tokens[position - 1] if position else None
        person_before = (
            before is not None
            and before.cue.role in (PERSON, CHILD)
            and token.start - before.end <= 2
        )
        if token.cue.role == ALONE:  # 孩子一个人在家, 没有大人
            if token.cue.arg == "adultless" or self.child_named(index, clause, position):
                self.emergency(GUARD, token.word, index)
        elif token.cue.role == NOT_UP:  # 起不来: on the floor after a fall, or ill in bed
            if GROUND in self.roles or self.fallen:
                self.emergency(MED, token.word, index)
            else:
                self.find(MED, URGENT, 0.8, token.word, index)
        elif group in ("fall", "fall_past"):
            self.fall(index, position)
        elif group == "no_response":  # 没有反应: of a person (not of a complaint)
            if clause.roles() & {PERSON, CHILD} or any(
                t.cue.role == ALARM and t is not token for t in self.tokens_everywhere()
            ):
                self.emergency(MED, token.word, index)
            else:
                self.note("no person named", token.word, index, MED)
                self.caps.append(0.7)
        elif group == "missing_person":  # 不见了: of a person, or anyone with dementia
            if token.word != "不见了" or person_before or DEMENTIA in self.roles:
                self.emergency(OTHER, token.word, index)
        elif group == "not_back":  # 出去了, 找不到: of a person with dementia
            if DEMENTIA in self.roles:
                self.emergency(OTHER, token.word, index)
        elif group == "leak":  # 漏了: of a gas
            if self.gas_near(index):
                self.emergency(OTHER, token.word, index)
        elif group == "faint_person":  # 阿爷晕了: fainted; 有点晕了: dizzy
            if person_before:
                self.emergency(MED, before.word + token.word, index)
            else:
                self.find(MED, URGENT, 0.8, token.word, index)
        else:
            self.emergency(token.cue.kind, token.word, index)

    def gas_near(self, index) -> bool:
        return any(
            gas in near.text for near in self.clauses[max(index - 1, 0) : index + 2] for gas in GAS
        )

    def smell(self, index, position, token):
        """闻到……像是煤气: a smell with a gas named near it is a leak; 没有味道 is an answer."""
        if _negator_before(self.clauses[index].tokens, position) is not None:
            self.ok_cues.add("strong")
        elif not self.gas_denied and self.gas_near(index):
            self.emergency(OTHER, token.word, index)

    def child_named(self, index, clause, position) -> bool:
        """A child named before "alone" in the clause, or in the clause before when this one has
        no subject of its own (我儿子才五岁，一个人在家)."""
        if any(self.is_child(other) for other in clause.tokens[:position]):
            return True
        subjectless = "我" not in clause.text[: clause.tokens[position].start] and not any(
            other.cue.role in (PERSON, CHILD) for other in clause.tokens[:position]
        )
        return (
            bool(index)
            and subjectless
            and any(self.is_child(other) for other in self.clauses[index - 1].tokens)
        )

    def fall(self, index, position):
        """A fall is an emergency unless it is past or the person got up (then urgent care; past
        and well again, nothing)."""
        tokens, token = self.clauses[index].tokens, self.clauses[index].tokens[position]
        if self.not_up:
            self.emergency(MED, token.word, index)
            return
        past = token.cue.arg == "fall_past" or any(other.cue.role == PAST for other in tokens)
        after = tokens[position + 1 :] + (
            self.clauses[index + 1].tokens if index + 1 < len(self.clauses) else []
        )
        recovered = any(other.cue.role == RECOVERED or other.word in _WELL_AGAIN for other in after)
        if past and recovered:
            self.note("past", token.word, index, MED)
        elif past or recovered:
            self.note("past" if past else "recovered", token.word, index, MED)
            self.find(MED, URGENT, 0.8, token.word, index)
        else:
            self.emergency(MED, token.word, index)

    def only_child(self, index, clause, position):
        """只有/只剩 + a child (or a sibling, when the parents are away): a child alone."""
        reach = clause.tokens[position].end
        for other in clause.tokens[position + 1 : position + 4]:
            if other.start - reach > 4:
                return
            if self.is_child(other) or (other.word in SIBLINGS and self.parents_away):
                self.emergency(GUARD, clause.tokens[position].word + other.word, index)
                return
            reach = other.end

    # -- needs --------------------------------------------------------------------------------

    def needs(self, index, clause):
        tokens = clause.tokens
        if not tokens:
            return
        negated, doubled, used = self.negations(clause)
        helped = self.helped(tokens)
        self.phrases(index, clause, negated)
        self.parents_isolated(index, clause)
        groups = _item_groups(tokens, clause.text)
        when = min((t.cue.arg for t in tokens if t.cue.role == WHEN), default=None)
        for first, last in groups:
            pred, via = _predicate_of(tokens, first, last, used)
            reading = _read_predicate(
                tokens, pred, via, negated=negated | helped, doubled=doubled, first=first, when=when
            )
            cue = "".join(tokens[p].word for p in range(first, last + 1))
            if pred is not None:
                used.add(pred)
                cue = tokens[pred].word + cue if via == "pre" else cue + tokens[pred].word
            for position in range(first, last + 1):
                self.item(index, clause, tokens[position], reading, cue, pred)
        if groups:
            items = [tokens[p] for first, last in groups for p in range(first, last + 1)]
            self.last_items = (index, items)
        self.loose_predicates(index, clause, groups, negated, used, helped)

    def negations(self, clause) -> tuple[set[int], set[int], set[int]]:
        """Which tokens a negator flips (and which twice over), and which negators were used."""
        tokens = clause.tokens
        negated: set[int] = set()
        doubled: set[int] = set()  # 不是没米
        used: set[int] = set()
        for position, token in enumerate(tokens):
            if token.cue.role not in (NEG, EITHER):
                continue
            target = next(
                (p for p in range(position + 1, len(tokens))
                 if tokens[p].cue.role not in (WHEN, QTY, PERSON)),
                None,
            )  # fmt: skip
            if (
                target is None
                or tokens[target].start - token.end > 3
                or tokens[target].cue.role not in NEGATABLE
                or (tokens[target].cue.role == EITHER and token.cue.role == EITHER)
            ):
                continue
            negated.add(target)
            used.add(position)
            if position in negated:
                doubled.add(target)
        for position, token in enumerate(tokens[:-1]):  # 困难倒没有: negated from behind
            after = tokens[position + 1]
            if (
                token.cue.role == NEED
                and after.cue.role == EITHER
                and after.start - token.end <= 2
                and (position + 2 >= len(tokens) or tokens[position + 2].cue.role != ITEM)
            ):
                negated.add(position)
                used.add(position + 1)
        if "说不上" in clause.text or "谈不上" in clause.text:  # 困难也说不上
            negated |= {
                p
                for p, t in enumerate(tokens)
                if t.cue.role == NEED and t.cue.arg[1] == "unspecified"
            }
        return negated, doubled, used

    @staticmethod
    def helped(tokens) -> set[int]:
        """Requests that a helper fulfils (女儿帮我买, 邻居帮忙送): had, not asked for."""
        return {
            position
            for position, token in enumerate(tokens)
            if token.cue.role == REQUEST
            and any(
                (other.cue.role == PERSON and other.cue.arg == "helper")
                or (other.cue.role == CHILD and other.cue.arg)
                for other in tokens[:position]
            )
        }

    def phrases(self, index, clause, negated):
        """Self-contained need phrases: 没人照顾, 回不了家, 心情不好, 发烧 …"""
        tokens = clause.tokens
        roles = clause.roles()
        for position, token in enumerate(tokens):
            if token.cue.role != NEED:
                continue
            urgency, flag = token.cue.arg
            kind = token.cue.kind
            if position in negated:  # 没有困难, 不需要上门核酸, 没有发烧
                self.note("negated", token.word, index, kind)
                self.ok_cues.add("strong")
                continue
            if flag == "hunger" and not _hungry(tokens, position):
                continue  # 还没吃饭 is not hunger; 两天没吃饭 is
            if flag == "eat" and any(
                t.cue.role == ITEM and t.cue.kind == M
                for c in self.clauses[max(index - 1, 0) : index + 1]
                for t in c.tokens
            ):
                kind = M  # 药吃完了，明天都没得吃: medicine
            if flag == "cry" and any(t.cue.role == CHILD for t in self.tokens_everywhere()):
                continue  # a child crying
            if kind == CARE and CHILD in roles:
                kind, urgency = GUARD, URGENT  # 孩子没人照顾
            if URGENT_MARK in roles and urgency == NORMAL and kind != POLICY:
                urgency = URGENT
            self.find(kind, urgency, 0.9, token.word, index, flag)

    def parents_isolated(self, index, clause):
        """A parent isolated (父母都被隔离, 我被隔离了 with a child named): no guardian."""
        tokens = clause.tokens
        isolated = [t.start for t in tokens if t.cue.role == ISOLATED]
        if not isolated:
            return
        parent = any(
            t.cue.role == PARENT
            or (t.cue.arg == "parent" and any(o.cue.role == CHILD for o in tokens[:p]))
            for p, t in enumerate(tokens)
        )
        first_person = "我" in clause.text[: min(isolated)]
        if parent or (first_person and any(self.is_child(t) for t in self.tokens_everywhere())):
            self.find(GUARD, URGENT, 0.85, clause.text, index)

    def item(self, index, clause, token, reading: _Reading, cue, pred):
        kinds = token.cue.kind if isinstance(token.cue.kind, tuple) else (token.cue.kind,)
        for kind in kinds:
            if kind == "generic":  # 东西: food when eaten up, necessities when asked for
                tokens = clause.tokens
                if reading.reading == "lack" and pred is not None and "吃" in tokens[pred].word:
                    kind = F
                elif reading.reading in ("request", "request-urgent"):
                    kind = NEC
                else:
                    if reading.reading == "have":
                        self.ok_cues.add("strong")
                    continue
            if reading.reading is None:
                self.mentioned(index, clause, kind, cue)
            elif reading.reading == "have":
                self.note("have", cue, index, kind)
                self.ok_cues.add("strong")
                self.find(kind, NORMAL, reading.confidence, cue, index, "have")
            else:
                urgency = NORMAL
                days = reading.days
                if kind in STAPLES and reading.reading == "lack" and days is not None:
                    urgency = URGENT if days <= URGENT_WITHIN_DAYS else NORMAL
                if reading.reading == "request-urgent" or URGENT_MARK in clause.roles():
                    urgency = URGENT
                if kind == POLICY:
                    urgency = NORMAL
                confidence = reading.confidence * (0.8 if reading.vague else 1)
                self.find(kind, urgency, confidence, cue, index, "item")

    def mentioned(self, index, clause, kind, cue):
        """An item with no predicate: a need when asked for (有没有米？), or for a policy or
        testing question anywhere in the answer; otherwise only a mention."""
        if kind in (POLICY, TEST) and self.asked:
            self.find(kind, NORMAL, 0.8, cue, index, "item")
        elif (ASK in clause.roles() or clause.question) and (
            kind not in (F, NeedKind.OIL, NeedKind.VEGETABLES) or clause.question
        ):
            self.find(kind, NORMAL, 0.7, cue, index, "item")

    def loose_predicates(self, index, clause, groups, negated, used, helped):
        """Predicates that found no item: answers (没有。都有。不需要), settlements (已经买了),
        quantities of the items named just before, an unspecified lack."""
        tokens = clause.tokens
        for position, token in enumerate(tokens):
            role = token.cue.role
            if position in used:
                continue
            if role == NEG and token.cue.arg == "refusal":
                self.ok_cues.add("refusal")
                self.refusal = True
            elif role == REQUEST and position in negated:
                self.ok_cues.add("strong")  # 没什么需要
            elif (
                role == EITHER
                and position == 0
                and all(other.cue.role in (EITHER, NEG, OK, UNCLEAR, DECOY) for other in tokens)
            ):
                self.ok_cues.add("bare")  # 没有。: the answer "no"
            elif (
                not groups
                and position not in negated
                and (
                    (role == HAVE and token.word in RESOLVING)
                    or (position in helped and "了" in clause.text[token.end : token.end + 2])
                )
            ):
                self.resolved = max(self.resolved, index)  # 女儿已经帮我买了: had now
                self.ok_cues.add("strong")
            elif role in (REMAIN, HAVE) and not groups and self.last_items[0] == index - 1:
                # 米剩下不到一半了，大概还能吃四五天: a quantity of the items just before.
                quantity = _quantity(tokens, position, "post", position + 1)
                if quantity is not None and quantity[0] < NEED_WITHIN_DAYS:
                    reading = _Reading("lack", quantity[0], quantity[1], 0.8)
                    for item in self.last_items[1]:
                        self.item(index, clause, item, reading, item.word + "…" + token.word, None)
                elif quantity is not None or token.word in ALL_HAD:
                    self.ok_cues.add("strong")  # 至少能吃一个月
            elif role == HAVE and token.word in ALL_HAD:
                self.ok_cues.add("none" if position in negated else "strong")
            elif role == LACK and position not in negated and len(self.clauses) == 1:
                self.find(OTHER, NORMAL, 0.5, token.word, index, "unspecified")
        if [t.word for t in tokens] == ["有"] and len(self.clauses) == 1:
            self.find(OTHER, NORMAL, 0.5, "有", index, "unspecified")  # 有。: yes, a difficulty

    # -- settling -----------------------------------------------------------------------------

    def settle(self) -> None:
        findings = self.findings
        scheduled = {f.clause for f in findings if f.flag == "scheduled"}
        cannot_cope = any(f.flag == "cannot_cope" for f in findings)
        carer_away = ISOLATED in self.roles and any(
            t.word in CARERS for t in self.tokens_everywhere()
        )
        medical = any(f.kind == MED for f in findings)
        suicide = any(f.kind == PSY and f.urgency == EMERGENCY for f in findings)
        feelings = any(f.kind == PSY and f.flag != "sleep" for f in findings)
        medicine = any(f.kind == M and f.flag != "have" for f in findings)
        symptom = any(f.kind == MED and f.flag is None for f in findings)
        noise = any(f.cue in NOISE for f in findings)
        kept: list[_Finding] = []
        for finding in findings:
            flag = finding.flag
            if flag == "item" and finding.clause < self.resolved:
                self.note("resolved", finding.cue, finding.clause, finding.kind)
                continue
            if finding.urgency != EMERGENCY and self.past_and_well(finding.clause):
                self.note("past", finding.cue, finding.clause, finding.kind)
                continue  # 以前有过抑郁，现在心情挺好的
            if (
                (flag == "neglect" and suicide)  # 想死，没人管我: the call-back covers it
                or (flag == "stuck" and ISOLATED in self.clauses[finding.clause].roles())
                or (flag == "cannot_cope" and medical)  # 痛得走不了: the medical need says it
                or (flag == "weak" and (finding.clause in scheduled or medicine))
                or (flag == "sleep" and (symptom or noise))  # 痛得睡不着, 好吵睡不着
                or (flag == "annoyance" and self.refusal)  # 烦死你们了: a refusal
            ):
                continue
            if flag == "anxious" and feelings:
                finding = finding._replace(kind=PSY, urgency=NORMAL)  # 心慌, 焦虑: anxiety
            if finding.kind == CARE and (cannot_cope or carer_away):
                finding = finding._replace(urgency=Urgency.highest((finding.urgency, URGENT)))
            kept.append(finding)
        if any(f.flag not in ("unspecified", "have", "generic") for f in kept):
            kept = [f for f in kept if f.flag != "unspecified"]
        if any(f.urgency == EMERGENCY and f.flag != "generic" for f in kept):
            kept = [f for f in kept if f.flag != "generic"]
        had = {f.kind for f in kept if f.flag == "have"}
        for finding in kept:
            if finding.flag == "have":
                continue
            if finding.kind in had:  # both had and lacked: the lack wins, less surely
                finding = finding._replace(confidence=finding.confidence * 0.6)
            best = self.result.get(finding.kind)
            if best is None or (finding.urgency.rank, finding.confidence) > (
                best.urgency.rank,
                best.confidence,
            ):
                self.result[finding.kind] = finding
        for kind, finding in self.result.items():
            self.note("need", finding.cue, finding.clause, kind, finding.urgency)

    def past_and_well(self, index) -> bool:
        """A clause about the past, and one from there on saying all is well now."""
        if PAST not in self.clauses[index].roles():
            return False
        return any(
            token.cue.role == RECOVERED or (token.cue.role == OK and token.cue.arg == "strong")
            for clause in self.clauses[index:]
            for token in clause.tokens
        )

    def coverage(self) -> tuple[int, int]:
        """How many Chinese characters the lexicon recognised, of how many."""
        total = sum(len(_CJK.findall(clause.text)) for clause in self.clauses)
        covered = sum(
            len(_CJK.findall(token.word))
            for token in self.tokens_everywhere()
            if token.cue.role != DECOY
        )
        return covered, total


def _not_reached(confidence: float, evidence) -> Reading:
    return Reading(False, False, (), NORMAL, confidence, tuple(evidence))


EMPTY = _not_reached(0.9, [Evidence("empty", "", "")])


def read_transcript(text: str | None) -> Reading:
    """Read what a person said on a robot call. See the module docstring for the rules."""
    if not text or not text.strip():
        return EMPTY
    normal = _persons_turns(_ANNOTATION.sub("", normalise(text))).strip()
    if not normal:
        return EMPTY
    pieces = [piece for piece in _SEPARATORS.split(normal)[::2] if piece.strip()]
    carrier = [piece for piece in pieces if CARRIER.search(piece)]
    if carrier:  # the network or a voice-mail spoke: read only what anyone else said
        normal = ",".join(
            piece
            for piece in pieces
            if not CARRIER.search(piece) and not CARRIER_FILLER.match(piece.strip())
        )
        if not normal:
            return _not_reached(0.95, [Evidence("carrier", carrier[0], carrier[0])])
    reader = _Reader(normal)
    reader.read()
    evidence = list(reader.evidence)
    needs = tuple(sorted(reader.result, key=NEED_ORDER.__getitem__))
    said = any(reader.result[kind].flag != "unspecified" for kind in needs) or bool(
        reader.ok_cues - {"none", "bare"}
    )
    if carrier and not said:
        return _not_reached(0.9, [*evidence, Evidence("carrier", carrier[0], carrier[0])])
    if reader.absent and not said:
        return _not_reached(0.7, [*evidence, Evidence("absent", "", normal)])
    urgencies = tuple((kind, reader.result[kind].urgency) for kind in needs)
    if needs:
        confidence, ok = min(reader.result[kind].confidence for kind in needs), False
    elif reader.ok_cues & {"strong", "refusal", "bare"}:
        had = [f.confidence for f in reader.findings if f.flag == "have"]
        confidence, ok = min([0.95, *had]), True  # 不是没米 is less sure than 米还有
    elif "weak" in reader.ok_cues:
        confidence, ok = 0.75, True
    else:  # no need and no answer either: a human reads it
        confidence, ok = 0.4, False
        evidence.append(Evidence("unclear", "", normal))
    urgency = Urgency.highest(urgency for _kind, urgency in urgencies)
    caps = reader.caps
    if reader.unclear or reader.deferred:
        caps.append(0.5 if not ok and not needs else 0.9)
    if urgency != EMERGENCY and _DANGER.search(normal):
        caps.append(0.5)  # a word of danger that no rule read
    covered, total = reader.coverage()
    if total > 30 and covered < total / 5:
        confidence *= 0.8
    return Reading(
        reached=True,
        ok=ok,
        needs=needs,
        urgency=urgency,
        confidence=round(min([confidence, *caps]), 2),
        evidence=tuple(evidence),
        need_urgencies=urgencies,
    )
