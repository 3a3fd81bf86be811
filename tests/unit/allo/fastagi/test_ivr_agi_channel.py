"""AgiChannel: STREAM FILE per prompt (escape digits when interruptible), GET DATA, hang-ups."""

from types import MappingProxyType

import pytest

from agi.errors import AgiCommandError, AgiHangup, AgiTimeout
from agi.events import AgiReply
from allo.fastagi.channel import AgiChannel
from ivr.errors import CallerHungUp


def reply(result: str) -> AgiReply:
    return AgiReply(code=200, result=result, data=None, extras=MappingProxyType({}), raw=f"200 result={result}")


class FakeSession:
    """Answers STREAM FILE per prompt name from `results` ("0" by default); an exception is raised."""

    def __init__(self, results=None, digits="", get_data_error=None):
        self.results = results or {}
        self.digits = digits
        self.get_data_error = get_data_error
        self.streamed: list[tuple[str, str]] = []
        self.get_data_calls: list[tuple[str, int, int]] = []
        self.variables: dict[str, str] = {}

    async def stream_file(self, name, escape_digits=""):
        self.streamed.append((name, escape_digits))
        result = self.results.get(name, "0")
        if isinstance(result, Exception):
            raise result
        return reply(result)

    async def get_data(self, prompt, timeout_ms, max_digits):
        self.get_data_calls.append((prompt, timeout_ms, max_digits))
        if self.get_data_error:
            raise self.get_data_error
        return self.digits

    async def set_variable(self, name, value):
        if name == "DEAD":
            raise AgiHangup("gone")
        self.variables[name] = value


async def test_prompts_are_streamed_in_turn_without_escape_digits():
    session = FakeSession()
    channel = AgiChannel(session)
    assert await channel.play(["a", "b"]) == ""
    assert session.streamed == [("a", ""), ("b", "")]
    assert channel.failed_prompts == []


async def test_an_interruptible_prompt_returns_the_key_and_stops():
    session = FakeSession({"b": str(ord("1"))})
    channel = AgiChannel(session)
    assert await channel.play(["a", "b", "c"], interruptible=True) == "1"
    assert session.streamed == [("a", "0123456789*#"), ("b", "0123456789*#")]


@pytest.mark.parametrize(
    ("result", "key"), [("35", "#"), ("42", "*"), ("48", "0"), ("0", ""), ("", ""), ("65", ""), ("x", "")]
)
async def test_keys_from_stream_file_results(result, key):
    channel = AgiChannel(FakeSession({"a": result}))
    assert await channel.play(["a"], interruptible=True) == key


async def test_a_missing_file_is_recorded_and_the_others_played():
    session = FakeSession({"a": "-1", "b": AgiCommandError(520, "usage")})
    channel = AgiChannel(session)
    assert await channel.play(["a", "b", "c"]) == ""
    assert [name for name, _ in session.streamed] == ["a", "b", "c"]
    assert channel.failed_prompts == ["a", "b"]


async def test_hang_up_during_a_prompt_is_caller_hung_up():
    channel = AgiChannel(FakeSession({"b": AgiHangup("gone")}))
    with pytest.raises(CallerHungUp):
        await channel.play(["a", "b", "c"])


async def test_read_digits_is_get_data():
    session = FakeSession(digits="12")
    channel = AgiChannel(session)
    assert await channel.read_digits("allo/code-acces", 10000, 12) == "12"
    assert session.get_data_calls == [("allo/code-acces", 10000, 12)]


async def test_hang_up_during_get_data_is_caller_hung_up():
    channel = AgiChannel(FakeSession(get_data_error=AgiHangup("gone")))
    with pytest.raises(CallerHungUp):
        await channel.read_digits("p", 5000, 1)


async def test_other_agi_errors_are_not_hidden():
    channel = AgiChannel(FakeSession(get_data_error=AgiTimeout("slow")))
    with pytest.raises(AgiTimeout):
        await channel.read_digits("p", 5000, 1)


async def test_set_variable():
    session = FakeSession()
    channel = AgiChannel(session)
    await channel.set_variable("ALLO_ACTION", "queue")
    assert session.variables == {"ALLO_ACTION": "queue"}
    with pytest.raises(CallerHungUp):
        await channel.set_variable("DEAD", "1")
