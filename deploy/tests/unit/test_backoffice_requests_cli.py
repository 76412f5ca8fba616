"""The simulator's step on a customer's request: what it publishes, and what it refuses."""

import sys
from datetime import UTC, datetime

import pytest

from sportello_contracts.requests import RequestProgressed
from sportello_deploy.backoffice_cli import _PAYLOADS, _parser, _subparser, main

NOWHERE = ["--rabbitmq-url", "amqp://guest:guest@127.0.0.1:9/", "--prefix", "nowhere"]
STEP = ["request-progress", "--request-id", "REQ-0123456789ABCDEF0123",
        "--customer-code", "C00010001"]  # fmt: skip


def _payload(*args: str) -> object:
    parsed = _parser().parse_args(list(args))
    return _PAYLOADS[parsed.command](parsed)


def test_a_step_carries_the_back_offices_words_and_its_time() -> None:
    step = _payload(
        *STEP, "--step", "completed", "--message", "Fatto.", "--at", "2027-01-20T10:00:00+01:00"
    )
    assert isinstance(step, RequestProgressed)
    assert (step.step, step.message) == ("completed", "Fatto.")
    assert step.at == datetime(2027, 1, 20, 9, tzinfo=UTC)


def test_a_step_is_now_unless_given() -> None:
    before = datetime.now(UTC)
    step = _payload(*STEP, "--step", "in_progress")
    assert isinstance(step, RequestProgressed)
    assert before <= step.at <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("extra", "option"),
    [
        (["--step", "done"], "--step"),
        (["--step", "completed", "--at", "2027-01-20T10:00:00"], "--at"),
        (["--step", "completed", "--at", "domani"], "--at"),
    ],
)
def test_a_wrong_option_is_refused_in_one_line_and_nothing_is_published(
    extra: list[str],
    option: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", ["sportello-backoffice", *NOWHERE, *STEP, *extra])
    with pytest.raises(SystemExit) as exit:
        main()
    out, err = capsys.readouterr()
    assert exit.value.code == 2
    assert out == ""
    assert option in err
    assert "Traceback" not in err


def test_its_help_says_what_each_option_is() -> None:
    chosen = _subparser(_parser(), "request-progress")
    for action in chosen._actions:
        assert action.help, action.option_strings
