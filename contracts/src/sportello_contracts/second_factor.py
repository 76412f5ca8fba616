"""Second factors: TOTP (RFC 6238) with recovery codes, and the second step of a log-in."""

from typing import Annotated

from pydantic import Field, StringConstraints

from sportello_contracts.base import Contract
from sportello_contracts.identity import SessionReply, UserAgent
from sportello_contracts.rpc import Operation, Request

# A TOTP code (6 digits) or a recovery code (`xxxx-xxxx-xxxx`), as the user types it.
SecondFactorCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=6, max_length=20),
    Field(repr=False),
]
# What the password step of a log-in answers when a second factor is on: short-lived, single-use.
Challenge = Annotated[str, StringConstraints(max_length=200), Field(repr=False)]

# The refusal of a log-in's password step when a second factor is needed: its details hold
# `challenge` and `expires_in` (seconds); the client sends the challenge back with a code.
SECOND_FACTOR_REQUIRED = "second_factor_required"


class StartTotpEnrolmentRequest(Request):
    pass


class TotpEnrolmentReply(Contract):
    """Shown once: the secret as an `otpauth://` URI (a QR code) and as text to type."""

    otpauth_uri: str = Field(repr=False)
    secret: str = Field(repr=False)


class ConfirmTotpRequest(Request):
    code: SecondFactorCode


class RecoveryCodesReply(Contract):
    """Shown once: each works a single time, instead of a TOTP code."""

    recovery_codes: tuple[str, ...] = Field(repr=False)


class DisableTotpRequest(Request):
    code: SecondFactorCode


class TotpDisabledReply(Contract):
    pass


class RegenerateRecoveryCodesRequest(Request):
    code: SecondFactorCode


class CompleteLogInRequest(Request):
    """The second step of a log-in: the challenge of the first and a TOTP or recovery code."""

    challenge: Challenge
    code: SecondFactorCode
    user_agent: UserAgent | None = None  # filled in by the gateway: the session list's device


# Neither enrolment step is replayed from a stored answer: the answers hold the secret and the
# recovery codes, which are never stored as they are. Starting again replaces the pending secret;
# confirming twice is refused as already on.
START_TOTP_ENROLMENT = Operation(
    "identity.totp.enrol", StartTotpEnrolmentRequest, TotpEnrolmentReply
)
CONFIRM_TOTP = Operation("identity.totp.confirm", ConfirmTotpRequest, RecoveryCodesReply)
DISABLE_TOTP = Operation(
    "identity.totp.disable", DisableTotpRequest, TotpDisabledReply, command=True
)
# New codes replace the old ones; a retry asks for a fresh code anyway (the first one is spent).
REGENERATE_RECOVERY_CODES = Operation(
    "identity.recovery_codes.regenerate", RegenerateRecoveryCodesRequest, RecoveryCodesReply
)
# Like a log-in: not replayed from a stored answer, which holds fresh tokens.
COMPLETE_LOG_IN = Operation(
    "identity.session.complete", CompleteLogInRequest, SessionReply, needs_caller=False
)
