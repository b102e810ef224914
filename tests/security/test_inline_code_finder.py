"""The walk's own proof: the finder catches each kind of inline code, and lets through what is allowed."""

from tests.security.inline_code import inline_code_found


def test_each_kind_of_inline_code_is_found():
    page = """<html><head><style>p{}</style><script>alert(1)</script></head>
    <body><p style="color:red">x</p><button onclick="go()">go</button><select onchange="f()"></select>
    <a href="javascript:go()">go</a><div hx-on:click="go()"></div>
    <script type="text/javascript">x()</script></body></html>"""

    found = inline_code_found(page)

    assert len(found) == 8
    assert any(f.startswith("inline <script>") for f in found)
    assert any(f.startswith("<style> element") for f in found)
    assert any(f.startswith('style="color:red"') for f in found)
    assert any(f.startswith('onclick="go()"') for f in found)
    assert any(f.startswith('onchange="f()"') for f in found)
    assert any(f.startswith('href="javascript:go()"') for f in found)
    assert any(f.startswith('hx-on:click="go()"') for f in found)


def test_script_files_data_blocks_and_data_attributes_are_allowed():
    page = """<html><head><script src="/static/js/theme.js"></script>
    <script id="chart-data" type="application/json">{"bars": []}</script></head>
    <body><span data-width="42.5"></span><form data-confirm="Sure?"><select data-autosubmit></select></form>
    <a href="/app/">home</a></body></html>"""

    assert inline_code_found(page) == []
