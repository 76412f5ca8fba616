"""`sportello-backoffice`'s payment commands: what each option takes and refuses, in one line
naming the option, before any connection; and how the simulator answers what Sportello told
the back-office (online payments to register, mandates to settle). No broker: the refusals come
before it, and the answers are pure."""

import sys
from datetime import UTC, date, datetime

import pytest

from sportello_contracts.billing_profiles import DirectDebitRequested
from sportello_contracts.payments import (
    InstalmentPlanApproved,
    MandateActivated,
    MandateRefused,
    OnlinePaymentSucceeded,
    PaymentRegistered,
)
from sportello_deploy.backoffice import (
    Unusable,
    registration_event_id,
    registration_of,
    settle_mandate,
    today_in_italy,
)
from sportello_deploy.backoffice_cli import _PAYLOADS, _parser, _subparser, main

# Nothing listens here: a command that tried to connect would fail another way (exit 1).
NOWHERE = ["--rabbitmq-url", "amqp://guest:guest@127.0.0.1:9/", "--prefix", "nowhere"]
PAYMENT_ID = "PAY-0123456789ABCDEF0123"
IBAN = "IT60X0542811101000000123456"


def _payload(*args: str) -> object:
    parsed = _parser().parse_args(list(args))
    return _PAYLOADS[parsed.command](parsed)


