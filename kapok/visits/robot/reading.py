"""The one door from the robot-call integration to the transcript reader (kapok.needs.transcripts):
the rest of this package depends on ``read`` and ``RobotReading`` only.

``read(text)`` gives: reached or not, ok (reached, no difficulty), the needs found each with its
urgency, the reading's urgency (the highest), a confidence 0–1 and the evidence (masked), and,
for a transcript that is only a carrier message, which Visit outcome that message means.
"""

from dataclasses import dataclass, field

from kapok.needs import transcripts
from kapok.needs.kinds import Urgency
from kapok.visits.models import Visit

# Below this confidence a human reviews the reading before a visit is recorded.
REVIEW_BELOW = transcripts.REVIEW_BELOW

# What a carrier message says about the call (checked in this order; else: no answer).
_CARRIER_OUTCOMES = (
    (("空号", "号码不存在", "停机", "欠费", "暂停服务", "请查证"), Visit.Outcome.WRONG_NUMBER),
    (
        ("关机", "无法接通", "不在服务区", "power off", "powered off", "cannot be connected"),
        Visit.Outcome.POWERED_OFF,
    ),
)


@dataclass(frozen=True)
class RobotReading:
    reached: bool
    ok: bool
    # (NeedKind code, Urgency value) for each need heard, in the glossary's order.
    needs: tuple[tuple[str, str], ...]
    urgency: str
    confidence: float
    evidence: tuple[dict, ...] = field(default=())
    # For a transcript that did not reach the person: the outcome the carrier message means.
    unreached_outcome: str = Visit.Outcome.NO_ANSWER

    @property
    def is_emergency(self) -> bool:
        return self.urgency == Urgency.EMERGENCY

    @property
    def confident(self) -> bool:
        return self.confidence >= REVIEW_BELOW

    def as_dict(self) -> dict:
        return {
            "reached": self.reached,
            "ok": self.ok,
            "needs": [{"kind": kind, "urgency": urgency} for kind, urgency in self.needs],
            "urgency": self.urgency,
            "confidence": self.confidence,
            "evidence": list(self.evidence),
        }


def _carrier_outcome(text: str, evidence) -> str:
    said = " ".join(item.cue for item in evidence if item.reading == "carrier") or text
    said = said.lower()
    for words, outcome in _CARRIER_OUTCOMES:
        if any(word in said for word in words):
            return outcome
    return Visit.Outcome.NO_ANSWER


def read(text: str) -> RobotReading:
    """Kapok's reading of what the person said on a robot call."""
    reading = transcripts.read_transcript(text)
    needs = tuple(
        (str(kind), str(reading.urgency_of(kind) or reading.urgency)) for kind in reading.needs
    )
    return RobotReading(
        reached=reading.reached,
        ok=reading.ok,
        needs=needs,
        urgency=str(reading.urgency),
        confidence=float(reading.confidence),
        evidence=tuple(item.as_dict() for item in reading.evidence),
        unreached_outcome=(
            Visit.Outcome.NO_ANSWER
            if reading.reached
            else _carrier_outcome(text or "", reading.evidence)
        ),
    )
