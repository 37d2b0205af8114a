"""The token endpoint and the ID token: One Login's checks on the client, and its claims."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import RSAKey
from urllib3.util import SKIP_HEADER

from marketplace.devidp.settings import SUB_PREFIX, derive_sub
from tests.devidp.oidc_client import ASSERTION_TYPE, Flow, unverified


def _refused(response: requests.Response, error: str) -> dict:
    # RFC 6749 §5.2: 400, or 401 for a failed client authentication.
    assert response.status_code in ({400, 401} if error == "invalid_client" else {400}), response.text
    body = response.json()
    assert body["error"] == error, body
    return body


def test_a_whole_code_flow_gives_an_id_token_like_one_logins(rp):
    flow, tokens = rp.sign_in()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 180
    assert tokens["access_token"] and tokens["id_token"]
    assert "refresh_token" not in tokens

    claims = rp.verified_claims(tokens["id_token"])
    header, _ = unverified(tokens["id_token"])
    assert header["alg"] == "ES256" and header["typ"] == "JWT" and header["kid"]
    assert claims["iss"] == rp.issuer
    assert claims["aud"] == rp.client_id
    assert claims["sub"] == derive_sub("analyst@dft.gov.uk")
    assert claims["sub"].startswith(SUB_PREFIX) and len(claims["sub"]) == len(SUB_PREFIX) + 43
    assert claims["exp"] == claims["iat"] + 120
    assert abs(claims["iat"] - time.time()) < 10
    assert claims["nonce"] == flow.nonce
    assert claims["vot"] == "Cl.Cm"
    assert claims["vtm"] == rp.issuer + "trustmark"
    assert claims["sid"] and claims["auth_time"]
    assert "email" not in claims  # that is for /userinfo


def test_every_sign_in_is_a_new_session(rp):
    _, first = rp.sign_in()
    _, second = rp.sign_in()
    assert rp.verified_claims(first["id_token"])["sid"] != rp.verified_claims(second["id_token"])["sid"]


def test_rs256_can_be_chosen_for_id_tokens(rp):
    rp.configure(client={"id_token_signing_alg": "RS256"})
    _, tokens = rp.sign_in()
    assert unverified(tokens["id_token"])[0]["alg"] == "RS256"
    assert rp.verified_claims(tokens["id_token"])["aud"] == rp.client_id


def test_a_code_works_once_and_a_replay_revokes_its_token(rp):
    flow = Flow()
    code = rp.code_for(flow)
    tokens = rp.token_request(code, flow.verifier).json()
    _refused(rp.token_request(code, flow.verifier), "invalid_grant")
    userinfo = requests.get(
        rp.issuer + "userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    )
    assert userinfo.status_code == 401


def test_an_expired_code_is_refused(app, rp):
    flow = Flow()
    code = rp.code_for(flow)
    app.extensions["devidp"].age_code(code, 61)  # its 60 seconds are up
    _refused(rp.token_request(code, flow.verifier), "invalid_grant")


def test_a_wrong_code_verifier_is_refused(rp):
    flow = Flow()
    code = rp.code_for(flow)
    _refused(rp.token_request(code, Flow().verifier), "invalid_grant")


def test_a_missing_code_verifier_is_refused(rp):
    flow = Flow()
    code = rp.code_for(flow)
    _refused(rp.token_request(code, None), "invalid_request")


def test_a_redirect_uri_other_than_the_authorize_ones_is_refused(rp):
    flow = Flow()
    code = rp.code_for(flow)
    _refused(rp.token_request(code, flow.verifier, redirect_uri=rp.base + "/elsewhere"), "invalid_grant")


def test_an_assertion_signed_by_another_key_is_refused(rp):
    stranger = RSAKey.import_key(
        RSAKey.generate_key(2048, private=True).as_pem(private=True), {"kid": rp.key.kid}
    )
    flow = Flow()
    code = rp.code_for(flow)
    _refused(rp.token_request(code, flow.verifier, assertion=rp.assertion(key=stranger)), "invalid_client")


def test_a_reused_assertion_jti_is_refused(rp):
    first, second = Flow(), Flow()
    first_code, second_code = rp.code_for(first), rp.code_for(second)
    assertion = rp.assertion(jti="the-same-jti")
    assert rp.token_request(first_code, first.verifier, assertion=assertion).status_code == 200
    again = rp.assertion(jti="the-same-jti")  # a new assertion, the same jti
    _refused(rp.token_request(second_code, second.verifier, assertion=again), "invalid_client")


@pytest.mark.parametrize(
    "claims",
    # Times are offsets from when the test runs, not from when pytest collected it: a suite
    # that runs for 20 minutes once made "15 minutes from now" a time within the 5 allowed.
    [
        {"exp": 301, "iat": 0},
        {"exp": 900, "iat": None},
        {"exp": None},
        {"exp": -120, "iat": -240},
        {"jti": None},
        {"aud": "http://127.0.0.1/not-the-token-endpoint"},
        {"iss": "someone-else"},
        {"sub": "someone-else"},
    ],
    ids=[
        "exp-over-5-minutes",
        "exp-far-without-iat",
        "no-exp",
        "expired",
        "no-jti",
        "wrong-aud",
        "wrong-iss",
        "wrong-sub",
    ],
)
def test_an_assertion_with_bad_claims_is_refused(rp, claims):
    flow = Flow()
    code = rp.code_for(flow)
    now = int(time.time())
    claims = {k: now + v if k in {"exp", "iat"} and v is not None else v for k, v in claims.items()}
    _refused(rp.token_request(code, flow.verifier, assertion=rp.assertion(**claims)), "invalid_client")


def test_a_request_without_a_user_agent_is_refused(rp):
    flow = Flow()
    code = rp.code_for(flow)
    # urllib3 adds a User-Agent of its own unless told to skip the header.
    response = rp.token_request(code, flow.verifier, headers={"User-Agent": SKIP_HEADER})
    _refused(response, "invalid_request")
    # The code was not spent by a request refused before it was read.
    assert rp.token_request(code, flow.verifier).status_code == 200


def test_only_the_authorization_code_grant_is_served(rp):
    response = requests.post(
        rp.issuer + "token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": rp.assertion(),
        },
        timeout=10,
    )
    _refused(response, "unsupported_grant_type")


def test_client_authentication_other_than_private_key_jwt_is_refused(rp):
    flow = Flow()
    code = rp.code_for(flow)
    response = requests.post(
        rp.issuer + "token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": rp.redirect_uri,
            "code_verifier": flow.verifier,
            "client_id": rp.client_id,
            "client_secret": "guess",
        },
        timeout=10,
    )
    _refused(response, "invalid_client")


def test_a_client_registered_by_jwks_uri_is_checked_against_its_published_keys(rp):
    rp.configure(client={"public_key_pem": None, "jwks_uri": rp.base + "/.well-known/jwks.json"})
    assert requests.get(rp.base + "/.well-known/jwks.json", timeout=10).status_code == 200
    flow = Flow()
    code = rp.code_for(flow)
    assert rp.token_request(code, flow.verifier).status_code == 200
    other = RSAKey.import_key(
        RSAKey.generate_key(2048, private=True).as_pem(private=True), {"kid": "unknown"}
    )
    flow = Flow()
    code = rp.code_for(flow)
    _refused(rp.token_request(code, flow.verifier, assertion=rp.assertion(key=other)), "invalid_client")


# -- injected ID token errors: each makes the token wrong in exactly that one way --


def _injected_token(rp, error: str) -> tuple[Flow, str]:
    rp.configure(errors={"id_token": [error]})
    flow, tokens = rp.sign_in()
    return flow, tokens["id_token"]


def _claims_ignoring(rp, token: str, *, skip_time: bool = False) -> dict:
    """Verified claims, with `exp`/`iat` checked unless told otherwise."""
    claims = dict(jwt.decode(token, rp.jwks(), algorithms=["ES256", "RS256"]).claims)
    if not skip_time:
        jwt.JWTClaimsRegistry(leeway=30).validate(claims)
    return claims


def test_invalid_iss_changes_only_the_issuer(rp):
    flow, token = _injected_token(rp, "INVALID_ISS")
    claims = _claims_ignoring(rp, token)
    assert claims["iss"] != rp.issuer
    assert claims["aud"] == rp.client_id and claims["nonce"] == flow.nonce and claims["vot"] == "Cl.Cm"


def test_invalid_aud_changes_only_the_audience(rp):
    flow, token = _injected_token(rp, "INVALID_AUD")
    claims = _claims_ignoring(rp, token)
    assert claims["aud"] != rp.client_id
    assert claims["iss"] == rp.issuer and claims["nonce"] == flow.nonce


def test_invalid_alg_header_names_an_algorithm_that_did_not_sign_it(rp):
    _, token = _injected_token(rp, "INVALID_ALG_HEADER")
    header, claims = unverified(token)
    assert header["alg"] not in {"ES256"}
    with pytest.raises(JoseError):
        jwt.decode(token, rp.jwks(), algorithms=["ES256", "RS256", "HS256"])
    # Put the true algorithm back and the signature and claims are sound.
    fixed = _with_header(token, {**header, "alg": "ES256"})
    assert _claims_ignoring(rp, fixed) == claims


def test_invalid_signature_corrupts_only_the_signature(rp):
    flow, token = _injected_token(rp, "INVALID_SIGNATURE")
    with pytest.raises(BadSignatureError):
        jwt.decode(token, rp.jwks(), algorithms=["ES256"])
    header, claims = unverified(token)
    assert header["alg"] == "ES256" and claims["iss"] == rp.issuer and claims["nonce"] == flow.nonce


def test_token_expired_puts_exp_in_the_past(rp):
    _, token = _injected_token(rp, "TOKEN_EXPIRED")
    claims = _claims_ignoring(rp, token, skip_time=True)
    assert claims["exp"] < time.time() - 120
    assert claims["exp"] == claims["iat"] + 120 and claims["iss"] == rp.issuer
    with pytest.raises(JoseError):
        jwt.JWTClaimsRegistry(leeway=120).validate(claims)


def test_token_not_valid_yet_puts_iat_well_in_the_future(rp):
    _, token = _injected_token(rp, "TOKEN_NOT_VALID_YET")
    claims = _claims_ignoring(rp, token, skip_time=True)
    assert claims["iat"] > time.time() + 120
    with pytest.raises(JoseError):
        jwt.JWTClaimsRegistry(leeway=120).validate(claims)


def test_nonce_not_matching_changes_only_the_nonce(rp):
    flow, token = _injected_token(rp, "NONCE_NOT_MATCHING")
    claims = _claims_ignoring(rp, token)
    assert claims["nonce"] and claims["nonce"] != flow.nonce
    assert claims["iss"] == rp.issuer and claims["vot"] == "Cl.Cm"


def test_incorrect_vot_changes_only_the_vot(rp):
    flow, token = _injected_token(rp, "INCORRECT_VOT")
    claims = _claims_ignoring(rp, token)
    assert claims["vot"] == "Cl"
    assert claims["nonce"] == flow.nonce and claims["aud"] == rp.client_id


def _with_header(token: str, header: dict) -> str:
    encoded = (
        base64.urlsafe_b64encode(json.dumps(header, separators=(",", ":")).encode()).rstrip(b"=").decode()
    )
    return ".".join([encoded, *token.split(".")[1:]])
