import pytest

from allo.doctor.conf import objects, parse
from allo.errors import ConfigError


def read_from(files: dict[str, str]):
    return files.get


def test_templates_are_copied_in_order_and_own_values_win():
    text = """
[base](!)
type = endpoint
allow = alaw
context = base

[agent-endpoint](!,base)
context = agents ; the comment goes
allow = ulaw

[a1](agent-endpoint)
auth = a1
"""
    sections = parse("pjsip.conf", read_from({"pjsip.conf": text}))
    assert [s.name for s in objects(sections)] == ["a1"]
    (a1,) = objects(sections, "endpoint")
    assert a1.get("context") == "agents"
    assert a1.get_all("allow") == ["alaw", "ulaw"]
    assert a1.get("auth") == "a1" and a1.where == "pjsip.conf [a1]"


def test_sections_of_the_same_name_stay_apart_and_plus_adds_to_the_last():
    text = "[trunk]\ntype = endpoint\n[trunk]\ntype = identify\nmatch = 10.0.0.1\n[trunk](+)\nmatch => 10.0.0.2\n"
    sections = parse("x.conf", read_from({"x.conf": text}))
    assert [s.get("type") for s in sections] == ["endpoint", "identify"]
    assert objects(sections, "identify")[0].get_all("match") == ["10.0.0.1", "10.0.0.2"]


def test_includes_comments_block_comments_and_escaped_semicolons():
    files = {"main.conf": "[g]\na = 1\n;--\n[hidden]\nb = 2\n--;\n#include \"more.conf\"\n#tryinclude none.conf\n",
             "more.conf": "[m]\nsecret = ab\\;cd ; real comment\n"}
    sections = parse("main.conf", read_from(files))
    assert [s.name for s in sections] == ["g", "m"]
    assert sections[1].get("secret") == "ab;cd" and sections[1].source == "more.conf"


@pytest.mark.parametrize(("files", "message"), [
    ({"a.conf": "#include missing.conf\n"}, "missing.conf: file not found"),
    ({"a.conf": "[x](nope)\n"}, "unknown template 'nope'"),
    ({"a.conf": "[x](+)\n"}, "does not exist"),
    ({"a.conf": "key = value\n"}, "cannot read"),
    ({"a.conf": "[x]\njust words\n"}, "cannot read"),
    ({"a.conf": "#include a.conf\n"}, "nested more than"),
])
def test_unreadable_configuration_is_a_clear_error(files, message):
    with pytest.raises(ConfigError, match=message):
        parse("a.conf", read_from(files))
