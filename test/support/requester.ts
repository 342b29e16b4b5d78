/**
 * A requester without an account, as the privacy center would act for one: submit, read the code from
 * the dev mailbox (what SES would have delivered to the contact on file), type it in.
 */
export interface Submission {
  id: string;
  requesterKey: string;
  status: string;
}

export async function codeFromMailbox(apiUrl: string, to: string, requestId: string): Promise<string | undefined> {
  const res = await fetch(`${apiUrl}/dev/mailbox.json?to=${encodeURIComponent(to)}`);
  const { items } = (await res.json()) as { items: { requestId: string; kind: string; text: string }[] };
  const message = items.find((m) => m.requestId === requestId && m.kind === 'verification_code');
  return message ? /\b(\d{6})\b/.exec(message.text)?.[1] : undefined;
}

/** Submits anonymously and verifies with the code sent to `contactOnFile`; returns once the request runs. */
export async function submitVerified(
  apiUrl: string,
  body: Record<string, unknown>,
  contactOnFile: string,
): Promise<Submission> {
  const res = await fetch(`${apiUrl}/v1/privacy-requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
  const submitted = (await res.json()) as Submission;
  const code = await codeFromMailbox(apiUrl, contactOnFile, submitted.id);
  if (!code) throw new Error('no code in the dev mailbox');
  const verified = await fetch(`${apiUrl}/v1/privacy-requests/${submitted.id}/verification`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  if (verified.status !== 200) throw new Error(`verification answered ${verified.status}: ${await verified.text()}`);
  return { ...submitted, status: ((await verified.json()) as { status: string }).status };
}
