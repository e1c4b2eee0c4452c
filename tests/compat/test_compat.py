"""Declared workarounds check the version they were written for."""

import pytest

from salnest.compat import WORKAROUNDS, UpstreamVersionWarning, workaround


def test_a_workaround_on_another_version_says_so():
    calls = []

    @workaround("test-only", "nest-simulator", "0.0.1", symptom="nothing", upstream="this test")
    def patch():
        calls.append(1)

    try:
        with pytest.warns(UpstreamVersionWarning, match="nest-simulator 0.0.1, but nest-simulator 3.10.0 is installed"):
            patch()
        patch()
        assert calls == [1]  # a patch applies once
    finally:
        WORKAROUNDS.pop("test-only")


def test_every_workaround_names_where_its_defect_is_shown():
    import salnest.compat.nest_wheel  # noqa: F401
    import salnest.compat.nestml  # noqa: F401
    import salnest.compat.torch  # noqa: F401
    import salnest.pynn.nest  # noqa: F401

    # one per defect, in nest_wheel, nestml, torch, nest and pynn (12 since 0.2.0, when salnest stopped
    # filtering PyNN's notes at its import)
    assert len(WORKAROUNDS) >= 12
    assert {w.package for w in WORKAROUNDS.values()} == {"nest-simulator", "nestml", "PyNN", "torch"}
    for w in WORKAROUNDS.values():
        assert w.matches(), f"{w.name}: written for {w.package} {w.version}, installed {w.installed()}"
        assert "tests/" in w.upstream or "nest_patches" in w.upstream, w.name
