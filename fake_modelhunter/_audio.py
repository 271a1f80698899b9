"""Generated ambience for demo clips: soft filtered noise under a slow synth pad, as AAC."""

from __future__ import annotations

import av
import numpy as np
from av.container import OutputContainer

__all__ = ["SAMPLE_RATE", "AudioTrack", "ambience"]

SAMPLE_RATE = 48_000
BIT_RATE = 128_000
NOISE_LEVEL = 0.05  # RMS of the noise bed
PAD_LEVEL = 0.06  # RMS of the pad
FADE_IN_S = 0.6
FADE_OUT_S = 0.9
ROOTS_HZ = (87.31, 98.0, 110.0, 130.81, 146.83)  # F2 G2 A2 C3 D3


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) or 1.0


def _noise(rng: np.random.Generator, samples: int) -> np.ndarray:
    """Pink-ish noise, low-passed around 700 Hz, built in the frequency domain (one FFT)."""
    freqs = np.fft.rfftfreq(samples, 1 / SAMPLE_RATE).astype(np.float32)
    freqs[0] = 1.0
    shape = (freqs > 30) / np.sqrt(freqs) / (1 + (freqs / 700) ** 2)
    bins = (2, freqs.size)
    spectrum = rng.standard_normal(bins, np.float32) + 1j * rng.standard_normal(bins, np.float32)
    mid, side = np.fft.irfft(spectrum * shape, n=samples, axis=1)
    noise = np.stack([mid + 0.5 * side, mid - 0.5 * side])  # wide, but mostly shared
    return noise * (NOISE_LEVEL / _rms(noise))


def _pad(rng: np.random.Generator, samples: int, seed: int) -> np.ndarray:
    """A sustained chord (root, third, fifth, octave), slightly detuned left/right."""
    t = np.arange(samples, dtype=np.float32) / SAMPLE_RATE
    root = ROOTS_HZ[seed % len(ROOTS_HZ)]
    third = 1.2 if (seed >> 8) % 2 else 1.25  # minor or major
    pad = np.zeros((2, samples), dtype=np.float32)
    for ratio, amp in ((1.0, 1.0), (third, 0.45), (1.5, 0.6), (2.0, 0.35)):
        for ch, detune in enumerate((-0.15, 0.15)):
            phase = rng.uniform(0, 2 * np.pi)
            omega = np.float32(2 * np.pi * (root * ratio + detune))
            pad[ch] += amp * np.sin(omega * t + np.float32(phase))
    swell = 0.75 + 0.25 * np.sin(2 * np.pi * 0.13 * t + rng.uniform(0, 2 * np.pi))
    pad *= swell
    return pad * (PAD_LEVEL / _rms(pad))


def ambience(samples: int, seed: int) -> np.ndarray:
    """Stereo ambience, shape `(2, samples)`, float32 in -1..1; same seed, same sound."""
    rng = np.random.default_rng(seed)
    mix = _noise(rng, samples) + _pad(rng, samples, seed)
    env = np.ones(samples, dtype=np.float32)
    fade_in = min(int(FADE_IN_S * SAMPLE_RATE), samples // 2)
    fade_out = min(int(FADE_OUT_S * SAMPLE_RATE), samples // 2)
    env[:fade_in] = np.linspace(0, 1, fade_in) ** 2
    env[samples - fade_out :] *= np.linspace(1, 0, fade_out) ** 2
    return np.clip(mix * env, -0.95, 0.95).astype(np.float32)


class AudioTrack:
    """An AAC stream in `container` fed from a precomputed sample buffer, in step with video."""

    def __init__(self, container: OutputContainer, samples: np.ndarray) -> None:
        self._container = container
        self._stream = container.add_stream(
            "aac", rate=SAMPLE_RATE, layout="stereo", options={"aac_coder": "fast"}
        )
        self._stream.bit_rate = BIT_RATE
        self._samples = samples
        self._pos = 0

    def write_until(self, end: int) -> None:
        """Encode and mux samples up to index `end` (clamped to the buffer)."""
        end = min(end, self._samples.shape[1])
        if end <= self._pos:
            return
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(self._samples[:, self._pos : end]), format="fltp", layout="stereo"
        )
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pos
        self._pos = end
        self._container.mux(self._stream.encode(frame))

    def finish(self) -> None:
        """Encode what is left and flush the encoder."""
        self.write_until(self._samples.shape[1])
        self._container.mux(self._stream.encode(None))
