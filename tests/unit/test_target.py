from __future__ import annotations

from apiguard.findings import Region
from apiguard.target import mask_line

# Made-up values, written in pieces so that this file contains no secret.
TOKEN = "ghp_" + "Q7wErT9yUi3o" + "Pa5sDf1gHj8k" + "Lz2xCv6bNm0M"
OTHER = "xoxb-" + "1234567890" + "-abcdefghijkl"


def test_repeated_secret_keeps_line_rest() -> None:
    line = f"k = '{TOKEN}'  # owner: platform team"
    region = Region(1, 6, 1, 6 + len(TOKEN))

    masked = mask_line(line, 1, [(region, TOKEN), (region, TOKEN)])

    assert masked == "k = 'ghp_********'  # owner: platform team"


def test_two_secrets_on_one_line() -> None:
    line = f"a={TOKEN} b={OTHER} c"
    first = Region(1, 3, 1, 3 + len(TOKEN))
    start = line.index(OTHER) + 1
    second = Region(1, start, 1, start + len(OTHER))

    masked = mask_line(line, 1, [(second, OTHER), (first, TOKEN)])

    assert masked == "a=ghp_******** b=xoxb******** c"


def test_overlapping_regions_hide_both() -> None:
    line = f"value: {TOKEN}"
    start = line.index(TOKEN) + 1
    whole = Region(1, start, 1, start + len(TOKEN))
    tail = Region(1, start + 10, 1, start + len(TOKEN) + 0)

    masked = mask_line(line, 1, [(whole, TOKEN), (tail, TOKEN[9:])])

    assert TOKEN[4:] not in masked
    assert TOKEN[12:] not in masked
    assert masked.startswith("value: ghp_")


def test_escaped_secret_is_hidden_by_its_region() -> None:
    # The file writes the value with a JSON escape, so the decoded secret is
    # not on the line as text.
    written = "\\u0067" + TOKEN[1:]
    line = f'{{"token": "{written}", "team": "web"}}'
    start = line.index(written) + 1
    region = Region(1, start, 1, start + len(written))

    masked = mask_line(line, 1, [(region, TOKEN)])

    assert TOKEN[5:] not in masked
    assert masked.endswith('", "team": "web"}')


def test_multi_line_secret_hides_each_line_part() -> None:
    region = Region(2, 1, 4, 10)

    assert mask_line("MIIEowIBAAKCAQEA", 3, [(region, "PEM-BODY")]) == "*" * 8
    assert mask_line("ABCDEFGHI rest", 4, [(region, "PEM-BODY")]) == "*" * 8 + " rest"
