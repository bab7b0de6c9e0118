from tests.browser import live_server


def test_chromium_renders_a_loopback_page(browser_page):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"<!doctype html><title>ok</title><h1>hello</h1>"]

    with live_server(app) as url:
        browser_page.goto(url)
        assert browser_page.inner_text("h1") == "hello"
