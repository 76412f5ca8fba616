"""`sportello-backoffice`'s meter and reading commands: what each option takes and refuses, in
one line naming the option, before any connection; the builders the commands and the tests
share; fixed event ids; and how the simulator answers the customers' readings. No broker."""

import json
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import JsonValue

from sportello_contracts.bills import BillIssued
from sportello_contracts.readings import (
    DAYS_PER_BATCH,
    READINGS_PER_BATCH,
    DistributorReading,
    DistributorReadingsPublished,
    EnergyPricesChanged,
    IntervalDay,
    IntervalDaysPublished,
    MeterInstalled,
    ReadingProgressed,
    SelfReadingReceived,
)
from sportello_deploy.backoffice import (
    DEFAULT_READING_REJECTION,
    Batch,
    Unusable,
    answer_reading,
    batch_event_id,
    content_event_id,
    distributor_reading_batches,
    interval_day_batches,
    meter_installed,
    reading_step_event_id,
    rows_from_json,
    today_in_italy,
)
from sportello_deploy.backoffice_cli import _BATCHES, _PAYLOADS, _parser, _subparser, main

NOWHERE = ["--rabbitmq-url", "amqp://guest:guest@127.0.0.1:9/", "--prefix", "nowhere"]
READING_ID = "RDG-8C1D2E3F4A5B6C7D8E9F"


def _payload(*args: str) -> object:
    parsed = _parser().parse_args(list(args))
    return _PAYLOADS[parsed.command](parsed)


def _batches(*args: str) -> list[Batch]:
    parsed = _parser().parse_args(list(args))
    return list(_BATCHES[parsed.command](parsed))


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


def _args(command: str, values: dict[str, str | None]) -> list[str]:
    """`values` as options: "" is a flag, None an option left out."""
    given = {option: value for option, value in values.items() if value is not None}
    flags = [option for option, value in given.items() if value == ""]
    return [command, *(p for o, v in given.items() if v for p in (o, v)), *flags]


def _gas_meter(**changes: str | None) -> list[str]:
    values: dict[str, str | None] = {
        "--supply-id": "FG10001",
        "--customer-code": "C00010001",
        "--commodity": "gas",
        "--point": "0088 1234 5678 90",
        "--serial": "PGM-0457812",
        "--digits": "5",
        "--correction-factor": "1,021",
        "--installed-on": "2021-09-01",
        "--initial": "04812",
        **changes,
    }
    return _args("meter-install", values)


def _power_meter(**changes: str | None) -> list[str]:
    values: dict[str, str | None] = {
        "--supply-id": "FE10001",
        "--customer-code": "C00010001",
        "--commodity": "electricity",
        "--point": "IT002E12345678",
        "--serial": "2G-ARE-88213405",
        "--digits": "6",
        "--banded": "",
        "--smart": "",
        "--installed-on": "2021-04-01",
        "--initial-f1": "7115",
        "--initial-f2": "6684",
        "--initial-f3": "7762",
        "--replaces": "1G-ARE-30117746",
        "--removal-f1": "3993",
        "--removal-f2": "3751",
        "--removal-f3": "4356",
        **changes,
    }
    return _args("meter-install", values)


# Meters.


def test_a_gas_meter_counts_m3_with_its_correction_factor_in_one_register() -> None:
    installed = _payload(*_gas_meter())
    assert isinstance(installed, MeterInstalled)
    assert (installed.point_id, installed.meter.unit, installed.meter.digits) == (
        "00881234567890",
        "m3",
        5,
    )
    assert installed.meter.correction_factor == Decimal("1.021")
    assert (installed.meter.banded, installed.meter.smart) == (False, False)
    assert installed.initial == {"total": 4812}
    assert (installed.replaced_serial, installed.removal) == (None, None)
    # What goes on the bus is what the contract reads back, validators included.
    assert MeterInstalled.model_validate_json(installed.model_dump_json()) == installed


