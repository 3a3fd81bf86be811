from ivr.engine import Journey, PromptName, run_menu
from routing.route import Decision, Route, RouteKind


class FakeChannel:
    def __init__(self, missing: set[str] = frozenset()) -> None:
        self.played: list[str] = []
        self.missing = missing
        self.variables: dict[str, str] = {}

    async def play(self, prompt: str) -> bool:
        self.played.append(prompt)
        return prompt not in self.missing

    async def read_digits(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        return ""

    async def set_variable(self, name: str, value: str) -> None:
        self.variables[name] = value


async def test_welcome_then_connecting_then_queue():
    channel, journey = FakeChannel(), Journey()
    decision = await run_menu(channel, lambda keys: Decision(Route.to_queue("l1")), journey)
    assert decision.route.queue == "l1"
    assert channel.played == [PromptName.WELCOME, PromptName.CONNECTING]
    assert journey.prompts == [PromptName.WELCOME.value, PromptName.CONNECTING.value]


async def test_a_missing_prompt_is_recorded_and_the_call_still_routed():
    channel, journey = FakeChannel(missing={PromptName.WELCOME.value}), Journey()
    decision = await run_menu(channel, lambda keys: Decision(Route.to_queue("l1")), journey)
    assert decision.route.kind is RouteKind.QUEUE
    assert journey.failed_prompts == [PromptName.WELCOME.value]


async def test_no_connecting_prompt_when_hanging_up():
    channel = FakeChannel()
    await run_menu(channel, lambda keys: Decision(Route(RouteKind.HANGUP)), Journey())
    assert channel.played == [PromptName.WELCOME]
