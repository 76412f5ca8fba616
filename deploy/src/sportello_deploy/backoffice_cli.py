"""The back-office simulator's command line: `sportello-backoffice onboard|supply-activate|...`.

Every option is checked before anything is published, and every error is one line; what it
publishes goes through `BackOffice` (backoffice.py), mandatory and confirmed. The commands that
read what Sportello told the back-office print what they did, and never a whole IBAN.
"""

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, NoReturn, TypeVar, get_args
from uuid import uuid4

from pydantic import JsonValue, TypeAdapter, ValidationError

from sportello_contracts.bills import (
    Band,
    BillCancelled,
    BillCredited,
    BillIssued,
    BillLine,
    PaymentChannel,
    ReadingUsed,
    ReadingWindow,
)
from sportello_contracts.envelope import Event, EventPayload
from sportello_contracts.formats import Email
from sportello_contracts.payments import (
    BillOverpaid,
    InstalmentPlanApproved,
    MandateActivated,
    MandateReference,
    MandateRefused,
    PaymentId,
    PaymentRegistered,
    PlanId,
    RegistrationId,
)
from sportello_contracts.readings import (
    BANDS,
    DAYS_PER_BATCH,
    READINGS_PER_BATCH,
    DistributorReadingsPublished,
    EnergyPricesChanged,
    IntervalDaysPublished,
    MeterInstalled,
    ReadingId,
    ReadingProgressed,
    ReadingStep,
    Register,
    RejectionReason,
)
from sportello_contracts.requests import BackOfficeStep, Message, RequestId, RequestProgressed
from sportello_contracts.supplies import (
    DirectDebitPayment,
    Distributor,
    EmailDelivery,
    HolderName,
    HouseNumber,
    Meter,
    MeterSerial,
    OfferCode,
    PagoPaPayment,
    PhoneNumber,
    PostalAddress,
    PostalDelivery,
    PostCode,
    Province,
    ShortText,
    SupplyActivated,
    SupplyCeased,
    SupplyUpdated,
)
from sportello_deploy import backoffice as simulator
from sportello_deploy.backoffice import (
    DEFAULT_RABBITMQ_URL,
    DEFAULT_READING_REJECTION,
    DEFAULT_REFUSAL,
    AnsweredReading,
    BackOffice,
    Batch,
    NewCustomer,
    NotPublished,
    NotRead,
    SettledMandate,
    Taken,
    distributor_reading_batches,
    energy_prices_changed,
    interval_day_batches,
    meter_installed,
    rows_from_json,
    today_in_italy,
)
from sportello_deploy.demo_bills import (
    DUE_DAYS,
    charge,
    energy_receipt,
    monthly_instalments,
    notice_position_for,
)
from sportello_deploy.identifiers import (
    check_bill_number,
    check_customer_code,
    check_fiscal_code,
    check_iban,
    check_notice_position,
    check_point,
    check_registration_pin,
    check_supply_id,
)
from sportello_deploy.interval_curves import CURVE_PROFILES, curve_days, days_between

# The command line: every option checked before anything is published, every error one line.


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


T = TypeVar("T")


