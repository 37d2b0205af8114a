"""JSON Merge Patch (RFC 7396): the algorithm of its section 2, as written there.

Hand-written because no library we hold does it: the one on PyPI (`json-merge-patch`, 0.3.0)
still follows RFC 7386, which 7396 replaced, and is not in our lock; the algorithm is a dozen
lines. tests/api/test_merge_patch.py holds it to the RFC's own examples (its appendix A).
"""

from __future__ import annotations

from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """`target` changed by `patch`: a null member removes that member, an object merges into the
    object it names (member by member, at any depth), and anything else (a string, a number, an
    array) replaces what was there. Neither argument is changed."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result
