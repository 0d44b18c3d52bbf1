"""The commands' event loop raises the soft open-files limit before it starts."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from pingpost import runloop


@pytest.fixture
def restored_limit():
    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    yield before
    resource.setrlimit(resource.RLIMIT_NOFILE, before)


def test_the_soft_limit_rises_to_what_is_wanted_within_the_hard_limit(restored_limit) -> None:
    _, hard = restored_limit
    if hard != resource.RLIM_INFINITY and hard < 300:
        pytest.skip(f"this machine's hard open-files limit is only {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    now = runloop.raise_open_files_limit(wanted=300)
    assert now == 300
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (300, hard)


def test_never_above_the_hard_limit_nor_lowered(restored_limit) -> None:
    _, hard = restored_limit
    if hard == resource.RLIM_INFINITY:
        pytest.skip("no hard open-files limit on this machine")
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))
    assert runloop.raise_open_files_limit(wanted=hard * 10) == hard
    assert runloop.raise_open_files_limit(wanted=10) == hard  # a higher soft limit is kept


def test_run_raises_it_before_the_loop_starts() -> None:
    # a child process, so this test's own limits stay as they were
    code = (
        "import resource, asyncio\n"
        "from pingpost import runloop\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard))\n"
        "async def seen(): return resource.getrlimit(resource.RLIMIT_NOFILE)[0]\n"
        "want = runloop.FILES_WANTED if hard == resource.RLIM_INFINITY "
        "else min(runloop.FILES_WANTED, hard)\n"
        "print(runloop.run(seen()) == want)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
