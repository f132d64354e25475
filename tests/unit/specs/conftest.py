"""Fixtures for tests that load overlays of their own (through ``JOBFUZZ_OVERLAY_PATH``)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import pytest

import specs.overlay


@pytest.fixture
def fresh_overlays() -> Iterator[None]:
    """Overlays are read again before and after the test (they are cached by file and time)."""
    specs.overlay._apply_cached.cache_clear()
    yield
    specs.overlay._apply_cached.cache_clear()


@pytest.fixture
def overlay(tmp_path, monkeypatch):
    """Write a replacement overlay for a service; returns its path."""
    monkeypatch.setenv("JOBFUZZ_OVERLAY_PATH", str(tmp_path))

    def write(service: str, text: str):
        file = tmp_path / f"{service}.yaml"
        file.write_text(textwrap.dedent(text), encoding="utf-8")
        return file

    return write


@pytest.fixture
def overlay_error():
    """The OverlayError loading ``service`` raises: one line, ``file: place: problem``."""
    from specs.loader import load_service
    from specs.overlay import OverlayError

    def load(service: str) -> OverlayError:
        with pytest.raises(OverlayError) as info:
            load_service(service)
        err = info.value
        assert "\n" not in str(err) and str(err).startswith(f"{err.file}: {err.where}: ")
        return err

    return load
