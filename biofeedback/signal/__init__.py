"""The signal core: pure, vectorised NumPy/SciPy functions on beat arrays.

Arrays in: beat times ``t_s`` (s since the start of the recording) and RR intervals ``rr_ms``
(ms, the interval ending at each beat). No Qt, no I/O, no Python loops over beats or windows.
"""

from .artifacts import correct_artifacts, correct_beats, detect_artifacts
from .causal import CausalFilterParams, causal_flags
from .coherence import (
    Coherence,
    CoherenceParams,
    WindowedCoherence,
    coherence,
    windowed_coherence,
)
from .live import LiveAnalyzer, LiveMetrics, LiveParams
from .spectral import (
    BANDS_HZ,
    FrequencyDomain,
    SpectralParams,
    frequency_domain,
    lomb_scargle_psd,
    resample_rr,
    smoothness_priors_detrend,
    welch_psd,
)
from .summary import AnalysisParams, summarize, windowed_metrics
from .timedomain import TimeDomain, WindowedTimeDomain, time_domain, windowed_time_domain
from .windows import beat_times, gap_before, tick_ends, valid_differences, window_bounds

__all__ = [
    "BANDS_HZ", "AnalysisParams", "CausalFilterParams", "Coherence",
    "CoherenceParams", "FrequencyDomain", "LiveAnalyzer", "LiveMetrics", "LiveParams",
    "SpectralParams", "TimeDomain", "WindowedCoherence", "WindowedTimeDomain",
    "beat_times", "causal_flags", "coherence", "correct_artifacts",
    "correct_beats", "detect_artifacts", "frequency_domain", "gap_before", "lomb_scargle_psd",
    "resample_rr", "smoothness_priors_detrend", "summarize", "tick_ends", "time_domain",
    "valid_differences", "welch_psd", "window_bounds", "windowed_coherence",
    "windowed_metrics", "windowed_time_domain",
]
