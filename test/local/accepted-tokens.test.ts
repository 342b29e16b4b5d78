import { describe, expect, it } from 'vitest';
import type { JWTPayload } from 'jose';
import { rememberingVerifier } from '#infra/local/accepted-tokens.ts';

describe('the gateway remembers an accepted token until it expires', () => {
  const counting = (answer: (token: string) => JWTPayload) => {
    const seen: string[] = [];
    const verify = async (token: string) => {
      seen.push(token);
      return answer(token);
    };
    return { seen, verify };
  };

  it('checks an accepted token once while it is valid, and again once it has expired', async () => {
    let now = 1_000_000;
    const { seen, verify } = counting(() => ({ sub: 'crm', exp: 1_000 + 60 }));
    const check = rememberingVerifier(verify, () => now);
    expect(await check('t1')).toEqual({ sub: 'crm', exp: 1_060 });
    expect(await check('t1')).toEqual({ sub: 'crm', exp: 1_060 });
    expect(seen).toEqual(['t1']);
    now = 1_060_000;
    await check('t1');
    expect(seen).toEqual(['t1', 't1']);
  });

  it('never remembers a refused token, nor one without exp', async () => {
    const { seen, verify } = counting((token) => {
      if (token === 'bad') throw new Error('refused');
      return { sub: 'x' };
    });
    const check = rememberingVerifier(verify, () => 0);
    await expect(check('bad')).rejects.toThrow('refused');
    await expect(check('bad')).rejects.toThrow('refused');
    await check('noexp');
    await check('noexp');
    expect(seen).toEqual(['bad', 'bad', 'noexp', 'noexp']);
  });
});
