/**
 * The local mailbox: what SES would have delivered. `GET /dev/mailbox` is a page a person reads a code
 * from; `GET /dev/mailbox.json?to=<address>` the same for tests and scripts. Local runtime only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mailboxMessages } from '#adapters/outbox/dev-mailbox.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function serveMailbox(req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://local');
  if (req.method !== 'GET' || (url.pathname !== '/dev/mailbox' && url.pathname !== '/dev/mailbox.json')) return false;
  const messages = mailboxMessages(url.searchParams.get('to') ?? undefined);
  if (url.pathname.endsWith('.json')) {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ items: messages }));
    return true;
  }
  const rows = messages
    .map(
      (m) =>
        `<article><h2>${escapeHtml(m.subject)}</h2><p class="meta">To ${escapeHtml(m.to)} · ${escapeHtml(m.at)}</p><pre>${escapeHtml(m.text)}</pre></article>`,
    )
    .join('\n');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dev mailbox</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
article{border:1px solid #767676;border-radius:6px;padding:0 1rem;margin:1rem 0}.meta{color:#4a4a4a}pre{white-space:pre-wrap}</style></head>
<body><main><h1>Dev mailbox</h1><p>What Amazon SES would have delivered, newest first (local runtime only).</p>
${rows || '<p>No messages yet.</p>'}</main></body></html>`);
  return true;
}
