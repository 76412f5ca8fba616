"""The WebAuthn relying party (py_webauthn): options for browsers, and checks of their answers.

A browser's answer is verified against the relying party's ID and origins (settings) and the
challenge it signed over; the challenge's bytes come from the answer's own clientDataJSON, and
the use case looks them up among the challenges still open, so an answer to a challenge never
issued, already used or expired is refused before anything else is checked.
"""

import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from pydantic import JsonValue
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_authenticator_data,
    parse_client_data_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.options_to_json_dict import options_to_json_dict
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from sportello_identity.domain.accounts import Account
from sportello_identity.domain.errors import (
    PasskeyChallengeInvalid,
    PasskeyNotVerified,
    PasskeyRefused,
)
from sportello_identity.domain.passkeys import Assertion, Credential, NewCredential, Options

log = logging.getLogger(__name__)

# What a malformed answer can raise from inside the library besides its own exceptions.
_MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError)


def challenge_key(challenge: bytes) -> str:
    """What is stored of a challenge: its digest."""
    return hashlib.sha256(challenge).hexdigest()


class WebAuthnRelyingParty:
    def __init__(
        self, rp_id: str, rp_name: str, origins: Sequence[str], timeout_seconds: float
    ) -> None:
        self.rp_id = rp_id
        self.rp_name = rp_name
        self.origins = list(origins)
        self.timeout_ms = int(timeout_seconds * 1000)

    def registration_options(self, account: Account, registered: Sequence[str]) -> Options:
        """Options for a new passkey of `account`, a discoverable one (usernameless sign-in),
        excluding the credentials it has already."""
        options = generate_registration_options(
            rp_id=self.rp_id,
            rp_name=self.rp_name,
            user_id=account.account_id.encode(),
            user_name=account.username,
            user_display_name=account.full_name or account.username,
            timeout=self.timeout_ms,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in registered
            ],
        )
        return Options(options.challenge, _json(options_to_json_dict(options)))

    def authentication_options(self) -> Options:
        """Options for signing in with any discoverable passkey of this site: no username is
        asked, so none is revealed."""
        options = generate_authentication_options(
            rp_id=self.rp_id,
            timeout=self.timeout_ms,
            user_verification=UserVerificationRequirement.PREFERRED,
        )
        return Options(options.challenge, _json(options_to_json_dict(options)))

    def challenge_key(self, challenge: bytes) -> str:
        return challenge_key(challenge)

    def challenge_of(self, credential: Credential) -> bytes:
        """The challenge the browser's answer signed over (`PasskeyChallengeInvalid` if none)."""
        try:
            response = credential["response"]
            assert isinstance(response, dict)
            client_data = response["clientDataJSON"]
            assert isinstance(client_data, str)
            return parse_client_data_json(base64url_to_bytes(client_data)).challenge
        except (*_MALFORMED, AssertionError):
            raise PasskeyChallengeInvalid() from None

    def verify_registration(self, credential: Credential, challenge: bytes) -> NewCredential:
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=self.rp_id,
                expected_origin=self.origins,
            )
        except _MALFORMED as error:
            log.info("a new passkey was refused: %s", error)
            raise PasskeyNotVerified() from None
        return NewCredential(
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=_transports(credential),
        )

    def assertion(self, credential: Credential) -> Assertion:
        """Which credential signed, and for which user, as the answer says (unverified yet)."""
        try:
            parsed = parse_authentication_credential_json(credential)  # type: ignore[arg-type]
        except _MALFORMED:
            raise PasskeyRefused() from None
        return Assertion(bytes_to_base64url(parsed.raw_id), parsed.response.user_handle)

    def verify_authentication(
        self, credential: Credential, challenge: bytes, public_key: bytes
    ) -> int:
        """The signature count the authenticator asserted, once its signature verified.

        The library's own count check is left out (a count of 0 given it): the use case
        applies the rule itself, so that a clone is told apart from a bad signature.
        """
        try:
            verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=self.rp_id,
                expected_origin=self.origins,
                credential_public_key=public_key,
                credential_current_sign_count=0,
            )
            parsed = parse_authentication_credential_json(credential)  # type: ignore[arg-type]
            return parse_authenticator_data(parsed.response.authenticator_data).sign_count
        except _MALFORMED as error:
            log.info("a passkey sign-in was refused: %s", error)
            raise PasskeyRefused() from None


def _transports(credential: Credential) -> tuple[str, ...]:
    """How the authenticator can be reached, as the browser said (a hint kept for the list):
    the names WebAuthn defines, nothing else."""
    response = credential.get("response")
    said = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(said, list):
        return ()
    known = {t.value for t in AuthenticatorTransport}
    return tuple(t for t in said if isinstance(t, str) and t in known)


def _json(options: dict[str, Any]) -> dict[str, JsonValue]:
    return options
