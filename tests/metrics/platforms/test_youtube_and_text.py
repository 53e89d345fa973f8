"""YouTube conventions (metrics.platforms.youtube) and post HTML (metrics.platforms.text)."""

from metrics.platforms.text import html_to_text, typed_links
from metrics.platforms.youtube import watch_url


def test_a_video_has_one_address_and_a_title_its_links_are_read_from():
    assert watch_url("-HHGH-TTqYM") == "https://www.youtube.com/watch?v=-HHGH-TTqYM"
    assert typed_links(
        "Brew guide (https://www.loomwell.example/brew). More: https://a.example/x…"
    ) == (
        "https://www.loomwell.example/brew",
        "https://a.example/x",
    )


def test_post_html_reads_as_text_with_paragraphs_and_without_scripts():
    assert html_to_text("<p>Beans &amp; brews</p><p>Line<br>two<script>x()</script></p>") == (
        "Beans & brews\n\nLine\ntwo"
    )
