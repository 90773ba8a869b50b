"""Comparing two HTTP answers' headers: those that say what the answer is, not when or by whom."""

import httpx

NOT_COMPARED = frozenset({"date", "server"})


def compared(response: httpx.Response) -> dict[str, str]:
    """The headers of ``response`` but ``Date`` and ``Server``, which differ between any two."""
    return {k: v for k, v in response.headers.items() if k not in NOT_COMPARED}
