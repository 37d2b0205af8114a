"""The userinfo and RP-initiated logout endpoints, on Authlib's classes."""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2.rfc6749 import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oidc.core import UserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint, EndSessionRequest
from joserfc.jwk import KeySet

from marketplace.devidp.backchannel import log_out
from marketplace.devidp.settings import ID_TOKEN_ALGORITHMS
from marketplace.devidp.state import AccessToken, SignedInUser, current


class AccessTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> AccessToken | None:
        return current().find_token(token_string)


def userinfo_protector() -> ResourceProtector:
    protector = ResourceProtector()
    protector.register_token_validator(AccessTokenValidator())
    return protector


class UserInfo(UserInfoEndpoint):
    def generate_user_info(self, user: SignedInUser, scope: str) -> dict[str, Any]:
        scopes = scope_to_list(scope) or []
        info: dict[str, Any] = {"sub": user.sub}
        if "email" in scopes:
            info["email"] = user.email
            info["email_verified"] = True
        if "phone" in scopes:
            if user.phone_number:
                info["phone_number"] = user.phone_number
            info["phone_number_verified"] = bool(user.phone_number)
        return info


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self) -> KeySet:
        return current().keys.everything_signed_with()

    def get_algorithms(self) -> list[str]:
        return list(ID_TOKEN_ALGORITHMS)

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        claims = end_session_request.id_token_claims or {}
        if isinstance(claims.get("sub"), str):
            log_out(claims["sub"], sid=claims.get("sid"))
