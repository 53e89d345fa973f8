"""YouTube conventions (metrics.platforms.youtube) and post HTML (metrics.platforms.text)."""

from metrics.platforms.text import html_to_text
from metrics.platforms.youtube import title_links, watch_url


def test_a_video_has_one_address_and_counts_the_links_of_its_title():
    assert watch_url("-HHGH-TTqYM") == "https://www.youtube.com/watch?v=-HHGH-TTqYM"
    assert title_links(
        "Brew guide (https://www.loomwell.example/brew). More: https://a.example/x…"
    ) == (
        "https://www.loomwell.example/brew",
        "https://a.example/x",
    )


def test_post_html_reads_as_text_with_paragraphs_and_without_scripts():
    assert html_to_text("<p>Beans &amp; brews</p><p>Line<br>two<script>x()</script></p>") == (
        "Beans & brews\n\nLine\ntwo"
    )