def _checked(check: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from a check: its reason becomes argparse's error, naming the option."""

    def parse(value: str) -> T:
        try:
            return check(value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = check.__name__
    return parse


def _email(value: str) -> str:
    try:
        return str(TypeAdapter(Email).validate_python(value.strip()))
    except ValidationError as error:
        raise ValueError(error.errors()[0]["msg"]) from None


def _full_name(value: str) -> str:
    name = " ".join(value.split())
    if not 1 <= len(name) <= 200:
        raise ValueError("1 to 200 characters")
    return name


def _add_bus_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    # Accepted before and after the sub-command; a sub-command's copy has no default of its own,
    # so it never overwrites a value given before it.
    parser.add_argument(
        "--rabbitmq-url",
        metavar="URL",
        default=os.environ.get("RABBITMQ_URL", DEFAULT_RABBITMQ_URL)
        if defaults
        else argparse.SUPPRESS,
        help=f"the broker (default: RABBITMQ_URL, else {DEFAULT_RABBITMQ_URL})",
    )
    parser.add_argument(
        "--prefix",
        default=os.environ.get("BUS_PREFIX", "sportello") if defaults else argparse.SUPPRESS,
        help="the installation's bus prefix, as the services' BUS_PREFIX "
        "(default: BUS_PREFIX, else sportello)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sportello-backoffice",
        # What the simulator is and does, as its module says it.
        description=simulator.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_bus_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    onboard = commands.add_parser(
        "onboard",
        help="a new customer, with the PIN of its welcome letter",
        description="Publish a new customer (CustomerOnboarded, for every service) and its "
        "registration PIN (RegistrationPinIssued, for identity alone). Every value is "
        "checked first; nothing is published if one is wrong.",
    )
    onboard.add_argument(
        "--customer-code",
        required=True,
        type=_checked(check_customer_code),
        help="the customer code printed on bills: 6 to 16 letters and digits (C00012345)",
    )
    onboard.add_argument(
        "--fiscal-code",
        required=True,
        type=_checked(check_fiscal_code),
        help="the holder's codice fiscale (16 characters) or partita IVA (11 digits), "
        "check character included",
    )
    onboard.add_argument(
        "--name", required=True, type=_checked(_full_name), help="the holder's full name"
    )
    onboard.add_argument(
        "--email",
        required=True,
        type=_checked(_email),
        help="where the customer's e-mails go (mario.rossi@example.it)",
    )
    onboard.add_argument(
        "--pin",
        required=True,
        type=_checked(check_registration_pin),
        help="the registration PIN of the welcome letter: 8 digits",
    )
    _add_bus_options(onboard, defaults=False)
    _add_supply_commands(commands)
    _add_bill_commands(commands)
    _add_payment_commands(commands)
    _add_queue_commands(commands)
    _add_meter_commands(commands)
    demo = commands.add_parser(
        "demo",
        help="the demo customers, their supplies, two years of bills and their payments",
        description="Publish the demo customers, their supplies, the bills of the two years "
        "to today and what was paid of them: payments, one instalment plan (the same events "
        "at every run on the same day: consumers recognise them, so running it again changes "
        "nothing).",
    )
    _add_bus_options(demo, defaults=False)
    return parser


# Supplies and bills on the command line: each option typed by its check; what depends on
# several options (the point for the commodity, a direct debit's holder) is checked once all are
# parsed, by the builders below, before any connection.


class _Refused(ValueError):
    """A value the back-office would not send, and the option that gave it."""

    def __init__(self, option: str, reason: str) -> None:
        super().__init__(f"{option}: {reason}")
        self.option = option
        self.reason = reason


def _shaped(kind: Any, reason: str) -> Callable[[str], str]:
    """A check from a contract type: its shape, with a reason fit for one line."""
    adapter: TypeAdapter[str] = TypeAdapter(kind)

    def check(value: str) -> str:
        try:
            return adapter.validate_python(value)
        except ValidationError:
            raise ValueError(reason) from None

    return check


_text = _shaped(ShortText, "1 to 120 characters")
_holder_name = _shaped(HolderName, "2 to 120 characters")
_house_number = _shaped(HouseNumber, "1 to 10 letters, digits, slashes or dashes (12/B)")
_post_code = _shaped(PostCode, "a CAP of 5 digits")
_province = _shaped(Province, "the 2-letter sigla of the province (RM)")
_offer_code = _shaped(OfferCode, "2 to 30 letters, digits, dashes or underscores")
_meter_serial = _shaped(MeterSerial, "1 to 30 letters, digits or dashes")
_phone = _shaped(PhoneNumber, "3 to 20 digits and spaces, + first if international")


_registration_id = _shaped(
    RegistrationId, "4 to 64 letters, digits, dots, dashes or underscores, a letter or digit first"
)
_plan_id = _shaped(
    PlanId, "4 to 40 letters, digits, dots, dashes or underscores, a letter or digit first"
)
_payment_id = _shaped(PaymentId, "PAY- and 20 digits or letters A-F, as Sportello sends it")
_mandate_reference_shape = _shaped(MandateReference, "MND- and 4 to 40 letters, digits or dashes")


def _mandate_reference(value: str) -> str:
    # Upper case first: the contract's pattern is checked before its own upper-casing.
    return _mandate_reference_shape(value.strip().upper())


def _iban_end(value: str) -> str:
    end = "".join(value.split()).upper()
    if not (1 <= len(end) <= 8 and end.isalnum() and end.isascii()):
        raise ValueError("the IBAN's last 1 to 8 letters or digits")
    return end


def _instalment_count(value: str) -> int:
    if not value.strip().isdigit() or not 2 <= int(value) <= 72:
        raise ValueError("a whole number from 2 to 72")
    return int(value)


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("a date as YYYY-MM-DD") from None


def _decimal(value: str, places: int) -> Decimal:
    """A non-negative number with up to `places` decimals, a comma or a dot before them."""
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError("a number, such as 12.50") from None
    if not number.is_finite() or number < 0:
        raise ValueError("a number of zero or more")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValueError(f"at most {places} decimals")
    return number


def _euro_cents(value: str) -> int:
    euro = _decimal(value, 2)
    if euro > 1_000_000:
        raise ValueError("at most 1,000,000 EUR")
    return int(euro * 100)


def _paid_cents(value: str) -> int:
    cents = _euro_cents(value)
    if cents == 0:
        raise ValueError("more than zero")
    return cents


def _unit_price(value: str) -> Decimal:
    price = _decimal(value, 6)
    if price > 1_000:
        raise ValueError("euro per unit, at most 1,000")
    return price


def _quantity(value: str) -> Decimal:
    quantity = _decimal(value, 3)
    if quantity > 100_000_000:
        raise ValueError("at most 100,000,000")
    return quantity


def _kw(value: str) -> float:
    power = _decimal(value, 1)
    if not 0 < power <= 10_000:
        raise ValueError("kW, more than 0 and at most 10000")
    return float(power)


def _reading(value: str) -> int:
    if not value.strip().isdigit() or len(value.strip()) > 12:
        raise ValueError("the meter's digits, up to 12")
    return int(value)


def _digits(value: str) -> int:
    if not value.strip().isdigit() or not 3 <= int(value) <= 12:
        raise ValueError("a whole number from 3 to 12")
    return int(value)


def _correction_factor(value: str) -> Decimal:
    factor = _decimal(value, 6)
    if not Decimal("0.5") <= factor <= 2:
        raise ValueError("from 0.5 to 2, up to 6 decimals (1.021)")
    return factor


def _euro_per_kwh(value: str) -> Decimal:
    price = _decimal(value, 6)
    if price > 10:
        raise ValueError("euro per kWh, at most 10")
    return price


_reading_id = _shaped(ReadingId, "3 capital letters, a dash, 6 to 80 letters, digits or dashes")
_request_id = _shaped(RequestId, "REQ- and 20 hexadecimal digits in capitals")
_long_text = _shaped(Message, "1 to 2000 characters")


def _instant(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("an ISO date and time, 2026-12-04T10:30:00+01:00") from None
    if at.tzinfo is None:
        raise ValueError("needs its offset from UTC (+01:00, Z)")
    return at


def _seed(value: str) -> int:
    if not value.strip().isdigit():
        raise ValueError("a whole number of zero or more")
    return int(value)


def _count_up_to(most: int) -> Callable[[str], int]:
    def count(value: str) -> int:
        if not value.strip().isdigit() or not 1 <= int(value) <= most:
            raise ValueError(f"a whole number from 1 to {most}")
        return int(value)

    return count


def _path(value: str) -> Path:
    if not value.strip():
        raise ValueError("a file's path")
    return Path(value)


def _option(
    parser: argparse._ActionsContainer, name: str, check: Callable[[str], Any], **kw: Any
) -> None:
    if check is _iso_date:
        kw.setdefault("metavar", "YYYY-MM-DD")
    parser.add_argument(name, type=_checked(check), **kw)


def _add_identity_options(parser: argparse.ArgumentParser) -> None:
    _option(
        parser,
        "--supply-id",
        check_supply_id,
        required=True,
        help="the back-office's id of the supply contract: 4 to 30 letters, digits, dashes",
    )
    _option(
        parser,
        "--customer-code",
        check_customer_code,
        required=True,
        help="the holder's customer code, as printed on bills (C00012345)",
    )


def _add_address_options(parser: argparse.ArgumentParser, required: bool) -> None:
    what = "the supply's address" + ("" if required else ", when it changes (all five together)")
    _option(parser, "--street", _text, required=required, help=f"{what}: street (Via Roma)")
    _option(parser, "--number", _house_number, required=required, help=f"{what}: house number")
    _option(parser, "--post-code", _post_code, required=required, help=f"{what}: CAP (00184)")
    _option(parser, "--city", _text, required=required, help=f"{what}: city (Roma)")
    _option(parser, "--province", _province, required=required, help=f"{what}: province (RM)")


def _add_supply_details(parser: argparse.ArgumentParser, required: bool) -> None:
    """The options `supply-activate` requires and `supply-update` takes when they change."""
    _option(
        parser,
        "--power",
        _kw,
        metavar="KW",
        help="contracted power in kW (electricity only: 3, 4.5, 6)",
    )
    _option(
        parser,
        "--offer-code",
        _offer_code,
        required=required,
        help="the offer's code, as printed in the bill's offer box (LUCE-CASA-VAR)",
    )
    _option(parser, "--offer-name", _text, required=required, help="the offer's name")
    _option(parser, "--meter-serial", _meter_serial, required=required, help="the meter's serial")
    parser.add_argument(
        "--smart", action="store_true", help="the meter is read remotely (with --meter-serial)"
    )
    _option(parser, "--distributor", _text, required=required, help="the distributor's name")
    _option(
        parser,
        "--emergency-number",
        _phone,
        required=required,
        help="the distributor's emergency number printed on bills (800 900 999)",
    )


def _add_supply_commands(commands: Any) -> None:
    activate = commands.add_parser(
        "supply-activate",
        help="a supply contract that started (SupplyActivated)",
        description="Publish a new supply: its point, address, offer, meter, distributor, and "
        "how its bills go and are paid. Every value is checked first (the PDR or POD for the "
        "commodity, the IBAN's and the holder's check digits); nothing is published if one is "
        "wrong.",
    )
    _add_identity_options(activate)
    activate.add_argument(
        "--commodity", required=True, choices=("gas", "electricity"), help="gas or electricity"
    )
    activate.add_argument(
        "--point",
        required=True,
        help="the point of delivery: a PDR (14 digits) for gas, a POD (IT001E12345678) for "
        "electricity",
    )
    activate.add_argument(
        "--use",
        choices=("domestic", "non_domestic"),
        default="domestic",
        help="domestic (the default) or non_domestic (a condominium's central heating, a shop)",
    )
    _add_address_options(activate, required=True)
    _add_supply_details(activate, required=True)
    _option(
        activate, "--activated-on", _iso_date, required=True, help="the start date (YYYY-MM-DD)"
    )
    delivery = activate.add_mutually_exclusive_group(required=True)
    delivery.add_argument(
        "--post", action="store_true", help="bills go by post to the supply's address"
    )
    _option(delivery, "--email", _email, metavar="ADDRESS", help="bills go by e-mail (e-bill)")
    payment = activate.add_mutually_exclusive_group(required=True)
    payment.add_argument("--pagopa", action="store_true", help="bills carry a pagoPA notice")
    payment.add_argument(
        "--direct-debit",
        action="store_true",
        help="bills are collected from a bank account: give --holder-name, "
        "--holder-fiscal-code and --iban",
    )
    _option(activate, "--holder-name", _holder_name, help="the account holder's full name")
    _option(
        activate,
        "--holder-fiscal-code",
        check_fiscal_code,
        help="the account holder's codice fiscale or partita IVA",
    )
    _option(activate, "--iban", check_iban, help="the account's IBAN (IT60 X054 2811 ...)")
    _add_bus_options(activate, defaults=False)

    update = commands.add_parser(
        "supply-update",
        help="what changed on an active supply (SupplyUpdated)",
        description="Publish what the back-office changed on a supply: give only what changed.",
    )
    _add_identity_options(update)
    _add_address_options(update, required=False)
    _add_supply_details(update, required=False)
    _add_bus_options(update, defaults=False)

    cease = commands.add_parser(
        "supply-cease",
        help="a supply contract that ended (SupplyCeased)",
        description="Publish the end of a supply contract; its bills stay visible.",
    )
    _add_identity_options(cease)
    _option(cease, "--ceased-on", _iso_date, required=True, help="the end date (YYYY-MM-DD)")
    _add_bus_options(cease, defaults=False)


def _add_bill_commands(commands: Any) -> None:
    issue = commands.add_parser(
        "bill-issue",
        help="a bill (BillIssued), its lines built from consumption and prices",
        description="Publish a bill: from the consumption, the price per unit and the fixed "
        "part it builds the energy receipt (consumption, fixed and power parts, excise, VAT "
        "at 10% or 22%), whose lines add up to the total. Every value is checked first.",
    )
    _option(issue, "--bill-number", check_bill_number, required=True, help="the invoice number")
    _add_identity_options(issue)
    issue.add_argument(
        "--commodity", required=True, choices=("gas", "electricity"), help="gas or electricity"
    )
    issue.add_argument(
        "--use",
        choices=("domestic", "non_domestic"),
        default="domestic",
        help="domestic (the default: VAT 10%%) or non_domestic (VAT 22%%)",
    )
    issue.add_argument(
        "--resident",
        action="store_true",
        help="electricity: a resident household of up to 3 kW (no excise on 150 kWh a month)",
    )
    _option(issue, "--period-start", _iso_date, required=True, help="first day billed")
    _option(issue, "--period-end", _iso_date, required=True, help="last day billed")
    _option(issue, "--issued-on", _iso_date, required=True, help="the issue date")
    _option(
        issue,
        "--due-on",
        _iso_date,
        help=f"the due date (default: {DUE_DAYS} days after the issue date)",
    )
    _option(
        issue,
        "--consumption",
        _quantity,
        required=True,
        metavar="QTY",
        help="what the period used: Smc for gas, kWh for electricity",
    )
    _option(
        issue,
        "--unit-price",
        _unit_price,
        required=True,
        metavar="EUR",
        help="the price per Smc or kWh before taxes (0.66)",
    )
    _option(
        issue, "--fixed", _euro_cents, required=True, metavar="EUR", help="the fixed part (23.00)"
    )
    _option(
        issue,
        "--power-fee",
        _euro_cents,
        metavar="EUR",
        help="electricity: the power part (quota potenza) for the period",
    )
    _option(
        issue,
        "--reading",
        _reading,
        metavar="VALUE",
        help="the meter reading the bill used (one register)",
    )
    for band in BANDS:
        _option(
            issue,
            f"--reading-{band.lower()}",
            _reading,
            metavar="VALUE",
            help=f"electricity, a meter per time band: the reading of {band} (all three bands)",
        )
    _option(
        issue,
        "--reading-on",
        _iso_date,
        help="the day of that reading (default: --period-end); a customer's self-reading "
        "is often a few days off it",
    )
    issue.add_argument(
        "--reading-kind",
        choices=("actual", "self", "estimated"),
        default="actual",
        help="whose reading it is: the distributor's (actual, the default), the "
        "customer's (self) or an estimate",
    )
    _option(
        issue,
        "--reading-window-opens",
        _iso_date,
        help="the first day a self-reading counts for the next bill (with "
        "--reading-window-closes: the bill prints the window)",
    )
    _option(
        issue,
        "--reading-window-closes",
        _iso_date,
        help="the last day of that window",
    )
    issue.add_argument(
        "--payment-method",
        required=True,
        choices=("pagopa", "direct_debit"),
        help="pagopa (the bill carries a notice) or direct_debit",
    )
    _option(
        issue,
        "--notice-position",
        check_notice_position,
        help="pagoPA only: the notice's 13-digit position (default: derived from the number)",
    )
    _add_bus_options(issue, defaults=False)

    cancel = commands.add_parser(
        "bill-cancel",
        help="a bill issued in error (BillCancelled)",
        description="Publish the cancellation of a bill: it shows as cancelled, nothing to pay.",
    )
    _option(cancel, "--bill-number", check_bill_number, required=True, help="the invoice number")
    _option(cancel, "--customer-code", check_customer_code, required=True, help="its holder")
    _option(cancel, "--cancelled-on", _iso_date, required=True, help="when (YYYY-MM-DD)")
    _option(cancel, "--reason", _text, required=True, help="why, as the customer will read it")
    _add_bus_options(cancel, defaults=False)

    credit = commands.add_parser(
        "bill-credit",
        help="a credit note on a bill (BillCredited)",
        description="Publish a credit note that takes an amount off a bill.",
    )
    _option(credit, "--bill-number", check_bill_number, required=True, help="the bill credited")
    _option(credit, "--customer-code", check_customer_code, required=True, help="its holder")
    _option(
        credit,
        "--credit-note-number",
        check_bill_number,
        required=True,
        help="the credit note's number",
    )
    _option(credit, "--credited-on", _iso_date, required=True, help="when (YYYY-MM-DD)")
    _option(
        credit, "--amount", _euro_cents, required=True, metavar="EUR", help="the amount credited"
    )
    _add_bus_options(credit, defaults=False)


_CHANNELS: tuple[str, ...] = get_args(PaymentChannel)
_REJECTION_REASONS: tuple[str, ...] = get_args(RejectionReason)
_TODAY = "today, in Italy"


def _add_payment_commands(commands: Any) -> None:
    register = commands.add_parser(
        "payment-register",
        help="a payment received for a bill (PaymentRegistered)",
        description="Publish a payment the supplier received for a bill, as its back-office "
        "registers it (often days after the customer paid): the whole amount or a part. A "
        "registration id sent again is the same payment, never a second one. Every value is "
        "checked first; nothing is published if one is wrong.",
    )
    _option(
        register,
        "--registration-id",
        _registration_id,
        help="the back-office's id of this payment (default: a new one, REG-...)",
    )
    _option(register, "--bill-number", check_bill_number, required=True, help="the bill paid")
    _option(register, "--customer-code", check_customer_code, required=True, help="its holder")
    _option(
        register,
        "--amount",
        _paid_cents,
        required=True,
        metavar="EUR",
        help="what was paid, in euro (62,61 or 62.61): less than the bill is a partial payment",
    )
    _option(register, "--paid-on", _iso_date, required=True, help="when the customer paid")
    _option(
        register, "--registered-on", _iso_date, help=f"when it was registered (default: {_TODAY})"
    )
    register.add_argument(
        "--channel",
        required=True,
        choices=_CHANNELS,
        help="how the payment reached the supplier: " + ", ".join(_CHANNELS),
    )
    _option(
        register,
        "--payment-id",
        _payment_id,
        help="the online payment it settles, when it is one Sportello told of (PAY-...)",
    )
    _add_bus_options(register, defaults=False)

    plan = commands.add_parser(
        "instalment-plan-approve",
        help="an instalment plan granted for a bill (InstalmentPlanApproved)",
        description="Publish an instalment plan (rateizzazione) for a bill: what the bill still "
        "asks, plus the interest, split into even monthly instalments (the cents left over on "
        "the last), the first due on --first-due-on and each next one a month later.",
    )
    _option(
        plan, "--plan-id", _plan_id, help="the back-office's id of the plan (default: a new one)"
    )
    _option(plan, "--bill-number", check_bill_number, required=True, help="the bill in the plan")
    _option(plan, "--customer-code", check_customer_code, required=True, help="its holder")
    _option(
        plan,
        "--amount",
        _paid_cents,
        required=True,
        metavar="EUR",
        help="what the bill still asks, in euro (312,40)",
    )
    _option(
        plan,
        "--interest",
        _euro_cents,
        default=0,
        metavar="EUR",
        help="the interest, at the ECB reference rate (default: none)",
    )
    _option(
        plan,
        "--instalments",
        _instalment_count,
        required=True,
        metavar="N",
        help="how many monthly instalments: 2 to 72",
    )
    _option(
        plan, "--first-due-on", _iso_date, required=True, help="when the first instalment is due"
    )
    _option(plan, "--approved-on", _iso_date, help=f"when it was granted (default: {_TODAY})")
    _add_bus_options(plan, defaults=False)

    for outcome, what in (("activate", "accepted"), ("refuse", "refused")):
        mandate = commands.add_parser(
            f"mandate-{outcome}",
            help=f"the bank {what} a direct-debit mandate "
            f"(Mandate{'Activated' if outcome == 'activate' else 'Refused'})",
            description=f"Publish that the bank {what} a direct-debit mandate. "
            "mandates-settle answers every mandate Sportello asked for at once.",
        )
        _option(
            mandate,
            "--mandate-reference",
            _mandate_reference,
            required=True,
            help="the mandate's reference, as Sportello sent it (MND-...)",
        )
        _option(mandate, "--customer-code", check_customer_code, required=True, help="its holder")
        if outcome == "activate":
            _option(mandate, "--activated-on", _iso_date, help=f"when (default: {_TODAY})")
        else:
            _option(mandate, "--refused-on", _iso_date, help=f"when (default: {_TODAY})")
            _option(
                mandate, "--reason", _text, required=True, help="why, as the customer will read it"
            )
        _add_bus_options(mandate, defaults=False)


def _add_meter_commands(commands: Any) -> None:
    install = commands.add_parser(
        "meter-install",
        help="a meter installed on a supply, or replacing its meter (MeterInstalled)",
        description="Publish a meter the distributor installed on a supply, with its first "
        "reading: gas meters count m3 (a correction factor where they have no converter), "
        "electricity meters kWh, in one register or one per time band (--banded). A "
        "replacement names the meter it replaces (--replaces) and that meter's last reading "
        "(--removal). The event id comes from the content: publishing it again changes "
        "nothing. Every value is checked first.",
    )
    _add_identity_options(install)
    install.add_argument(
        "--commodity", required=True, choices=("gas", "electricity"), help="gas or electricity"
    )
    install.add_argument(
        "--point",
        required=True,
        help="the point of delivery: a PDR (14 digits) for gas, a POD for electricity",
    )
    _option(install, "--serial", _meter_serial, required=True, help="the meter's serial")
    _option(
        install,
        "--digits",
        _digits,
        required=True,
        metavar="N",
        help="the integer digits on its dial, 3 to 12 (the red decimals are not read)",
    )
    install.add_argument(
        "--banded",
        action="store_true",
        help="electricity: one register per time band (F1, F2, F3) rather than one",
    )
    install.add_argument(
        "--smart",
        action="store_true",
        help="read remotely by the distributor every month (2G electricity meters)",
    )
    _option(
        install,
        "--correction-factor",
        _correction_factor,
        metavar="C",
        help="gas: the coefficient from m3 to standard m3 (Smc), 0.5 to 2 (1.021)",
    )
    _option(install, "--installed-on", _iso_date, required=True, help="the installation day")
    _add_register_options(install, "initial", "its first reading")
    _option(
        install,
        "--replaces",
        _meter_serial,
        metavar="SERIAL",
        help="the serial of the meter it replaces (give its last reading with --removal)",
    )
    _add_register_options(install, "removal", "the replaced meter's last reading")
    _add_bus_options(install, defaults=False)

    prices = commands.add_parser(
        "energy-prices",
        help="an electricity supply's energy prices per time band (EnergyPricesChanged)",
        description="Publish the energy price per time band of an electricity supply from a "
        "day on (what its 15-minute data are costed at: the energy alone, before taxes and "
        "fixed parts): --f1, --f2 and --f3, or --single for one price in all bands.",
    )
    _add_identity_options(prices)
    _option(prices, "--valid-from", _iso_date, required=True, help="the first day they apply")
    for band in BANDS:
        _option(
            prices,
            f"--{band.lower()}",
            _euro_per_kwh,
            metavar="EUR",
            help=f"euro per kWh in {band}, up to 6 decimals (0.142)",
        )
    _option(
        prices, "--single", _euro_per_kwh, metavar="EUR", help="one price per kWh in every band"
    )
    _add_bus_options(prices, defaults=False)

    progress = commands.add_parser(
        "reading-progress",
        help="a step of a customer's reading (ReadingProgressed)",
        description="Publish a step of a customer's self-reading as the distributor reports "
        "it: passed to the distributor (forwarded), then validated or rejected (with a "
        "reason). Each reading passes each step once: the step sent again is the same event. "
        "readings-answer answers every reading waiting at once.",
    )
    _option(
        progress,
        "--reading-id",
        _reading_id,
        required=True,
        help="the reading's id, as Sportello sent it (RDG-...)",
    )
    _add_identity_options(progress)
    progress.add_argument(
        "--step", required=True, choices=get_args(ReadingStep), help="the step it reached"
    )
    progress.add_argument(
        "--reason-code",
        choices=_REJECTION_REASONS,
        help="--step rejected: why, one of " + ", ".join(_REJECTION_REASONS),
    )
    _option(
        progress,
        "--note",
        _text,
        help="--step rejected: the distributor's own words, shown after the reason",
    )
    _option(progress, "--on", _iso_date, help=f"the day of the step (default: {_TODAY})")
    _add_bus_options(progress, defaults=False)

    request_step = commands.add_parser(
        "request-progress",
        help="a step of a customer's request (RequestProgressed)",
        description="Publish the back-office's step on a request filed in the portal: taken "
        "in hand (in_progress), completed or rejected, with its words to the customer. For a "
        "complaint, an information request or a bill correction, completed is the written "
        "answer, and --at after the due day earns the customer the automatic compensation.",
    )
    _option(
        request_step,
        "--request-id",
        _request_id,
        required=True,
        help="the request's id, as Sportello sent it (REQ-...)",
    )
    _option(
        request_step,
        "--customer-code",
        check_customer_code,
        required=True,
        help="the holder's customer code (C00012345)",
    )
    request_step.add_argument(
        "--step", required=True, choices=get_args(BackOfficeStep), help="the step it reached"
    )
    _option(request_step, "--message", _long_text, help="the back-office's words to the customer")
    _option(
        request_step,
        "--at",
        _instant,
        help="when, as an ISO date and time with its offset (default: now)",
    )
    _add_bus_options(request_step, defaults=False)

    answer = commands.add_parser(
        "readings-answer",
        help="answer every customer's reading Sportello passed on (SelfReadingReceived)",
        description="Take every customer's reading waiting in the back-office's queue and "
        "answer it as the distributor would (ReadingProgressed): forwarded, then validated; "
        "or, with --reject-flagged, rejected as implausible when Sportello flagged it. Each "
        "step's event id comes from the reading, so running this again sends nothing twice. "
        "Prints each answer.",
    )
    answer.add_argument(
        "--reject-flagged",
        action="store_true",
        help="reject (implausible) the readings flagged for a consumption far above the usual",
    )
    _option(
        answer,
        "--note",
        _text,
        default=DEFAULT_READING_REJECTION,
        help=f'the distributor\'s words on a rejection (default: "{DEFAULT_READING_REJECTION}")',
    )
    _option(answer, "--on", _iso_date, help=f"the day of the answers (default: {_TODAY})")
    _add_bus_options(answer, defaults=False)

    readings = commands.add_parser(
        "distributor-readings",
        help="distributors' readings in bulk (DistributorReadingsPublished)",
        description="Publish the distributors' readings of a file: JSON Lines of "
        "DistributorReading rows (supply_id, meter_serial, read_on, values, kind), or one "
        f"JSON array of them, in batches of at most {READINGS_PER_BATCH} rows. Only the "
        "shape is checked here (JSON objects): the rows go as they are, and metering "
        "dead-letters the bad ones. Batch ids come from the rows and the batch's place: the "
        "same file published again changes nothing.",
    )
    _option(readings, "--file", _path, required=True, metavar="PATH", help="the rows")
    _add_batch_size_option(readings, READINGS_PER_BATCH)
    _add_bus_options(readings, defaults=False)

    days = commands.add_parser(
        "interval-days",
        help="smart meters' 15-minute data in bulk (IntervalDaysPublished)",
        description="Publish 15-minute electricity data, a day per supply per row, in "
        f"batches of at most {DAYS_PER_BATCH} rows: generated (a household's or an office's "
        "plausible curve, in Wh per quarter from local midnight: 92 quarters the day clocks "
        "go forward, 100 the day they go back; the same for the same --seed), or read from "
        "--file (JSON Lines of IntervalDay rows, or a JSON array, sent as they are: metering "
        "dead-letters the bad ones). Publishing the same days again changes nothing.",
    )
    _option(
        days,
        "--supply-id",
        check_supply_id,
        action="append",
        help="a supply to generate days for (repeat it for several)",
    )
    _option(days, "--first-day", _iso_date, help="the first day to generate")
    _option(days, "--last-day", _iso_date, help="the last day to generate (today at the latest)")
    days.add_argument(
        "--profile",
        choices=CURVE_PROFILES,
        help="whose curve: household (the default) or office",
    )
    _option(days, "--seed", _seed, metavar="N", help="another seed, other curves (default: 0)")
    _option(
        days,
        "--file",
        _path,
        metavar="PATH",
        help="rows to send instead of generated ones (not with the options above)",
    )
    _add_batch_size_option(days, DAYS_PER_BATCH)
    _add_bus_options(days, defaults=False)


def _add_register_options(parser: argparse.ArgumentParser, name: str, what: str) -> None:
    _option(parser, f"--{name}", _reading, metavar="VALUE", help=f"{what}: one register")
    for band in BANDS:
        _option(
            parser,
            f"--{name}-{band.lower()}",
            _reading,
            metavar="VALUE",
            help=f"{what}, per time band: {band} (all three bands)",
        )


def _add_batch_size_option(parser: argparse.ArgumentParser, most: int) -> None:
    _option(
        parser,
        "--batch-size",
        _count_up_to(most),
        default=most,
        metavar="N",
        help=f"rows per batch, 1 to {most} (default: {most})",
    )


def _add_queue_commands(commands: Any) -> None:
    online = commands.add_parser(
        "payments-register-online",
        help="register every online payment Sportello told of (OnlinePaymentSucceeded)",
        description="Take every online payment waiting in the back-office's queue and register "
        "it (PaymentRegistered): the same bill and amount, the channel it was paid with, the day "
        "it was paid, its payment id echoed, and a registration id made from it, so running "
        "this again never registers a payment twice. Prints each registration.",
    )
    _add_bus_options(online, defaults=False)

    settle = commands.add_parser(
        "mandates-settle",
        help="answer every direct-debit mandate Sportello asked for (DirectDebitRequested)",
        description="Take every direct-debit request waiting in the back-office's queue and "
        "answer it as the bank would: its mandate activated (MandateActivated), or refused "
        "(MandateRefused) when its IBAN ends with --refuse-if-iban-ends-with. Prints each "
        "answer, with no more of the IBAN than its last 4 characters.",
    )
    _option(
        settle,
        "--refuse-if-iban-ends-with",
        _iban_end,
        metavar="CHARACTERS",
        help="refuse the mandates whose IBAN ends with these (1 to 8 letters or digits)",
    )
    _option(
        settle,
        "--reason",
        _text,
        default=DEFAULT_REFUSAL,
        help="why a mandate is refused, as the customer will read it "
        f'(default: "{DEFAULT_REFUSAL}")',
    )
    _option(settle, "--on", _iso_date, help=f"the day the bank answered (default: {_TODAY})")
    _add_bus_options(settle, defaults=False)

    refunds = commands.add_parser(
        "refunds-due",
        help="the bills paid more than they asked (BillOverpaid): refunds to make",
        description="Take every bill paid twice that Sportello told of and print the refund "
        "it is due.",
    )
    _add_bus_options(refunds, defaults=False)


def _address(args: argparse.Namespace, required: bool) -> PostalAddress | None:
    options = ("--street", "--number", "--post-code", "--city", "--province")
    missing = [option for option in options if not _given(args, option)]
    if not required and len(missing) == len(options):
        return None
    if missing:
        raise _Refused(missing[0], "an address needs all of " + ", ".join(options))
    return PostalAddress(
        street=args.street,
        number=args.number,
        post_code=args.post_code,
        city=args.city,
        province=args.province,
    )


def _supply_activated(args: argparse.Namespace) -> SupplyActivated:
    try:
        point = check_point(args.commodity, args.point)
    except ValueError as error:
        raise _Refused("--point", str(error)) from None
    if args.commodity == "gas" and args.power is not None:
        raise _Refused("--power", "a gas supply has no contracted power")
    address = _address(args, required=True)
    holder = {
        "--holder-name": args.holder_name,
        "--holder-fiscal-code": args.holder_fiscal_code,
        "--iban": args.iban,
    }
    payment: PagoPaPayment | DirectDebitPayment = PagoPaPayment()
    if args.direct_debit:
        for option, value in holder.items():
            if value is None:
                raise _Refused(option, "a direct debit needs the account holder and the IBAN")
        payment = DirectDebitPayment(
            holder_name=args.holder_name,
            holder_fiscal_code=args.holder_fiscal_code,
            iban=args.iban,
        )
    else:
        for option, value in holder.items():
            if value is not None:
                raise _Refused(option, "only with --direct-debit")
    assert address is not None
    return _built(
        "supply-activate",
        lambda: SupplyActivated(
            supply_id=args.supply_id,
            customer_code=args.customer_code,
            commodity=args.commodity,
            point_id=point,
            address=address,
            use=args.use,
            contracted_power_kw=args.power,
            offer_code=args.offer_code,
            offer_name=args.offer_name,
            meter=Meter(serial=args.meter_serial, smart=args.smart),
            distributor=Distributor(name=args.distributor, emergency_number=args.emergency_number),
            activated_on=args.activated_on,
            delivery=PostalDelivery(address=address)
            if args.post
            else EmailDelivery(email=args.email),
            payment=payment,
        ),
    )


def _supply_updated(args: argparse.Namespace) -> SupplyUpdated:
    pairs = (("--offer-code", "--offer-name"), ("--distributor", "--emergency-number"))
    for first, second in pairs:
        if _given(args, first) != _given(args, second):
            missing, given = (second, first) if _given(args, first) else (first, second)
            raise _Refused(missing, f"needed with {given}")
    if args.smart and args.meter_serial is None:
        raise _Refused("--smart", "goes with --meter-serial")
    changes: dict[str, Any] = {
        "address": _address(args, required=False),
        "contracted_power_kw": args.power,
        "offer_code": args.offer_code,
        "offer_name": args.offer_name,
        "meter": None
        if args.meter_serial is None
        else Meter(serial=args.meter_serial, smart=args.smart),
        "distributor": None
        if args.distributor is None
        else Distributor(name=args.distributor, emergency_number=args.emergency_number),
    }
    if all(value is None for value in changes.values()):
        raise _Refused("--supply-id", "nothing to update: give what changed")
    return _built(
        "supply-update",
        lambda: SupplyUpdated(
            supply_id=args.supply_id, customer_code=args.customer_code, **changes
        ),
    )


def _supply_ceased(args: argparse.Namespace) -> SupplyCeased:
    return SupplyCeased(
        supply_id=args.supply_id, customer_code=args.customer_code, ceased_on=args.ceased_on
    )


def _bill_issued(args: argparse.Namespace) -> BillIssued:
    if args.period_end < args.period_start:
        raise _Refused("--period-end", "before --period-start")
    if args.issued_on < args.period_end:
        raise _Refused("--issued-on", "before the end of the period billed")
    due_on = args.due_on or args.issued_on + timedelta(days=DUE_DAYS)
    if due_on < args.issued_on:
        raise _Refused("--due-on", "before --issued-on")
    electricity = args.commodity == "electricity"
    if not electricity and (args.power_fee is not None or args.resident):
        option = "--power-fee" if args.power_fee is not None else "--resident"
        raise _Refused(option, "for electricity only")
    pagopa = args.payment_method == "pagopa"
    if not pagopa and args.notice_position is not None:
        raise _Refused("--notice-position", "for pagoPA bills only")
    unit: Literal["Smc", "kWh"] = "kWh" if electricity else "Smc"
    what = "energia" if electricity else "gas"
    charges = [
        charge(
            "consumption", f"Spesa per la materia {what}", args.consumption, unit, args.unit_price
        ),
        BillLine(section="fixed", description="Quota fissa", amount_cents=args.fixed),
    ]
    if args.power_fee is not None:
        charges.append(
            BillLine(section="power", description="Quota potenza", amount_cents=args.power_fee)
        )
    lines = energy_receipt(
        charges,
        commodity=args.commodity,
        use=args.use,
        days=(args.period_end - args.period_start).days + 1,
        taxed_quantity=args.consumption,
        resident_exemption=args.resident,
    )
    readings = _bill_readings(args)
    window = _reading_window(args)
    return _built(
        "bill-issue",
        lambda: BillIssued(
            bill_number=args.bill_number,
            customer_code=args.customer_code,
            supply_id=args.supply_id,
            period_start=args.period_start,
            period_end=args.period_end,
            issued_on=args.issued_on,
            due_on=due_on,
            total_cents=sum(line.amount_cents for line in lines),
            lines=lines,
            consumption={"quantity": args.consumption, "unit": unit},
            readings=readings,
            payment_method=args.payment_method,
            notice_position=(args.notice_position or notice_position_for(args.bill_number))
            if pagopa
            else None,
            next_reading_window=window,
        ),
    )


def _bill_readings(args: argparse.Namespace) -> tuple[ReadingUsed, ...]:
    """The reading the bill used: one register, or (electricity) one per band; on the last
    day billed unless --reading-on says otherwise (a customer's reading of a few days before)."""
    bands = _registers(args, "reading")
    if bands is None:
        if args.reading_on is not None:
            raise _Refused("--reading-on", "goes with --reading (or --reading-f1, -f2 and -f3)")
        return ()
    if "total" not in bands and args.commodity != "electricity":
        raise _Refused("--reading-f1", "for electricity only (a register per time band)")
    read_on = args.reading_on or args.period_end
    if read_on > args.issued_on:
        raise _Refused("--reading-on", "after --issued-on: a bill uses readings taken before it")
    return tuple(
        ReadingUsed(
            read_on=read_on,
            value=value,
            kind=args.reading_kind,
            band=None if register == "total" else register,
        )
        for register, value in bands.items()
    )


def _reading_window(args: argparse.Namespace) -> ReadingWindow | None:
    opens, closes = args.reading_window_opens, args.reading_window_closes
    if opens is None and closes is None:
        return None
    if opens is None or closes is None:
        missing, given = (
            ("--reading-window-closes", "--reading-window-opens")
            if closes is None
            else ("--reading-window-opens", "--reading-window-closes")
        )
        raise _Refused(missing, f"needed with {given}: a window opens and closes")
    if closes < opens:
        raise _Refused("--reading-window-closes", "before --reading-window-opens")
    if closes < args.issued_on:
        raise _Refused(
            "--reading-window-closes", "before --issued-on: the window is for the next reading"
        )
    return ReadingWindow(opens_on=opens, closes_on=closes)


def _registers(args: argparse.Namespace, name: str) -> dict[Register, int] | None:
    """The registers given as --NAME, or as --NAME-f1, -f2 and -f3 (all three); None if
    neither."""
    single: int | None = getattr(args, name)
    bands = {band: getattr(args, f"{name}_{band.lower()}") for band in BANDS}
    given = [band for band, value in bands.items() if value is not None]
    if single is not None and given:
        raise _Refused(
            f"--{name}-{given[0].lower()}", f"either --{name} or --{name}-f1, -f2 and -f3"
        )
    if single is not None:
        return {"total": single}
    if not given:
        return None
    missing = [band for band in BANDS if band not in given]
    if missing:
        raise _Refused(
            f"--{name}-{missing[0].lower()}",
            f"needed with --{name}-{given[0].lower()}: one value for each band",
        )
    return {band: bands[band] for band in BANDS}


def _meter_installed(args: argparse.Namespace) -> MeterInstalled:
    try:
        point = check_point(args.commodity, args.point)
    except ValueError as error:
        raise _Refused("--point", str(error)) from None
    gas = args.commodity == "gas"
    if gas and args.banded:
        raise _Refused("--banded", "a gas meter has no time bands")
    if not gas and args.correction_factor is not None:
        raise _Refused("--correction-factor", "for gas meters only")
    initial = _registers(args, "initial")
    if initial is None:
        raise _Refused(
            "--initial", "the meter's first reading is needed (--initial-f1, -f2 and -f3 if banded)"
        )
    _fits_the_meter(args, "initial", initial)
    removal = _registers(args, "removal")
    if args.replaces is None and removal is not None:
        option = "--removal" if "total" in removal else "--removal-f1"
        raise _Refused(option, "only with --replaces")
    if args.replaces is not None:
        if removal is None:
            raise _Refused("--removal", "needed with --replaces: the replaced meter's last reading")
        if args.replaces == args.serial:
            raise _Refused("--replaces", "a meter does not replace itself")
    return _built(
        "meter-install",
        lambda: meter_installed(
            supply_id=args.supply_id,
            customer_code=args.customer_code,
            commodity=args.commodity,
            point_id=point,
            serial=args.serial,
            digits=args.digits,
            installed_on=args.installed_on,
            initial=initial,
            banded=args.banded,
            smart=args.smart,
            correction_factor=args.correction_factor,
            replaces=args.replaces,
            removal=removal,
        ),
    )


def _fits_the_meter(args: argparse.Namespace, name: str, values: dict[Register, int]) -> None:
    """The registers of the meter (one, or one per band if --banded), each within its digits."""
    option = f"--{name}" if "total" in values else f"--{name}-f1"
    if args.banded and "total" in values:
        raise _Refused(option, f"a --banded meter is read per band: --{name}-f1, -f2 and -f3")
    if not args.banded and "total" not in values:
        raise _Refused(option, "per band for a --banded meter only")
    for register, value in values.items():
        if value >= 10**args.digits:
            where = f"--{name}" if register == "total" else f"--{name}-{register.lower()}"
            raise _Refused(where, f"more digits than the meter has ({args.digits})")


def _energy_prices(args: argparse.Namespace) -> EnergyPricesChanged:
    bands = {band: getattr(args, band.lower()) for band in BANDS}
    missing = [band for band, price in bands.items() if price is None]
    if args.single is not None:
        if len(missing) < len(BANDS):
            raise _Refused("--single", "either --single or --f1, --f2 and --f3")
        prices: Decimal | dict[Band, Decimal] = args.single
    elif len(missing) == len(BANDS):
        raise _Refused("--f1", "give --f1, --f2 and --f3 (euro per kWh), or --single")
    elif missing:
        raise _Refused(f"--{missing[0].lower()}", "needed: a price for each band (or --single)")
    else:
        prices = bands
    return _built(
        "energy-prices",
        lambda: energy_prices_changed(
            supply_id=args.supply_id,
            customer_code=args.customer_code,
            valid_from=args.valid_from,
            euro_per_kwh=prices,
        ),
    )


def _reading_progressed(args: argparse.Namespace) -> ReadingProgressed:
    rejected = args.step == "rejected"
    if rejected and args.reason_code is None:
        raise _Refused("--reason-code", "needed with --step rejected")
    for option in ("--reason-code", "--note"):
        if not rejected and _given(args, option):
            raise _Refused(option, "for --step rejected only")
    return _built(
        "reading-progress",
        lambda: ReadingProgressed(
            reading_id=args.reading_id,
            customer_code=args.customer_code,
            supply_id=args.supply_id,
            step=args.step,
            on=args.on or today_in_italy(),
            reason_code=args.reason_code,
            note=args.note,
        ),
    )


def _request_progressed(args: argparse.Namespace) -> RequestProgressed:
    return _built(
        "request-progress",
        lambda: RequestProgressed(
            request_id=args.request_id,
            customer_code=args.customer_code,
            step=args.step,
            at=args.at or datetime.now(UTC),
            message=args.message,
        ),
    )


def _file_rows(path: Path) -> list[dict[str, JsonValue]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _Refused("--file", f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise _Refused("--file", f"cannot read {path} ({reason})") from None
    try:
        return rows_from_json(text)
    except ValueError as error:
        raise _Refused("--file", f"{path}: {error}") from None


def _distributor_readings(args: argparse.Namespace) -> list[Batch]:
    return list(distributor_reading_batches(_file_rows(args.file), most=args.batch_size))


# Generating a year of days at a time is plenty for a test or a demo; a longer run of days is
# more likely a typo in a year.
MOST_DAYS_GENERATED = 366


def _interval_days(args: argparse.Namespace) -> list[Batch]:
    generating = ("--supply-id", "--first-day", "--last-day", "--profile", "--seed")
    if args.file is not None:
        given = [option for option in generating if _given(args, option)]
        if given:
            raise _Refused(given[0], "not with --file: the file gives the days")
        return list(interval_day_batches(_file_rows(args.file), most=args.batch_size))
    for option in generating[:3]:
        if not _given(args, option):
            raise _Refused(option, "needed to generate days (or give --file)")
    if args.last_day < args.first_day:
        raise _Refused("--last-day", "before --first-day")
    if args.last_day > today_in_italy():
        raise _Refused("--last-day", "after today: a meter measures the days gone by")
    if (args.last_day - args.first_day).days >= MOST_DAYS_GENERATED:
        raise _Refused("--last-day", f"at most {MOST_DAYS_GENERATED} days at a time")
    rows = curve_days(
        list(dict.fromkeys(args.supply_id)),
        days_between(args.first_day, args.last_day),
        args.profile or "household",
        args.seed or 0,
    )
    return list(interval_day_batches(rows, most=args.batch_size))


def _bill_cancelled(args: argparse.Namespace) -> BillCancelled:
    return BillCancelled(
        bill_number=args.bill_number,
        customer_code=args.customer_code,
        cancelled_on=args.cancelled_on,
        reason=args.reason,
    )


def _bill_credited(args: argparse.Namespace) -> BillCredited:
    if args.amount == 0:
        raise _Refused("--amount", "more than zero")
    if args.credit_note_number == args.bill_number:
        raise _Refused("--credit-note-number", "a number of its own, not the bill's")
    return BillCredited(
        bill_number=args.bill_number,
        customer_code=args.customer_code,
        credit_note_number=args.credit_note_number,
        credited_on=args.credited_on,
        amount_cents=args.amount,
    )


def _payment_registered(args: argparse.Namespace) -> PaymentRegistered:
    registered_on = args.registered_on or today_in_italy()
    if registered_on < args.paid_on:
        given = "--registered-on" if args.registered_on else "--paid-on"
        raise _Refused(given, "a payment is registered on or after the day it was paid")
    return _built(
        "payment-register",
        lambda: PaymentRegistered(
            registration_id=args.registration_id or f"REG-{uuid4().hex[:16].upper()}",
            bill_number=args.bill_number,
            customer_code=args.customer_code,
            amount_cents=args.amount,
            paid_on=args.paid_on,
            registered_on=registered_on,
            channel=args.channel,
            payment_id=args.payment_id,
        ),
    )


def _instalment_plan_approved(args: argparse.Namespace) -> InstalmentPlanApproved:
    approved_on = args.approved_on or today_in_italy()
    if args.first_due_on < approved_on:
        raise _Refused("--first-due-on", "before the plan is approved (--approved-on)")
    try:
        instalments = monthly_instalments(
            args.amount + args.interest, args.instalments, args.first_due_on
        )
    except ValueError as error:
        raise _Refused("--amount", str(error)) from None
    return _built(
        "instalment-plan-approve",
        lambda: InstalmentPlanApproved(
            plan_id=args.plan_id or f"PLAN-{uuid4().hex[:12].upper()}",
            bill_number=args.bill_number,
            customer_code=args.customer_code,
            approved_on=approved_on,
            interest_cents=args.interest,
            instalments=instalments,
        ),
    )


def _mandate_activated(args: argparse.Namespace) -> MandateActivated:
    return _built(
        "mandate-activate",
        lambda: MandateActivated(
            mandate_reference=args.mandate_reference,
            customer_code=args.customer_code,
            activated_on=args.activated_on or today_in_italy(),
        ),
    )


def _mandate_refused(args: argparse.Namespace) -> MandateRefused:
    return _built(
        "mandate-refuse",
        lambda: MandateRefused(
            mandate_reference=args.mandate_reference,
            customer_code=args.customer_code,
            refused_on=args.refused_on or today_in_italy(),
            reason=args.reason,
        ),
    )


P = TypeVar("P", bound=EventPayload)


def _built(command: str, build: Callable[[], P]) -> P:
    """`build()`, its contract's refusal (which the options' checks should have caught) as one
    line naming the option the field comes from."""
    try:
        return build()
    except ValidationError as error:
        first = error.errors()[0]
        field = next((str(part) for part in reversed(first["loc"]) if isinstance(part, str)), "")
        option = f"--{field.replace('_', '-')}" if field else command
        raise _Refused(option, first["msg"]) from None


def _given(args: argparse.Namespace, option: str) -> bool:
    return getattr(args, option.removeprefix("--").replace("-", "_")) is not None


_PAYLOADS: dict[str, Callable[[argparse.Namespace], EventPayload]] = {
    "supply-activate": _supply_activated,
    "supply-update": _supply_updated,
    "supply-cease": _supply_ceased,
    "bill-issue": _bill_issued,
    "bill-cancel": _bill_cancelled,
    "bill-credit": _bill_credited,
    "payment-register": _payment_registered,
    "instalment-plan-approve": _instalment_plan_approved,
    "mandate-activate": _mandate_activated,
    "mandate-refuse": _mandate_refused,
    "meter-install": _meter_installed,
    "energy-prices": _energy_prices,
    "reading-progress": _reading_progressed,
    "request-progress": _request_progressed,
}
# The commands that publish in bulk: one batch after the other.
_BATCHES: dict[str, Callable[[argparse.Namespace], list[Batch]]] = {
    "distributor-readings": _distributor_readings,
    "interval-days": _interval_days,
}


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    chosen: argparse.ArgumentParser = commands.choices[command]
    return chosen


async def _main(args: argparse.Namespace, payloads: list[EventPayload]) -> None:
    async with BackOffice(args.rabbitmq_url, args.prefix) as backoffice:
        if args.command == "demo":
            # Imported here: the demo module builds on this one.
            from sportello_deploy.demo import load_demo_data

            counts = await load_demo_data(backoffice, date.today())
            print(
                f"demo published: {counts.customers} customers, {counts.supplies} supplies, "
                f"{counts.bills} bills, {counts.payments} payments, {counts.plans} "
                f"instalment plan{'s' if counts.plans != 1 else ''}, {counts.meters} meters, "
                f"{counts.distributor_readings} distributor readings, {counts.interval_days} "
                "days of 15-minute data"
            )
            return
        if args.command in _READERS:
            await _READERS[args.command](backoffice, args)
            return
        if payloads:
            for payload in payloads:
                event = await _published(backoffice, payload)
                print(f"published {event.type} {event.event_id}{_batch_note(payload)}", flush=True)
            return
        customer = NewCustomer(
            customer_code=args.customer_code,
            fiscal_code=args.fiscal_code,
            full_name=args.name,
            email=args.email,
            registration_pin=args.pin,
        )
        for event in await backoffice.onboard(customer):
            print(f"published {event.type} {event.event_id}")


async def _published(backoffice: BackOffice, payload: EventPayload) -> Event[EventPayload]:
    """Through the method that checks the payload or fixes its event id, where there is one."""
    if isinstance(payload, SupplyActivated):
        return await backoffice.activate_supply(payload)
    if isinstance(payload, PaymentRegistered):
        return await backoffice.register_payment(payload)
    if isinstance(payload, InstalmentPlanApproved):
        return await backoffice.approve_instalment_plan(payload)
    if isinstance(payload, MandateActivated):
        return await backoffice.activate_mandate(payload)
    if isinstance(payload, MandateRefused):
        return await backoffice.refuse_mandate(payload)
    if isinstance(payload, MeterInstalled):
        return await backoffice.install_meter(payload)
    if isinstance(payload, EnergyPricesChanged):
        return await backoffice.change_energy_prices(payload)
    if isinstance(payload, ReadingProgressed):
        return await backoffice.progress_reading(payload)
    if isinstance(payload, DistributorReadingsPublished | IntervalDaysPublished):
        return await backoffice.publish_batch(payload)
    return await backoffice.publish(payload)


def _batch_note(payload: EventPayload) -> str:
    if isinstance(payload, DistributorReadingsPublished | IntervalDaysPublished):
        return f" (batch {payload.batch_id}, {len(payload.rows)} rows)"
    return ""


# What the commands that read the back-office's queues print: one line per message.


def _euro(cents: int) -> str:
    return f"{cents / 100:.2f} EUR"


def _registration_line(payment: PaymentRegistered) -> str:
    return (
        f"registered {payment.payment_id} as {payment.registration_id}: bill "
        f"{payment.bill_number} ({payment.customer_code}), {_euro(payment.amount_cents)} by "
        f"{payment.channel}, paid on {payment.paid_on}"
    )


def _mandate_line(settled: SettledMandate) -> str:
    outcome = settled.outcome
    customers = ", ".join(settled.customer_codes)
    what = f"{outcome.mandate_reference} (customer {customers}, IBAN ending {settled.iban_ending})"
    if isinstance(outcome, MandateRefused):
        return f"refused {what}: {outcome.reason}"
    return f"activated {what}"


def _refund_line(overpaid: BillOverpaid) -> str:
    return (
        f"refund {_euro(overpaid.refund_cents)} on bill {overpaid.bill_number} "
        f"({overpaid.customer_code}): paid {_euro(overpaid.paid_cents)} of "
        f"{_euro(overpaid.owed_cents)}, registration {overpaid.registration_id}"
    )


def _summary(taken: Taken[Any], one: str, many: str, done: str) -> None:
    for reason in taken.set_aside:
        print(f"set aside (to the dead letters): {reason}")
    count = len(taken.handled)
    if count == 0 and not taken.set_aside:
        print(f"no {one} waiting")
    else:
        print(f"{count} {one if count == 1 else many} {done}")


async def _register_online(backoffice: BackOffice, args: argparse.Namespace) -> None:
    taken = await backoffice.register_online_payments(
        each=lambda payment: print(_registration_line(payment), flush=True)
    )
    _summary(taken, "online payment", "online payments", "registered")


async def _settle_mandates(backoffice: BackOffice, args: argparse.Namespace) -> None:
    taken = await backoffice.settle_mandates(
        on=args.on,
        refuse_if_iban_ends_with=args.refuse_if_iban_ends_with,
        reason=args.reason,
        each=lambda settled: print(_mandate_line(settled), flush=True),
    )
    _summary(taken, "mandate request", "mandate requests", "answered")


async def _refunds_due(backoffice: BackOffice, args: argparse.Namespace) -> None:
    taken = await backoffice.take_refunds_due(
        each=lambda overpaid: print(_refund_line(overpaid), flush=True)
    )
    _summary(taken, "refund", "refunds", "due")


def _answer_line(answered: AnsweredReading) -> str:
    received, last = answered.received, answered.steps[-1]
    values = ", ".join(f"{register} {value}" for register, value in received.values.items())
    what = (
        f"{received.reading_id} (supply {received.supply_id}, customer "
        f"{received.customer_code}): read on {received.read_on}, {values} {received.unit}"
    )
    flagged = f"; flagged: {received.flag_reason or 'consumption far above the usual'}"
    if last.step == "rejected":
        return f"forwarded and rejected ({last.reason_code}) {what}{flagged}"
    return f"forwarded and validated {what}{flagged if received.flagged else ''}"


async def _answer_readings(backoffice: BackOffice, args: argparse.Namespace) -> None:
    taken = await backoffice.answer_readings(
        on=args.on,
        reject_flagged=args.reject_flagged,
        note=args.note,
        each=lambda answered: print(_answer_line(answered), flush=True),
    )
    _summary(taken, "reading", "readings", "answered")


_READERS = {
    "payments-register-online": _register_online,
    "mandates-settle": _settle_mandates,
    "refunds-due": _refunds_due,
    "readings-answer": _answer_readings,
}


def main() -> None:
    parser = _parser()
    args = parser.parse_args()
    payloads: list[EventPayload] = []
    # Every value checked before any connection: nothing is published if one is wrong.
    try:
        if args.command in _PAYLOADS:
            payloads = [_PAYLOADS[args.command](args)]
        elif args.command in _BATCHES:
            payloads = list(_BATCHES[args.command](args))
    except _Refused as refused:
        _subparser(parser, args.command).error(f"argument {refused.option}: {refused.reason}")
    # Failures are reported below in one line; the client libraries' own log lines would only
    # repeat them.
    for name in ("aio_pika", "aiormq"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        asyncio.run(_main(args, payloads))
    except (NotPublished, NotRead) as error:
        sys.exit(f"sportello-backoffice: {error}")
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
