"""Write the pop-up sound, ``resources/sounds/notify.wav``: a soft two-note chime.

    python packaging/make_sound.py

0.25 s, 22 050 Hz, 16-bit mono (about 11 kB): E6 then A6, each with a fast attack and an
exponential decay, so it is audible but never shrill. Standard library only.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

from ibkr_desktop.resources import SOUND

OUT = Path(__file__).resolve().parents[1] / "resources" / SOUND
RATE = 22_050
NOTES = ((1318.5, 0.0), (1760.0, 0.08))
"""(frequency Hz, start s) of each note."""
LENGTH_S = 0.25
VOLUME = 0.35


def samples() -> list[int]:
    """The chime as signed 16-bit samples."""
    out = []
    for i in range(int(RATE * LENGTH_S)):
        t = i / RATE
        value = 0.0
        for frequency, start in NOTES:
            if t >= start:
                age = t - start
                envelope = min(1.0, age / 0.004) * math.exp(-age * 18)
                value += envelope * math.sin(2 * math.pi * frequency * age)
        fade = min(1.0, (LENGTH_S - t) / 0.01)  # no click at the end
        out.append(round(32767 * VOLUME * fade * value / len(NOTES)))
    return out


def main() -> int:
    """Write the WAV file."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(OUT), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        data = samples()
        wav.writeframes(struct.pack(f"<{len(data)}h", *data))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
