"""The provider's signing keys: a current and a next key for each algorithm, made in memory.

Rotation happens in two steps, as One Login does it: `keys.publish_next` adds the next keys to the
JWKS (so clients can cache them ahead of use), then `keys.sign_with_next` signs new ID tokens with
them. Key material lives as long as the process; `reset` only turns both steps off again, so every
token the provider has signed still verifies (for `id_token_hint` at logout, too).
"""

from __future__ import annotations

import threading

from joserfc.jwk import ECKey, KeySet, RSAKey

Key = ECKey | RSAKey


def _generate(alg: str) -> Key:
    key: Key
    if alg == "ES256":
        key = ECKey.generate_key("P-256", private=True)
    else:
        # One Login's RSA keys are 2048 bits.
        key = RSAKey.generate_key(2048, private=True)
    # The kid is the key's RFC 7638 thumbprint: stable for the key, different for every new one.
    return type(key).import_key(
        key.as_dict(private=True), {"kid": key.thumbprint(), "use": "sig", "alg": alg}
    )


class ProviderKeys:
    """Made lazily: an RSA key takes a noticeable moment, and most test apps never sign anything."""

    ALGORITHMS = ("ES256", "RS256")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, str], Key] = {}

    def _get(self, generation: str, alg: str) -> Key:
        with self._lock:
            key = self._keys.get((generation, alg))
            if key is None:
                key = self._keys[(generation, alg)] = _generate(alg)
            return key

    def signing_key(self, alg: str, *, use_next: bool) -> Key:
        return self._get("next" if use_next else "current", alg)

    def published(self, *, include_next: bool) -> dict:
        """The public JWKS document: the current keys, and the next ones once published."""
        generations = ("current", "next") if include_next else ("current",)
        keys = [self._get(g, alg).as_dict(private=False) for g in generations for alg in self.ALGORITHMS]
        return {"keys": keys}

    def everything_signed_with(self) -> KeySet:
        """Every key that may have signed a token (for checking an `id_token_hint`), published or not."""
        current = [self._get("current", alg) for alg in self.ALGORITHMS]
        with self._lock:
            made_next = [key for (generation, _), key in self._keys.items() if generation == "next"]
        return KeySet([*current, *made_next])