def test_a_smart_banded_meter_replacing_another_gives_both_readings_per_band() -> None:
    installed = _payload(*_power_meter())
    assert isinstance(installed, MeterInstalled)
    assert installed.meter.registers == ("F1", "F2", "F3")
    assert (installed.meter.unit, installed.meter.smart) == ("kWh", True)
    assert installed.initial == {"F1": 7115, "F2": 6684, "F3": 7762}
    assert installed.replaced_serial == "1G-ARE-30117746"
    assert installed.removal == {"F1": 3993, "F2": 3751, "F3": 4356}
    # The replaced meter may have had one register: its last reading is taken as it was.
    single = _payload(
        *_power_meter(
            **{"--removal-f1": None, "--removal-f2": None, "--removal-f3": None},
            **{"--removal": "12100"},
        )
    )
    assert isinstance(single, MeterInstalled)
    assert single.removal == {"total": 12100}


@pytest.mark.parametrize(
    ("args", "option", "reason"),
    [
        (_gas_meter(**{"--digits": "2"}), "--digits", "from 3 to 12"),
        (_gas_meter(**{"--digits": "cinque"}), "--digits", "from 3 to 12"),
        (_gas_meter(**{"--initial": "123456"}), "--initial", "more digits than the meter has (5)"),
        (_gas_meter(**{"--initial": "-3"}), "--initial", "digits"),
        (_gas_meter(**{"--initial": None}), "--initial", "first reading is needed"),
        (_gas_meter(**{"--banded": ""}), "--banded", "a gas meter has no time bands"),
        (_gas_meter(**{"--correction-factor": "2.5"}), "--correction-factor", "from 0.5 to 2"),
        (
            _gas_meter(**{"--correction-factor": "1.0000001"}),
            "--correction-factor",
            "at most 6 decimals",
        ),
        (_gas_meter(**{"--point": "IT002E12345678"}), "--point", "a PDR is 14 digits"),
        (_gas_meter(**{"--installed-on": "01/09/2021"}), "--installed-on", "YYYY-MM-DD"),
        (_gas_meter(**{"--serial": "PGM 1"}), "--serial", "letters, digits or dashes"),
        (
            _gas_meter(**{"--initial-f1": "1"}),
            "--initial-f1",
            "either --initial or --initial-f1, -f2 and -f3",
        ),
        (_gas_meter(**{"--removal": "4000"}), "--removal", "only with --replaces"),
        (
            _power_meter(**{"--correction-factor": "1.02"}),
            "--correction-factor",
            "for gas meters only",
        ),
        (_power_meter(**{"--initial-f3": None}), "--initial-f3", "one value for each band"),
        (
            [
                *_power_meter(**{"--initial-f1": None, "--initial-f2": None, "--initial-f3": None}),
                *("--initial", "21561"),
            ],
            "--initial",
            "a --banded meter is read per band",
        ),
        (_power_meter(**{"--banded": None}), "--initial-f1", "for a --banded meter only"),
        (
            _power_meter(**{"--initial-f2": "1000000"}),
            "--initial-f2",
            "more digits than the meter has (6)",
        ),
        (
            _power_meter(**{"--removal-f1": None, "--removal-f2": None, "--removal-f3": None}),
            "--removal",
            "needed with --replaces",
        ),
        (_power_meter(**{"--replaces": "2G-ARE-88213405"}), "--replaces", "not replace itself"),
        (_power_meter(**{"--point": "00881234567890"}), "--point", "a POD is IT"),
    ],
)
def test_a_meter_the_back_office_would_never_install_exits_2_naming_the_option(
    args: list[str],
    option: str,
    reason: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    line = _refused(args, capsys, monkeypatch)
    assert f"argument {option}:" in line
    assert reason in line


def _built_meter(**changes: object) -> MeterInstalled:
    values: dict[str, object] = {
        "supply_id": "FE10001",
        "customer_code": "C00010001",
        "commodity": "electricity",
        "point_id": "IT002E12345678",
        "serial": "2G-1",
        "digits": 6,
        "installed_on": date(2026, 1, 1),
        "initial": 1,
        **changes,
    }
    return meter_installed(**values)  # type: ignore[arg-type]


def test_the_meter_builder_is_held_to_the_contracts_rules() -> None:
    assert _built_meter().initial == {"total": 1}
    with pytest.raises(ValueError, match="gas meter has no time bands"):
        _built_meter(commodity="gas", point_id="00881234567890", banded=True)
    with pytest.raises(ValueError, match="more digits than the meter"):
        _built_meter(digits=3, initial=1000)
    with pytest.raises(ValueError, match="both replaced_serial and removal"):
        _built_meter(replaces="X")
    with pytest.raises(ValueError, match="must give the registers F1, F2, F3"):
        _built_meter(banded=True)


# Prices and the steps of a reading.


def test_energy_prices_are_given_per_band_or_as_one_price_for_all() -> None:
    common = ["--supply-id", "FE10001", "--customer-code", "C00010001"]
    common += ["--valid-from", "2026-10-01"]
    banded = _payload("energy-prices", *common, "--f1", "0,142", "--f2", "0.128", "--f3", "0.109")
    assert isinstance(banded, EnergyPricesChanged)
    assert banded.euro_per_kwh == {
        "F1": Decimal("0.142"),
        "F2": Decimal("0.128"),
        "F3": Decimal("0.109"),
    }
    single = _payload("energy-prices", *common, "--single", "0.13")
    assert isinstance(single, EnergyPricesChanged)
    assert single.euro_per_kwh == dict.fromkeys(("F1", "F2", "F3"), Decimal("0.13"))
    assert single.valid_from == date(2026, 10, 1)


@pytest.mark.parametrize(
    ("extra", "option", "reason"),
    [
        ([], "--f1", "give --f1, --f2 and --f3"),
        (["--f1", "0.1", "--f3", "0.1"], "--f2", "a price for each band"),
        (["--single", "0.1", "--f2", "0.1"], "--single", "either --single or"),
        (["--single", "11"], "--single", "at most 10"),
        (["--f1", "0.1234567", "--f2", "0.1", "--f3", "0.1"], "--f1", "at most 6 decimals"),
    ],
)
def test_prices_that_cannot_cost_every_band_exit_2_naming_the_option(
    extra: list[str],
    option: str,
    reason: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = ["energy-prices", "--supply-id", "FE10001", "--customer-code", "C00010001"]
    args += ["--valid-from", "2026-10-01", *extra]
    line = _refused(args, capsys, monkeypatch)
    assert f"argument {option}:" in line
    assert reason in line


def _progress(*extra: str) -> list[str]:
    return [
        "reading-progress",
        "--reading-id",
        READING_ID,
        "--supply-id",
        "FG10001",
        "--customer-code",
        "C00010001",
        *extra,
    ]


def test_a_rejection_says_why_and_a_step_is_today_unless_given() -> None:
    rejected = _payload(
        *_progress("--step", "rejected", "--reason-code", "unreadable", "--note", "Foto sfocata")
    )
    assert isinstance(rejected, ReadingProgressed)
    assert (rejected.step, rejected.reason_code, rejected.note) == (
        "rejected",
        "unreadable",
        "Foto sfocata",
    )
    assert rejected.on == today_in_italy()
    forwarded = _payload(*_progress("--step", "forwarded", "--on", "2026-12-01"))
    assert isinstance(forwarded, ReadingProgressed)
    assert (forwarded.on, forwarded.reason_code) == (date(2026, 12, 1), None)


@pytest.mark.parametrize(
    ("extra", "option", "reason"),
    [
        (["--step", "rejected"], "--reason-code", "needed with --step rejected"),
        (["--step", "validated", "--reason-code", "other"], "--reason-code", "rejected only"),
        (["--step", "forwarded", "--note", "Ok"], "--note", "for --step rejected only"),
        (["--step", "billed"], "--step", "invalid choice"),
        (["--step", "rejected", "--reason-code", "wrong"], "--reason-code", "invalid choice"),
        (["--step", "validated", "--on", "ieri"], "--on", "YYYY-MM-DD"),
    ],
)
def test_a_step_the_distributor_would_never_report_exits_2_naming_the_option(
    extra: list[str],
    option: str,
    reason: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    line = _refused(_progress(*extra), capsys, monkeypatch)
    assert f"argument {option}:" in line
    assert reason in line


def test_a_reading_id_not_shaped_as_sportellos_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = _progress("--step", "validated")
    args[args.index(READING_ID)] = "rdg-1"
    assert "argument --reading-id: 3 capital letters" in _refused(args, capsys, monkeypatch)


# The customers' readings, answered as the distributor would.


def _received(**changes: object) -> SelfReadingReceived:
    values: dict[str, object] = {
        "reading_id": READING_ID,
        "customer_code": "C00010001",
        "supply_id": "FG10001",
        "point_id": "00881234567890",
        "commodity": "gas",
        "meter_serial": "PGM-0457812",
        "read_on": date(2026, 11, 30),
        # 23:30 in London, 00:30 the next day in Rome: received on 1 December in Italy.
        "received_at": datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
        "values": {"total": 4521},
        "unit": "m3",
        "consumption": 212,
        "account_id": "acc-1",
        **changes,
    }
    return SelfReadingReceived.model_validate(values)


def test_a_reading_is_forwarded_then_validated_never_before_it_was_received() -> None:
    answered = answer_reading(_received(), date(2026, 11, 29))
    assert [step.step for step in answered.steps] == ["forwarded", "validated"]
    assert all(step.on == date(2026, 12, 1) for step in answered.steps)
    assert all(
        (s.reading_id, s.supply_id, s.customer_code) == (READING_ID, "FG10001", "C00010001")
        for s in answered.steps
    )
    assert answered.outcome == "validated"
    later = answer_reading(_received(), date(2026, 12, 4))
    assert later.steps[-1].on == date(2026, 12, 4)


def test_a_flagged_reading_is_rejected_as_implausible_only_when_asked() -> None:
    flagged = _received(flagged=True, flag_reason="consumo triplo del solito")
    kept = answer_reading(flagged, date(2026, 12, 2))
    assert kept.outcome == "validated"
    rejected = answer_reading(flagged, date(2026, 12, 2), reject_flagged=True)
    assert [step.step for step in rejected.steps] == ["forwarded", "rejected"]
    assert (rejected.steps[-1].reason_code, rejected.steps[-1].note) == (
        "implausible",
        DEFAULT_READING_REJECTION,
    )
    # A reading that is not flagged is validated, rejecting the flagged or not.
    assert answer_reading(_received(), date(2026, 12, 2), reject_flagged=True).outcome == (
        "validated"
    )


def test_a_reading_no_answer_can_name_is_unusable_with_the_field() -> None:
    with pytest.raises(Unusable, match="cannot be answered: reading_id"):
        answer_reading(_received(reading_id="not-ours"), date(2026, 12, 2))


def test_each_step_of_a_reading_has_one_event_id_whatever_the_day() -> None:
    first = answer_reading(_received(), date(2026, 12, 2))
    again = answer_reading(_received(), date(2026, 12, 9))
    ids = [reading_step_event_id(s.reading_id, s.step) for s in first.steps]
    assert ids == [reading_step_event_id(s.reading_id, s.step) for s in again.steps]
    assert len(set(ids)) == 2
    assert reading_step_event_id(READING_ID, "validated") != reading_step_event_id(
        "RDG-0000000000", "validated"
    )


# Bulk rows: files, batches, ids.


def _reading_row(n: int) -> dict[str, JsonValue]:
    return {
        "supply_id": "FG10001",
        "meter_serial": "PGM-0457812",
        "read_on": f"2026-{n % 12 + 1:02d}-01",
        "values": {"total": 4000 + n},
    }


def _write_jsonl(path: Path, rows: Sequence[Mapping[str, JsonValue]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_distributor_readings_of_a_file_go_in_batches_of_at_most_the_size_as_they_are(
    tmp_path: Path,
) -> None:
    bad: dict[str, JsonValue] = {"supply_id": "FG10001", "read_on": "ieri"}  # not ours to judge
    rows = [*(_reading_row(n) for n in range(4)), bad]
    file = _write_jsonl(tmp_path / "readings.jsonl", rows)
    batches = _batches("distributor-readings", "--file", str(file), "--batch-size", "2")
    assert all(isinstance(b, DistributorReadingsPublished) for b in batches)
    assert [len(b.rows) for b in batches] == [2, 2, 1]
    assert [row for b in batches for row in b.rows] == rows
    # The same rows as one JSON array: the same batches, ids included.
    array = tmp_path / "readings.json"
    array.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    assert _batches("distributor-readings", "--file", str(array), "--batch-size", "2") == batches
    ids = [b.batch_id for b in batches]
    assert len(set(ids)) == 3
    assert all(i.startswith("DSTR-") for i in ids)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "no rows"),
        ("\n\n", "no rows"),
        ('{"supply_id": "FG10001"}\nnot json\n', "line 2: not JSON"),
        ('{"a": 1}\n[1, 2]\n', "line 2: not a JSON object"),
        ('[{"a": 1}, 3]', "item 2: not a JSON object"),
        ("[1,", "not a JSON array"),
        ("[]", "no rows"),
    ],
)
def test_a_file_that_is_not_json_objects_is_refused_saying_where(
    content: str,
    reason: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file = tmp_path / "rows.jsonl"
    file.write_text(content, encoding="utf-8")
    line = _refused(["distributor-readings", "--file", str(file)], capsys, monkeypatch)
    assert "argument --file:" in line
    assert reason in line


def test_a_missing_file_or_a_batch_over_the_limit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = str(tmp_path / "none.jsonl")
    assert "no such file" in _refused(
        ["distributor-readings", "--file", missing], capsys, monkeypatch
    )
    file = _write_jsonl(tmp_path / "rows.jsonl", [_reading_row(1)])
    too_many = ["distributor-readings", "--file", str(file), "--batch-size", "10001"]
    assert f"from 1 to {READINGS_PER_BATCH}" in _refused(too_many, capsys, monkeypatch)


def test_batches_split_at_the_contracts_limit_and_validate_against_it() -> None:
    rows = [
        DistributorReading(
            supply_id=f"S{n:06d}",
            meter_serial="M-1",
            read_on=date(2026, 11, 30),
            values={"total": n},
        )
        for n in range(READINGS_PER_BATCH + 1)
    ]
    batches = distributor_reading_batches(rows)
    assert [len(b.rows) for b in batches] == [READINGS_PER_BATCH, 1]
    for batch in batches:
        again = DistributorReadingsPublished.model_validate_json(batch.model_dump_json())
        assert again == batch
        assert all(DistributorReading.model_validate(row) for row in batch.rows)
    days = [
        IntervalDay(supply_id=f"S{n:06d}", day=date(2026, 11, 29), quarter_wh=(1,) * 96)
        for n in range(DAYS_PER_BATCH + 2)
    ]
    assert [len(b.rows) for b in interval_day_batches(days)] == [DAYS_PER_BATCH, 2]
    with pytest.raises(ValueError, match="no rows"):
        interval_day_batches([])
    with pytest.raises(ValueError, match=f"1 to {DAYS_PER_BATCH} rows"):
        interval_day_batches(days, most=DAYS_PER_BATCH + 1)


def test_the_same_rows_make_the_same_batches_and_event_ids_other_rows_others() -> None:
    rows = [_reading_row(n) for n in range(5)]
    first = distributor_reading_batches(rows, most=2)
    again = distributor_reading_batches([dict(row) for row in rows], most=2)
    assert [b.batch_id for b in first] == [b.batch_id for b in again]
    assert [batch_event_id(b) for b in first] == [batch_event_id(b) for b in again]
    other = distributor_reading_batches([*rows[:4], _reading_row(9)], most=2)
    assert {batch_event_id(b) for b in first}.isdisjoint(batch_event_id(b) for b in other)
    # Split otherwise, the same rows are other batches (never the same id for other rows).
    assert {batch_event_id(b) for b in first}.isdisjoint(
        batch_event_id(b) for b in distributor_reading_batches(rows, most=3)
    )


def test_rows_from_json_keeps_rows_as_they_are_skipping_blank_lines() -> None:
    assert rows_from_json('{"a": 1}\n\n  \n{"b": [2]}\n') == [{"a": 1}, {"b": [2]}]
    assert rows_from_json(' [ {"a": 1} ] ') == [{"a": 1}]


# 15-minute data.


def test_interval_days_are_generated_per_supply_and_day_each_with_its_quarters() -> None:
    args = ["interval-days", "--supply-id", "FE10001", "--supply-id", "FE10002"]
    args += ["--first-day", "2026-03-28", "--last-day", "2026-03-30", "--seed", "7"]
    (batch,) = _batches(*args)
    assert isinstance(batch, IntervalDaysPublished)
    days = [IntervalDay.model_validate(row) for row in batch.rows]
    assert [(d.supply_id, d.day) for d in days] == [
        (supply, date(2026, 3, day)) for day in (28, 29, 30) for supply in ("FE10001", "FE10002")
    ]
    assert [len(d.quarter_wh) for d in days] == [96, 96, 92, 92, 96, 96]
    # Generated again: the same batch; another seed: other curves.
    assert _batches(*args) == [batch]
    other_seed = _batches(*args[:-1], "8")
    assert other_seed[0].rows != batch.rows


def test_interval_days_of_a_file_are_sent_as_they_are(tmp_path: Path) -> None:
    short: dict[str, JsonValue] = {"supply_id": "FE10001", "day": "2026-03-02"}
    short["quarter_wh"] = [50] * 95
    file = _write_jsonl(tmp_path / "days.jsonl", [short])
    (batch,) = _batches("interval-days", "--file", str(file))
    assert isinstance(batch, IntervalDaysPublished)
    assert batch.rows == (short,)
    assert batch.batch_id.startswith("CURVE-")


@pytest.mark.parametrize(
    ("extra", "option", "reason"),
    [
        (["--first-day", "2026-03-01", "--last-day", "2026-03-02"], "--supply-id", "needed"),
        (["--supply-id", "FE10001", "--last-day", "2026-03-02"], "--first-day", "or give --file"),
        (
            ["--supply-id", "FE10001", "--first-day", "2026-03-02", "--last-day", "2026-03-01"],
            "--last-day",
            "before --first-day",
        ),
        (
            ["--supply-id", "FE10001", "--first-day", "2026-03-01", "--last-day", "2999-01-01"],
            "--last-day",
            "after today",
        ),
        (
            ["--supply-id", "FE10001", "--first-day", "2024-01-01", "--last-day", "2025-12-31"],
            "--last-day",
            "at most 366 days",
        ),
        (["--supply-id", "fe 1"], "--supply-id", "4 to 30"),
        (["--seed", "-1"], "--seed", "zero or more"),
        (["--profile", "factory"], "--profile", "invalid choice"),
    ],
)
def test_days_that_cannot_be_generated_exit_2_naming_the_option(
    extra: list[str],
    option: str,
    reason: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    line = _refused(["interval-days", *extra], capsys, monkeypatch)
    assert f"argument {option}:" in line
    assert reason in line


def test_a_file_of_days_with_generating_options_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    file = _write_jsonl(tmp_path / "days.jsonl", [{"supply_id": "FE10001"}])
    line = _refused(["interval-days", "--file", str(file), "--seed", "3"], capsys, monkeypatch)
    assert "argument --seed: not with --file" in line


# Bills: the readings they used and the next reading window.


def _bill(*extra: str, commodity: str = "gas") -> list[str]:
    return [
        "bill-issue",
        "--bill-number",
        "B202601-FG10001",
        "--supply-id",
        "FG10001",
        "--customer-code",
        "C00010001",
        "--commodity",
        commodity,
        "--period-start",
        "2026-01-01",
        "--period-end",
        "2026-02-28",
        "--issued-on",
        "2026-03-12",
        "--consumption",
        "310",
        "--unit-price",
        "0.66",
        "--fixed",
        "23",
        "--payment-method",
        "pagopa",
        *extra,
    ]


def test_a_bill_names_the_self_reading_it_used_and_the_next_window() -> None:
    bill = _payload(
        *_bill(
            "--reading",
            "05120",
            "--reading-kind",
            "self",
            "--reading-on",
            "2026-02-26",
            "--reading-window-opens",
            "2026-04-25",
            "--reading-window-closes",
            "2026-04-30",
        )
    )
    assert isinstance(bill, BillIssued)
    (reading,) = bill.readings
    assert (reading.kind, reading.read_on, reading.value, reading.band) == (
        "self",
        date(2026, 2, 26),
        5120,
        None,
    )
    assert bill.next_reading_window is not None
    window = bill.next_reading_window
    assert (window.opens_on, window.closes_on) == (date(2026, 4, 25), date(2026, 4, 30))
    # Without the options: read on the last day billed, and no window.
    plain = _payload(*_bill("--reading", "5120"))
    assert isinstance(plain, BillIssued)
    assert (plain.readings[0].read_on, plain.readings[0].kind) == (date(2026, 2, 28), "actual")
    assert plain.next_reading_window is None


def test_an_electricity_bill_reads_each_band() -> None:
    bands = ("--reading-f1", "7200", "--reading-f2", "6700", "--reading-f3", "7800")
    bill = _payload(*_bill(*bands, commodity="electricity"))
    assert isinstance(bill, BillIssued)
    assert [(r.band, r.value) for r in bill.readings] == [
        ("F1", 7200),
        ("F2", 6700),
        ("F3", 7800),
    ]


@pytest.mark.parametrize(
    ("extra", "option", "reason"),
    [
        (["--reading-window-opens", "2026-04-25"], "--reading-window-closes", "needed with"),
        (["--reading-window-closes", "2026-04-25"], "--reading-window-opens", "needed with"),
        (
            ["--reading-window-opens", "2026-04-25", "--reading-window-closes", "2026-04-20"],
            "--reading-window-closes",
            "before --reading-window-opens",
        ),
        (
            ["--reading-window-opens", "2026-02-20", "--reading-window-closes", "2026-02-25"],
            "--reading-window-closes",
            "before --issued-on",
        ),
        (["--reading-on", "2026-02-26"], "--reading-on", "goes with --reading"),
        (["--reading", "5", "--reading-on", "2026-03-13"], "--reading-on", "after --issued-on"),
        (
            ["--reading-f1", "1", "--reading-f2", "1", "--reading-f3", "1"],
            "--reading-f1",
            "for electricity only",
        ),
        (["--reading", "5", "--reading-f1", "1"], "--reading-f1", "either --reading or"),
    ],
)
def test_a_bills_reading_or_window_that_cannot_be_is_refused(
    extra: list[str],
    option: str,
    reason: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    line = _refused(_bill(*extra), capsys, monkeypatch)
    assert f"argument {option}:" in line
    assert reason in line


# Fixed ids: a command run twice publishes nothing new.


def test_meters_and_prices_take_their_event_id_from_their_content() -> None:
    first, again = _payload(*_gas_meter()), _payload(*_gas_meter())
    assert isinstance(first, MeterInstalled)
    assert isinstance(again, MeterInstalled)
    assert content_event_id(first) == content_event_id(again)
    other = _payload(*_gas_meter(**{"--initial": "4813"}))
    assert isinstance(other, MeterInstalled)
    assert content_event_id(other) != content_event_id(first)
    # The order registers were given in does not matter.
    banded = _payload(*_power_meter())
    assert isinstance(banded, MeterInstalled)
    reordered = banded.model_copy(update={"initial": dict(reversed(list(banded.initial.items())))})
    assert content_event_id(reordered) == content_event_id(banded)


@pytest.mark.parametrize(
    "command",
    [
        "meter-install",
        "energy-prices",
        "reading-progress",
        "readings-answer",
        "distributor-readings",
        "interval-days",
        "bill-issue",
    ],
)
def test_every_reading_commands_help_says_what_each_option_is(command: str) -> None:
    chosen = _subparser(_parser(), command)
    for action in chosen._actions:
        assert action.help, action.option_strings
    shown = chosen.format_help()
    assert shown.startswith(f"usage: sportello-backoffice {command}")
    assert "--prefix" in shown
