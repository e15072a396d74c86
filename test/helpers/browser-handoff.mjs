#!/usr/bin/env node
// A BROWSER command for MCP hosts under test: instead of opening a window, it hands the URL it was given
// to the test (POST to BROWSER_HANDOFF_URL), whose Chromium then opens it. xdg-open runs $BROWSER with
// the URL as its one argument and counts exit 0 as "opened".
const [url] = process.argv.slice(2);
const handoff = process.env.BROWSER_HANDOFF_URL;
if (!url || !handoff) {
  process.stderr.write('usage: BROWSER_HANDOFF_URL=<test listener> browser-handoff.mjs <url>\n');
  process.exit(2);
}
const res = await fetch(handoff, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: url });
process.exit(res.status === 204 ? 0 : 1);