def _refused(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    """The one line `main` exits with (status 2), having published nothing."""
    monkeypatch.setattr(sys, "argv", ["sportello-backoffice", *NOWHERE, *args])
    with pytest.raises(SystemExit) as exit:
        main()
    out, err = capsys.readouterr()
    assert exit.value.code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _registration(**changes: str | None) -> list[str]:
    values: dict[str, str | None] = {
        "--bill-number": "B202610-FE10001",
        "--customer-code": "C00010001",
        "--amount": "62,61",
        "--paid-on": "2026-11-25",
        "--registered-on": "2026-11-28",
        "--channel": "pagopa",
        **changes,
    }
    return ["payment-register", *(p for o, v in values.items() if v is not None for p in (o, v))]


def _plan(**changes: str | None) -> list[str]:
    values: dict[str, str | None] = {
        "--plan-id": "PLAN-2026-0042",
        "--bill-number": "B202601-FG10001",
        "--customer-code": "C00010001",
        "--amount": "487,91",
        "--interest": "3,50",
        "--instalments": "3",
        "--first-due-on": "2026-05-10",
        "--approved-on": "2026-04-09",
        **changes,
    }
    return [
        "instalment-plan-approve",
        *(p for o, v in values.items() if v is not None for p in (o, v)),
    ]


def test_a_payment_in_euro_with_a_comma_is_registered_in_cents_with_what_was_given() -> None:
    payment = _payload(*_registration(**{"--payment-id": PAYMENT_ID}))
    assert isinstance(payment, PaymentRegistered)
    assert (payment.amount_cents, payment.payment_id) == (6261, PAYMENT_ID)
    assert (payment.paid_on, payment.registered_on) == (date(2026, 11, 25), date(2026, 11, 28))
    assert (payment.channel, payment.customer_code) == ("pagopa", "C00010001")


def test_a_payment_gets_a_new_registration_id_unless_given_and_is_registered_today() -> None:
    first = _payload(*_registration(**{"--registered-on": None, "--paid-on": "2026-01-02"}))
    second = _payload(*_registration(**{"--registered-on": None, "--paid-on": "2026-01-02"}))
    assert isinstance(first, PaymentRegistered)
    assert isinstance(second, PaymentRegistered)
    assert first.registration_id.startswith("REG-")
    assert first.registration_id != second.registration_id
    assert first.registered_on == today_in_italy()
    given = _payload(*_registration(**{"--registration-id": "BO-2026-000123"}))
    assert isinstance(given, PaymentRegistered)
    assert given.registration_id == "BO-2026-000123"
    # Its event id comes from it: the same registration sent again is the same event.
    assert registration_event_id("BO-2026-000123") == registration_event_id(given.registration_id)
    assert registration_event_id("BO-2026-000123") != registration_event_id("BO-2026-000124")


@pytest.mark.parametrize(
    ("changes", "option", "reason"),
    [
        ({"--amount": "0"}, "--amount", "more than zero"),
        ({"--amount": "12,345"}, "--amount", "at most 2 decimals"),
        ({"--amount": "-5"}, "--amount", "zero or more"),
        ({"--paid-on": "2026-11-29"}, "--registered-on", "on or after the day it was paid"),
        ({"--paid-on": "25/11/2026"}, "--paid-on", "YYYY-MM-DD"),
        ({"--channel": "cash"}, "--channel", "invalid choice"),
        ({"--payment-id": "PAY-123"}, "--payment-id", "PAY- and 20"),
        ({"--registration-id": "x"}, "--registration-id", "4 to 64"),
        ({"--bill-number": "b 1"}, "--bill-number", ""),
        ({"--customer-code": "C1"}, "--customer-code", "6 to 16"),
    ],
)
def test_a_payment_the_back_office_would_never_register_exits_2_naming_the_option(
    changes: dict[str, str | None],
    option: str,
    reason: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    line = _refused(_registration(**changes), capsys, monkeypatch)
    assert f"argument {option}:" in line
    assert reason in line


def test_a_payment_paid_after_today_is_refused_when_registered_today(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = _registration(**{"--registered-on": None, "--paid-on": "2999-01-01"})
    assert "argument --paid-on: a payment is registered on or after" in _refused(
        args, capsys, monkeypatch
    )


def test_a_plan_splits_what_is_due_and_the_interest_into_monthly_instalments() -> None:
    plan = _payload(*_plan())
    assert isinstance(plan, InstalmentPlanApproved)
    assert (plan.plan_id, plan.approved_on, plan.interest_cents) == (
        "PLAN-2026-0042",
        date(2026, 4, 9),
        350,
    )
    assert [(i.number, i.due_on, i.amount_cents) for i in plan.instalments] == [
        (1, date(2026, 5, 10), 16_380),
        (2, date(2026, 6, 10), 16_380),
        (3, date(2026, 7, 10), 16_381),  # 48,791 + 350 cents: the cent left on the last
    ]


@pytest.mark.parametrize(
    ("changes", "option", "reason"),
    [
        ({"--instalments": "1"}, "--instalments", "from 2 to 72"),
        ({"--instalments": "73"}, "--instalments", "from 2 to 72"),
        ({"--instalments": "tre"}, "--instalments", "whole number"),
        ({"--first-due-on": "2026-04-08"}, "--first-due-on", "before the plan is approved"),
        ({"--amount": "0,01", "--interest": "0"}, "--amount", "too little for 3 instalments"),
        ({"--interest": "100000,01"}, "--interest", ""),
        ({"--plan-id": "P.1"}, "--plan-id", "4 to 40"),
        ({"--amount": None}, "--amount", "required"),
    ],
)
def test_a_plan_with_a_wrong_value_exits_2_naming_the_option(
    changes: dict[str, str | None],
    option: str,
    reason: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    line = _refused(_plan(**changes), capsys, monkeypatch)
    assert option in line
    assert reason in line


def test_mandates_are_activated_or_refused_by_reference_upper_cased_today_by_default() -> None:
    mandate = ["--mandate-reference", "mnd-1a2b3c4d5e6f", "--customer-code", "c00010001"]
    activated = _payload("mandate-activate", *mandate)
    assert activated == MandateActivated(
        mandate_reference="MND-1A2B3C4D5E6F",
        customer_code="C00010001",
        activated_on=today_in_italy(),
    )
    refused = _payload(
        "mandate-refuse", *mandate, "--refused-on", "2026-12-01", "--reason", "Conto chiuso"
    )
    assert isinstance(refused, MandateRefused)
    assert (refused.refused_on, refused.reason) == (date(2026, 12, 1), "Conto chiuso")


@pytest.mark.parametrize(
    ("args", "option", "reason"),
    [
        (
            ["mandate-activate", "--mandate-reference", "M-1", "--customer-code", "C00010001"],
            "--mandate-reference",
            "MND- and 4 to 40",
        ),
        (
            ["mandate-refuse", "--mandate-reference", "MND-ABCD", "--customer-code", "C00010001"],
            "--reason",
            "required",
        ),
        (
            ["mandates-settle", "--refuse-if-iban-ends-with", IBAN],
            "--refuse-if-iban-ends-with",
            "last 1 to 8",
        ),
        (["mandates-settle", "--reason", "x" * 121], "--reason", "1 to 120 characters"),
        (["mandates-settle", "--on", "ieri"], "--on", "YYYY-MM-DD"),
    ],
)
def test_a_mandate_command_with_a_wrong_value_exits_2_without_repeating_an_iban(
    args: list[str],
    option: str,
    reason: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    line = _refused(args, capsys, monkeypatch)
    assert option in line
    assert reason in line
    assert IBAN not in line


@pytest.mark.parametrize(
    "command",
    [
        "payment-register",
        "instalment-plan-approve",
        "mandate-activate",
        "mandate-refuse",
        "payments-register-online",
        "mandates-settle",
        "refunds-due",
    ],
)
def test_every_new_commands_help_says_what_each_option_is(command: str) -> None:
    chosen = _subparser(_parser(), command)
    for action in chosen._actions:
        assert action.help, action.option_strings
    shown = chosen.format_help()
    assert shown.startswith(f"usage: sportello-backoffice {command}")
    assert "--prefix" in shown
    assert "--rabbitmq-url" in shown


# The simulator's answers to what Sportello told the back-office.


def _paid(**changes: object) -> OnlinePaymentSucceeded:
    values: dict[str, object] = {
        "payment_id": PAYMENT_ID,
        "bill_number": "B202610-FE10001",
        "customer_code": "C00010001",
        "account_id": "acc_1",
        "amount_cents": 6261,
        "method": "card",
        "provider": "sandbox",
        "provider_reference": "chk_1",
        # 23:30 in London, 00:30 the next day in Rome: the day it was paid in Italy.
        "paid_at": datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
        **changes,
    }
    return OnlinePaymentSucceeded.model_validate(values)


def test_an_online_payment_is_registered_with_its_id_its_channel_and_the_day_in_italy() -> None:
    registered = registration_of(_paid(), date(2026, 12, 3))
    assert registered == PaymentRegistered(
        registration_id=f"REG-{PAYMENT_ID}",
        bill_number="B202610-FE10001",
        customer_code="C00010001",
        amount_cents=6261,
        paid_on=date(2026, 12, 1),
        registered_on=date(2026, 12, 3),
        channel="card",
        payment_id=PAYMENT_ID,
    )
    # Registered again (the queue gave it twice): the same registration, not a second one.
    assert registration_of(_paid(), date(2026, 12, 9)).registration_id == f"REG-{PAYMENT_ID}"
    # Never registered before the day it was paid, whatever this machine's clock says.
    assert registration_of(_paid(), date(2026, 11, 30)).registered_on == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"payment_id": "PAY-bad"}, "payment_id"), ({"amount_cents": 0}, "amount_cents")],
)
def test_an_online_payment_no_registration_can_say_is_unusable_with_the_field(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(Unusable, match=f"cannot be registered: {field}"):
        registration_of(_paid(**changes), date(2026, 12, 3))


def _requested(iban: str = IBAN, codes: tuple[str, ...] = ("C00010001",)) -> DirectDebitRequested:
    return DirectDebitRequested(
        change_id="chg_1",
        mandate_reference="MND-1A2B3C4D5E6F",
        customer_codes=codes,
        supply_ids=("FE10001",),
        billing_profiles=("BP-000123",),
        holder_name="Mario Rossi",
        holder_fiscal_code="RSSMRA80A01H501U",
        iban=iban,
        requested_on=date(2026, 12, 1),
    )


def test_a_mandate_is_refused_when_its_iban_ends_as_told_and_activated_otherwise() -> None:
    on = date(2026, 12, 3)
    activated = settle_mandate(_requested(), on, refuse_if_iban_ends_with="0000")
    assert activated.outcome == MandateActivated(
        mandate_reference="MND-1A2B3C4D5E6F", customer_code="C00010001", activated_on=on
    )
    assert activated.iban_ending == "3456"
    refused = settle_mandate(
        _requested(), on, refuse_if_iban_ends_with="3456", reason="Conto chiuso"
    )
    assert refused.outcome == MandateRefused(
        mandate_reference="MND-1A2B3C4D5E6F",
        customer_code="C00010001",
        refused_on=on,
        reason="Conto chiuso",
    )
    # Spaces and case do not matter, in the IBAN or in the ending asked for.
    spaced = settle_mandate(_requested("it60 x054 2811 1010 0000 0123 456"), on, "23 456", "No")
    assert isinstance(spaced.outcome, MandateRefused)
    assert settle_mandate(_requested(), on).outcome == activated.outcome
    # Refused with no reason given: the bank's usual one, in Italian, never a dead letter.
    usual = settle_mandate(_requested(), on, refuse_if_iban_ends_with="456").outcome
    assert isinstance(usual, MandateRefused)
    assert usual.reason.startswith("La banca non ha accettato il mandato")


def test_a_mandate_for_no_customer_cannot_be_answered() -> None:
    with pytest.raises(Unusable, match="names no customer"):
        settle_mandate(_requested(codes=()), date(2026, 12, 3))
