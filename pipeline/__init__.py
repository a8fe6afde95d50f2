"""Plainspoken: clinic articles into accessible pages, handouts and audio, in many languages."""

from pipeline.distributions import version_of

__version__ = version_of("plainspoken") or "0.0.0"  # 0.0.0: a source tree that was never installed
