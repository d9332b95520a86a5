"""Imported once by the forkserver that starts core.audio.library's pool workers: loads the audio
libraries and runs one small analysis so numba's compiled code exists before any worker is forked.
Every pool, a re-run or one started after a crash, then starts in milliseconds instead of seconds.
Never imported by anything else; failures are swallowed (a worker then warms itself up)."""

from __future__ import annotations

import contextlib

with contextlib.suppress(Exception):
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)

with contextlib.suppress(Exception):
    from core.audio import synth
    from core.audio.features import analyse_signal

    analyse_signal(synth.song(4.0, seed=0))
