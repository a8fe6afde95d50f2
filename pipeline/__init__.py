"""Plainspoken: clinic articles into accessible pages, handouts and audio, in many languages."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("plainspoken")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0.0.0"
