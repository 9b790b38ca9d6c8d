"""Beat times from the RR intervals of heart-rate notifications.

A strap reports intervals, not times: each notification carries the RR intervals of the
beats since the previous one (RR₀ oldest) and arrives some time after its last beat (a
Polar strap notifies once a second, so between 0 and about 1 s later, plus radio latency).
Placing beats by summing RR intervals keeps consecutive intervals exact; anchoring the sum
to arrival times keeps it from drifting away from the session clock:

* The first notification (and the first after a reconnect or a loss) places its last beat
  at its arrival.
* After that, each beat follows the previous by exactly its RR interval. The *lead*
  (arrival minus the time of the notification's last beat) is then never negative and
  sometimes near zero while the timeline is right.
* A negative lead means the strap's clock runs fast against ours (or the radio delayed an
  earlier notification more than this one): the beats are pulled back to the arrival, but
  never to or before the previous beat: the first new interval keeps at least half its
  length (``min_first_share``), and what remains is pulled back with the next notification.
  Beat times therefore always increase.
* When the smallest lead over the last ``window_s`` exceeds ``slack_s``, the strap's clock
  runs slow: the timeline moves forward by at most ``max_slew`` seconds per second, less
  than the gap tolerance of the analysis, so no interval is seen as a gap.
* A lead longer than ``lost_after_s`` means notifications were lost (a strap sends the
  beats of each second within about a second, so the lead stays under 1 s plus radio
  latency): the timeline restarts at this arrival, and the first beat stands after a gap,
  which the analysis marks.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BeatClockParams:
    """Tuning of :class:`BeatClock`; times in s."""

    window_s: float = 60.0
    slack_s: float = 0.1
    max_slew: float = 0.002
    lost_after_s: float = 1.6
    min_first_share: float = 0.5


class BeatClock:
    """Turns (arrival time, RR intervals) into beat times on the session clock."""

    def __init__(self, params: BeatClockParams | None = None) -> None:
        self.params = params or BeatClockParams()
        self._last_beat_s: float | None = None
        self._leads: deque[tuple[float, float]] = deque()  # (arrival_s, lead_s)

    def restart(self) -> None:
        """Forget the timeline (after a reconnect): the next notification anchors anew."""
        self._last_beat_s = None
        self._leads.clear()

    def place(self, arrival_s: float, rr_ms: tuple[float, ...]) -> list[float]:
        """Times (s) of the beats ending the intervals ``rr_ms`` that arrived at
        ``arrival_s``; an empty list for a notification without intervals."""
        if not rr_ms:
            return []
        offsets = _cumulative_s(rr_ms)
        if self._last_beat_s is not None:
            start = self._last_beat_s
            lead = arrival_s - (start + offsets[-1])
            if lead <= self.params.lost_after_s:
                self._remember(arrival_s, lead)
                shift = (max(lead, -(1.0 - self.params.min_first_share) * offsets[0])
                         if lead < 0.0 else self._slew(arrival_s))
                return self._advance(start + shift, offsets, shift)
            self.restart()
        self._remember(arrival_s, 0.0)
        return self._advance(arrival_s - offsets[-1], offsets, 0.0)

    def _remember(self, arrival_s: float, lead_s: float) -> None:
        self._leads.append((arrival_s, lead_s))
        while self._leads[0][0] < arrival_s - self.params.window_s:
            self._leads.popleft()

    def _slew(self, arrival_s: float) -> float:
        """How far to move the timeline forward: the smallest recent lead beyond the slack,
        at most ``max_slew`` times the time since the previous notification."""
        p = self.params
        if arrival_s - self._leads[0][0] < p.window_s / 2 or len(self._leads) < 2:
            return 0.0
        excess = min(lead for _, lead in self._leads) - p.slack_s
        elapsed = arrival_s - self._leads[-2][0]
        return max(0.0, min(excess, p.max_slew * elapsed))

    def _advance(self, start: float, offsets: list[float], shift: float) -> list[float]:
        """Place the beats from ``start``; remembered leads shrink by the ``shift`` the
        timeline just made, so they keep describing the timeline as it now is."""
        if shift:
            self._leads = deque((a, lead - shift) for a, lead in self._leads)
        times = [start + o for o in offsets]
        self._last_beat_s = times[-1]
        return times


def _cumulative_s(rr_ms: tuple[float, ...]) -> list[float]:
    """Each beat's offset (s) from the beat before the first interval."""
    out, total = [], 0.0
    for rr in rr_ms:
        total += rr
        out.append(total / 1000.0)
    return out
